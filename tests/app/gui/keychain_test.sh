#!/usr/bin/env bash
# The encrypted history's key in a real Secret Service: gnome-keyring on a private D-Bus session
# bus, its keyring in a temporary HOME.   keychain_test.sh <historyencryption_test>
set -euo pipefail
test_binary="$1"
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
export XDG_RUNTIME_DIR="$work/run" HEARTH_TEST_KEYCHAIN=1
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
# The session: unlock a fresh login keyring (its password only guards this test's keyring), then
# run the keychain test case.
dbus-run-session -- bash -c '
  printf "test-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$0" keychainKeepsTheKey' "$test_binary" 2> >(grep -v "Failed to set fd limit" >&2)
