#!/usr/bin/env bash
# hearth-cli run / perplexity / tokenize on stories260K, as a user runs them, against
# llama.cpp's published output (../shared/models/README.md). Exit 77 (skip) without ../shared.
set -euo pipefail
cli="$1"
shared="${HEARTH_SHARED_DIR:-$2}"
model="$shared/models/stories260K.gguf"
if [ ! -f "$model" ]; then echo "SKIP: $model is absent"; exit 77; fi
fail() { echo "FAIL: $*"; exit 1; }

# The default backend (a Vulkan GPU, else the fast CPU backend: also where lavapipe is the only
# Vulkan device, as in CI), Vulkan itself, the fast CPU backend and the CPU reference.
automatic_cpu=0
"$cli" devices 2>/dev/null | grep -q '^\* cpu:' && automatic_cpu=1
expected=$'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily\'s mom said'
for backend in auto vulkan cpu cpu-reference; do
    [ $backend = vulkan ] && [ -z "${HEARTH_REQUIRE_VULKAN:-}" ] && ! "$cli" devices >/dev/null 2>&1 && continue
    out=$("$cli" run --model "$model" --prompt "Once upon a time" -n 64 --temp 0 --backend $backend 2>/tmp/hearth-cli-run.$$)
    err=$(cat /tmp/hearth-cli-run.$$); rm -f /tmp/hearth-cli-run.$$
    echo "$out"; echo "$err"
    [ "$out" = "$expected" ] || fail "greedy story ($backend) differs from llama.cpp's"
    grep -Eq 'generated: 64 tokens in [0-9.]+ s \([0-9.]+ tokens/s\)' <<<"$err" || fail "no speed report on stderr"
    if [ $backend = auto ] && [ $automatic_cpu = 1 ]; then
        grep -q 'backend: cpu (' <<<"$err" || fail "automatic mode did not pick the CPU backend over a CPU-type Vulkan device: $err"
        grep -q "note: Hearth's CPU backend: " <<<"$err" || fail "automatic mode did not say why it runs on the CPU: $err"
    elif [ $backend = auto ] && [ -n "${HEARTH_REQUIRE_VULKAN:-}" ]; then
        grep -q 'backend: vulkan' <<<"$err" || fail "the default backend is not Vulkan on a GPU: $err"
    fi
    [ $backend != cpu-reference ] || grep -q 'backend: cpu (' <<<"$err" || fail "cpu-reference: $err"
done

json=$("$cli" tokenize --model "$model" --json "Hello world")
[ "$json" = '{"ids":[1,346,306,414,263,304,341],"pieces":["<s>","▁He","ll","o","▁w","or","ld"]}' ] || fail "tokenize: $json"
stdin_ids=$(printf 'Hello world' | "$cli" tokenize --model "$model" --json --no-bos -)
[ "$stdin_ids" = '{"ids":[346,306,414,263,304,341],"pieces":["▁He","ll","o","▁w","or","ld"]}' ] || fail "tokenize from stdin: $stdin_ids"

for backend in auto cpu cpu-reference; do  # llama.cpp: 4.2444
    ppl=$("$cli" perplexity --model "$model" --file "$shared/models/story-text.txt" --ctx 128 --backend $backend 2>/dev/null | tail -1)
    echo "$backend: $ppl"
    grep -Eq '^Final estimate: PPL = 4\.24[0-9]{2} \+/- 0\.21[0-9]{3}' <<<"$ppl" || fail "perplexity ($backend): $ppl"
done

# bench: llama-bench's prompt and decode tests, the decode after -d tokens of context.
bench=$("$cli" bench --model "$model" --backend cpu -p 8 -n 4 -d 16 -r 1 --json)
python3 - "$bench" <<'PY' || fail "bench: $bench"
import json, sys
b = json.loads(sys.argv[1])
assert b["depth"] == 16 and b["prompt_tokens"] == 8 and b["generated_tokens"] == 4, b
assert b["prompt_tokens_per_second"] > 0 and b["generation_tokens_per_second"] > 0, b
PY
err=$("$cli" bench --model "$model" -d many 2>&1 >/dev/null) && fail "bench -d many accepted"
grep -q "\-d needs a whole number" <<<"$err" || fail "bench -d message: $err"

err=$("$cli" run --model "$model" --prompt hi --backend quantum 2>&1 >/dev/null) && fail "bad backend accepted"
grep -q "must be auto, vulkan, cpu or cpu-reference" <<<"$err" || fail "bad backend message: $err"
echo "cli engine ok"
