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

# A named pipe as a model must not block in open().
mkfifo "$dir/pipe.gguf"
err=$(timeout 10 "$cli" info "$dir/pipe.gguf" 2>&1); rc=$?
[ "$rc" -ne 124 ] || fail "info on a FIFO hangs"
grep -q "not a regular file (a named pipe)" <<<"$err" || fail "unclear FIFO error: $err"
# An absurd thread count is refused before a single thread starts.
expect_error 2 "--threads 100000 is too many" run --model "$dir/text.gguf" --prompt x --threads 100000 --backend cpu
expect_error 2 "--threads 100000 is too many" bench --model "$dir/text.gguf" --threads 100000 --backend cpu

shared="${HEARTH_SHARED_DIR:-$(dirname "$0")/../../../../shared}"
if [ -f "$shared/models/stories260K.gguf" ]; then
    # The model file shrinks while a reply is generated: a clear error, not SIGBUS (exit 135).
    cp "$shared/models/stories260K.gguf" "$dir/shrinks.gguf"
    "$cli" run --model "$dir/shrinks.gguf" --prompt "Once upon a time" -n 1000000 --ctx 256 --backend cpu \
        >/dev/null 2>"$dir/shrink.err" &
    pid=$!
    for _ in $(seq 100); do grep -q "context full" "$dir/shrink.err" && break; sleep 0.1; done
    truncate -s 100000 "$dir/shrinks.gguf"
    wait "$pid"; rc=$?
    echo "model truncated while in use -> $rc: $(tail -1 "$dir/shrink.err")"
    [ "$rc" -eq 1 ] || fail "exit $rc after the model file shrank (135 = SIGBUS)"
    grep -q "truncated or rewritten on disk while in use" "$dir/shrink.err" || fail "unclear error for a shrunk model"

    # Control strings in a prompt are text unless --parse-special says otherwise.
    plain=$("$cli" tokenize --model "$shared/models/stories260K.gguf" --json 'Once</s>' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ids"]))')
    got=$("$cli" run --model "$shared/models/stories260K.gguf" --prompt 'Once</s>' -n 1 --backend cpu 2>&1 >/dev/null | grep -o 'prompt: [0-9]* tokens')
    [ "$got" = "prompt: $plain tokens" ] || fail "run parsed control strings in the prompt: $got, tokenize says $plain"
    special=$("$cli" run --model "$shared/models/stories260K.gguf" --prompt 'Once</s>' -n 1 --backend cpu --parse-special 2>&1 >/dev/null | grep -o 'prompt: [0-9]* tokens')
    [ "$special" != "$got" ] || fail "--parse-special changed nothing"

    # A GPU lost in the middle of a reply (simulated at the 30th Vulkan submission): a clear
    # error and exit code 1, not a crash or a hang; the next run works.
    if "$cli" devices 2>/dev/null | grep -q "^  0: "; then
        rc=0
        HEARTH_VK_LOSE_DEVICE_AT=30 timeout 120 "$cli" run --model "$shared/models/stories260K.gguf" --prompt "Once upon a time" -n 200 \
            --backend vulkan >"$dir/lost.out" 2>"$dir/lost.err" || rc=$?
        echo "GPU lost mid-reply -> $rc: $(tail -1 "$dir/lost.err" | cut -c1-120)"
        [ "$rc" -eq 1 ] || fail "exit $rc when the GPU was lost"
        grep -q "error (device-lost): the GPU .* was lost" "$dir/lost.err" || fail "unclear error for a lost GPU"
        [ -s "$dir/lost.out" ] || fail "the text before the loss was not written"
        "$cli" run --model "$shared/models/stories260K.gguf" --prompt "Once upon a time" -n 8 --backend vulkan >/dev/null 2>&1 ||
            fail "the run after a lost GPU failed"

        # The device self-test: every kernel passes on a working driver; a kernel broken on purpose
        # (a test-only switch) is caught and named, and the others still pass.
        "$cli" selftest --device 0 --json >"$dir/selftest.json" || fail "the self-test failed on a working device"
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["passed"] and len(r["checks"]) > 70, r["checks"][:3]' \
            "$dir/selftest.json" || fail "self-test report"
        for kernel in matmul attention gated_delta_rule; do
            rc=0
            HEARTH_VK_BREAK_KERNEL=$kernel "$cli" selftest --device 0 --model "$shared/models/stories260K.gguf" >"$dir/broken.txt" 2>&1 || rc=$?
            [ "$rc" -eq 1 ] || fail "a broken $kernel kernel passed the self-test (exit $rc)"
            grep -q "^  FAIL ${kernel//_/.}" "$dir/broken.txt" || grep -q "^  FAIL .*$kernel" "$dir/broken.txt" ||
                fail "the broken $kernel kernel was not named: $(grep FAIL "$dir/broken.txt" | head -3)"
            grep -q "^  ok   rms_norm" "$dir/broken.txt" || fail "breaking $kernel failed other kernels"
        done
        grep -q "run on the CPU backend" "$dir/broken.txt" || fail "the self-test did not offer the CPU"
        echo "self-test: passes on lavapipe, catches a broken matmul, attention and gated delta rule"
    else
        echo "skipping the lost-GPU check: no Vulkan device"
    fi
else
    echo "skipping the model-file checks: ../shared is absent"
fi
echo "cli errors ok"
