#!/usr/bin/env bash
# Hearth's Vulkan backend against llama.cpp's Vulkan backend on the same GGUF files, in one run.
#
#   tests/bench/vulkan_vs_llama_cpp.sh BUILD_DIR [SHARED_DIR]
#
# llama.cpp comes prebuilt from npm (@fugood/llama.node + @fugood/node-llama-linux-x64-vulkan),
# installed into a temporary folder (or LLAMA_NODE_MODULES=/path/to/node_modules to reuse one).
# Models: stories260K (from SHARED_DIR) and generated models with the shapes of Qwen2.5-0.5B and
# TinyLlama-1.1B in Q4_0, Q8_0 and Q4_K (random weights: speed depends on shapes and types only).
# Prints a table with tokens/s of both and the ratio Hearth / llama.cpp for pp and tg.
# Environment: PP (prompt tokens, default 64), TG (generated tokens, default 16), REPS (default 2),
# MODELS (space-separated subset of the names below), HEARTH_VULKAN_DEVICE.
set -euo pipefail
build="${1:?usage: $0 BUILD_DIR [SHARED_DIR]}"
shared="${2:-$(dirname "$0")/../../../shared}"
cli="$build/app/cli/hearth-cli"
maker="$build/tests/hearth-make-test-model"
pp="${PP:-64}" tg="${TG:-16}" reps="${REPS:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

modules="${LLAMA_NODE_MODULES:-}"
if [ -z "$modules" ]; then
    echo "installing llama.cpp (npm @fugood/llama.node, Vulkan build) into $work/npm ..." >&2
    npm install --prefix "$work/npm" --no-audit --no-fund --silent \
        @fugood/llama.node @fugood/node-llama-linux-x64-vulkan >&2
    modules="$work/npm/node_modules"
fi

declare -A shapes=(
    [qwen05b]="--arch qwen2 --embedding 896 --layers 24 --heads 14 --kv-heads 2 --ff 4864 --vocab 151936 --tied"
    [tinyllama]="--arch llama --embedding 2048 --layers 22 --heads 32 --kv-heads 4 --ff 5632 --vocab 32000"
)
default_models="stories260K"
for shape in qwen05b tinyllama; do
    for type in Q4_0 Q8_0 Q4_K; do default_models+=" $shape-$type"; done
done

printf '%-20s %12s %12s %7s %12s %12s %7s\n' model "hearth pp" "llama pp" ratio "hearth tg" "llama tg" ratio
for name in ${MODELS:-$default_models}; do
    if [ "$name" = stories260K ]; then
        file="$shared/models/stories260K.gguf"
        [ -f "$file" ] || { echo "$name: $file is absent, skipped" >&2; continue; }
    else
        file="$work/$name.gguf"
        # shellcheck disable=SC2086  # the shape is a list of options
        "$maker" ${shapes[${name%-*}]} --type "${name##*-}" "$file" >/dev/null || { echo "$name: could not be made" >&2; continue; }
    fi
    json=$("$cli" bench --model "$file" --backend vulkan -p "$pp" -n "$tg" -r "$reps" --llama-cpp "$modules" --json) ||
        { echo "$name: the benchmark failed" >&2; rm -f "$work/$name.gguf"; continue; }
    python3 - "$name" "$json" <<'PY'
import json, sys
name, r = sys.argv[1], json.loads(sys.argv[2])
l = r["llama_cpp"]
hp, ht, lp, lt = r["prompt_tokens_per_second"], r["generation_tokens_per_second"], l["pp"], l["tg"]
print(f"{name:<20} {hp:12.2f} {lp:12.2f} {hp / lp:7.2f} {ht:12.2f} {lt:12.2f} {ht / lt:7.2f}")
PY
    [ "$name" = stories260K ] || rm -f "$file"
done
echo "device: $("$cli" devices 2>/dev/null | head -3 | tr '\n' ' ')" >&2
