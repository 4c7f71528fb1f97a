#!/usr/bin/env bash
# The encrypted history's key in a real Secret Service: gnome-keyring on a private D-Bus session
# bus, its keyring in a temporary HOME. The app's side (HistoryEncryption, the start without a
# window) and hearth-cli's (`store keychain on|off`, `chats` opening without a passphrase).
#   keychain_test.sh <historyencryption_test> <hearth-cli>
set -euo pipefail
test_binary="$1" cli="$2"
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
export XDG_RUNTIME_DIR="$work/run" HEARTH_TEST_KEYCHAIN=1 HEARTH_DATA_DIR="$work/hearth-data"
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
# The session: unlock a fresh login keyring (its password only guards this test's keyring), then
# run the keychain test case.
cat > "$work/chat.json" <<'JSON'
{"title": "Kept by the keychain", "messages": [{"role": "user", "content": "hello"}]}
JSON
dbus-run-session -- bash -c '
  set -euo pipefail
  fail() { echo "FAIL: $*"; exit 1; }
  printf "test-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  "$0" keychainKeepsTheKey
  cli="$1" work="$2"
  "$cli" chats import "$work/chat.json" >/dev/null
  echo "a long passphrase" | "$cli" store encrypt >/dev/null
  err=$("$cli" chats list 2>&1 </dev/null) && fail "a locked history was listed"
  grep -q "(locked)" <<<"$err" || fail "unclear locked error: $err"
  err=$(echo "wrong" | "$cli" store keychain on 2>&1) && fail "a wrong passphrase went into the keychain"
  echo "a long passphrase" | "$cli" store keychain on | grep -q "in the system keychain" || fail "store keychain on"
  "$cli" chats list </dev/null | grep -q "Kept by the keychain" || fail "the keychain did not open the history"
  "$cli" store status --json </dev/null | grep -q "\"unlocked\": true" || fail "status with the keychain"
  "$cli" store keychain off >/dev/null
  err=$("$cli" chats list 2>&1 </dev/null) && fail "the history opened after the key left the keychain"
  echo "keychain: app and CLI ok"' "$test_binary" "$cli" "$work" 2> >(grep -v "Failed to set fd limit" >&2)
