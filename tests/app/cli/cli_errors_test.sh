#!/usr/bin/env bash
# hearth-cli turns bad input into a one-line error and a non-zero exit, never a crash.
set -uo pipefail
cli="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

expect_error() {  # expect_error <exit code> <text in stderr> <args...>
    local code="$1" text="$2"; shift 2
    local err rc
    err=$("$cli" "$@" 2>&1 >/dev/null); rc=$?
    echo "hearth-cli $* -> $rc: $err"
    [ "$rc" -eq "$code" ] || fail "exit code $rc, expected $code"
    grep -qF -- "$text" <<<"$err" || fail "stderr lacks '$text'"
}

printf 'GGUF\x03\x00\x00\x00' > "$dir/cut.gguf"
printf 'not a model at all' > "$dir/text.gguf"
expect_error 1 "cut.gguf: byte offset 8" info "$dir/cut.gguf"
expect_error 1 "not a GGUF file" info "$dir/text.gguf"
expect_error 1 "cannot open" info "$dir/missing.gguf"
expect_error 1 "not a regular file" info "$dir"
expect_error 2 "unknown option --bogus" info "$dir/text.gguf" --bogus
expect_error 2 "needs a whole number" info "$dir/text.gguf" --ctx -5
expect_error 2 "unknown command" frobnicate
VK_ICD_FILENAMES="$dir/no-such-driver.json" VK_DRIVER_FILES="$dir/no-such-driver.json" \
    expect_error 1 "found no usable driver" devices
"$cli" --version | grep -q "hearth-cli [0-9]" || fail "--version"
echo "cli errors ok"
