#!/usr/bin/env bash
# Nothing leaves the machine: a whole chat session (open the store, load stories260K, send,
# stream, stop, regenerate, restart) runs under strace, and no IPv4/IPv6 socket is ever opened.
set -euo pipefail
test_binary="$1"
command -v strace >/dev/null || { echo "SKIP: strace is not installed"; exit 77; }
# LeakSanitizer cannot run under ptrace; leaks are checked by the test's own run.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
out=$(mktemp)
trap 'rm -f "$log" "$out"' EXIT
if ! QT_QPA_PLATFORM=offscreen strace -f -qq -e trace=socket,connect -o "$log" "$test_binary" >"$out" 2>&1; then
    grep -E "FAIL|Loc:|Totals" "$out"
    echo "FAIL: the chat session failed under strace (above)"
    exit 1
fi
if grep -E 'AF_INET6?[,)]' "$log"; then
    echo "FAIL: the chat session opened network sockets (above)"
    exit 1
fi
echo "no network sockets in $(grep -c . "$log" || true) socket/connect calls (all local)"
