#!/usr/bin/env bash
# Hearth's fast CPU backend against llama.cpp's CPU backend on the same GGUF files and thread
# count, in one run, with this machine's memory bandwidth as the decode roofline.
#
#   tests/bench/cpu_vs_llama_cpp.sh BUILD_DIR [CACHE_DIR]
#
# llama.cpp: llama-bench built for this CPU (-march=native) from the source node-llama-cpp ships
# on npm (tests/tools/llama_cpp_bench_build.sh; LLAMA_BENCH=/path/to/llama-bench to reuse one).
# Models (random weights: speed depends on shapes and types only): Qwen2.5-0.5B's shape in Q4_0,
# Q8_0 and Q4_K_M, TinyLlama-1.1B's in Q4_K_M (K-quant mixes made by llama.cpp's llama-quantize);
# on request (MODELS) a Qwen3-30B-A3B-shaped mixture of experts, Q2_K / Q3_K_M mixes, IQ4_XS /
# IQ4_NL files and the grid IQ types IQ1_S to IQ3_M with an importance matrix (e.g.
# MODELS="tinyllama-Q3_K_M tinyllama-IQ2_XXS"; llama-quantize takes minutes over the IQ ones).
# Environment: PP (prompt tokens, default 128), TG (generated, 64), REPS (3), THREADS (2),
# MODELS (a subset of the names below), FILES (GGUF files to run as they are, instead of making
# them: e.g. the grid IQ mixes made once), DEPTH (e.g. 4096: also decode after that many tokens of
# context, where attention reads the KV cache as much as the weights; llama-bench -d).
# Prints tokens/s of both, the ratios Hearth / llama.cpp, decode as % of the bandwidth roofline,
# and the peak resident memory of each process.
set -euo pipefail
build="${1:?usage: $0 BUILD_DIR [CACHE_DIR]}"
cache="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
cli="$build/app/cli/hearth-cli"
maker="$build/tests/hearth-make-test-model"
pp="${PP:-128}" tg="${TG:-64}" reps="${REPS:-3}" threads="${THREADS:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

bench="${LLAMA_BENCH:-}"
[ -n "$bench" ] || bench="$("$here/../tools/llama_cpp_bench_build.sh" ${cache:+"$cache"})"
quantize="$(dirname "$(dirname "$bench")")/bin/llama-quantize"
[ -x "$quantize" ] || quantize="${LLAMA_QUANTIZE:-}"

declare -A shapes=(
    [qwen05b]="--arch qwen2 --embedding 896 --layers 24 --heads 14 --kv-heads 2 --ff 4864 --vocab 151936 --tied"
    [tinyllama]="--arch llama --embedding 2048 --layers 22 --heads 32 --kv-heads 4 --ff 5632 --vocab 32000"
    # Qwen3-30B-A3B's layer (128 experts, 8 used, 768 wide), 6 of its 48 layers: MODELS=qwen3moe30b-Q4_K.
    # (Its roofline column counts every expert's bytes, not the 8 read per token.)
    [qwen3moe30b]="--arch qwen3moe --embedding 2048 --layers 6 --heads 32 --kv-heads 4 --head-dim 128 --experts 128 --experts-used 8 --expert-ff 768 --vocab 151936"
)
imatrix_tool="$(dirname "$quantize")/llama-imatrix"
make_model() {  # make_model NAME FILE: shape-TYPE, the K-quant mixes and IQ types through llama-quantize
    local shape="${1%-*}" type="${1##*-}"
    case "$type" in
    Q2_K | Q3_K_M | Q4_K_M | Q5_K_M | Q6_K | IQ4_XS | IQ4_NL)
        # shellcheck disable=SC2086  # the shape is a list of options
        "$maker" ${shapes[$shape]} --type Q8_0 "$work/source.gguf" >/dev/null
        "$quantize" --allow-requantize "$work/source.gguf" "$2" "$type" "$threads" >/dev/null 2>&1
        rm -f "$work/source.gguf" ;;
    IQ1_S | IQ1_M | IQ2_XXS | IQ2_XS | IQ2_S | IQ2_M | IQ3_XXS | IQ3_S | IQ3_M)
        # The grid types want an importance matrix (llama-quantize refuses most without one):
        # one chunk of filler text through llama-imatrix is enough for a speed test.
        # shellcheck disable=SC2086
        "$maker" ${shapes[$shape]} --type Q8_0 "$work/source.gguf" >/dev/null
        for _ in $(seq 200); do echo "the quick brown fox jumps over the lazy dog while the cat sleeps"; done >"$work/text.txt"
        "$imatrix_tool" -m "$work/source.gguf" -f "$work/text.txt" -c 128 -b 128 -t "$threads" --chunks 1 \
            -o "$work/imatrix.gguf" >/dev/null 2>&1
        "$quantize" --allow-requantize --imatrix "$work/imatrix.gguf" "$work/source.gguf" "$2" "$type" "$threads" >/dev/null 2>&1
        rm -f "$work/source.gguf" "$work/imatrix.gguf" ;;
    *)
        # shellcheck disable=SC2086
        "$maker" ${shapes[$shape]} --type "$type" "$2" >/dev/null ;;
    esac
}

bandwidth="$("$build/tests/hearth-memory-bandwidth" "$threads" 1024)"
echo "memory read bandwidth with $threads threads: $bandwidth GB/s (the decode roofline)"
echo "llama.cpp: $bench"
echo "hearth:    $("$cli" devices 2>/dev/null | grep '^[* ] cpu:' | sed 's/^[* ] cpu: //')"
printf '%-18s %9s %9s %6s %9s %9s %6s %9s %9s %9s\n' model "hearth pp" "llama pp" ratio "hearth tg" "llama tg" ratio "roofline" "hearth MB" "llama MB"
for name in ${FILES:-${MODELS:-qwen05b-Q4_0 qwen05b-Q8_0 qwen05b-Q4_K_M tinyllama-Q4_K_M}}; do
    if [ -n "${FILES:-}" ]; then
        file="$name" name="$(basename "$name" .gguf)"
    else
        file="$work/$name.gguf"
        make_model "$name" "$file" || { echo "$name: could not be made" >&2; continue; }
    fi
    hearth_json="$work/hearth.json" llama_json="$work/llama.json"
    /usr/bin/time -f %M -o "$work/hearth.rss" "$cli" bench --model "$file" --backend cpu --threads "$threads" -p "$pp" -n "$tg" -r "$reps" --json >"$hearth_json"
    /usr/bin/time -f %M -o "$work/llama.rss" "$bench" -m "$file" -t "$threads" -p "$pp" -n "$tg" -r "$reps" -o json >"$llama_json" 2>/dev/null
    python3 - "$name" "$hearth_json" "$llama_json" "$(cat "$work/hearth.rss")" "$(cat "$work/llama.rss")" "$bandwidth" <<'PY'
import json, sys
name, hearth, llama, hearth_rss, llama_rss, bandwidth = sys.argv[1:]
h = json.load(open(hearth)); runs = json.load(open(llama))
lp = next(r["avg_ts"] for r in runs if r["n_prompt"] > 0 and r["n_gen"] == 0)
lt = next(r["avg_ts"] for r in runs if r["n_gen"] > 0 and r["n_prompt"] == 0)
hp, ht = h["prompt_tokens_per_second"], h["generation_tokens_per_second"]
roofline = h["decode_weight_bytes_per_second"] / (float(bandwidth) * 1e9)
print(f"{name:<18} {hp:9.1f} {lp:9.1f} {hp / lp:6.2f} {ht:9.1f} {lt:9.1f} {ht / lt:6.2f} {100 * roofline:8.0f}% "
      f"{int(hearth_rss) / 1024:9.0f} {int(llama_rss) / 1024:9.0f}")
PY
    if [ "${DEPTH:-0}" -gt 0 ]; then
        "$cli" bench --model "$file" --backend cpu --threads "$threads" -p 1 -n 32 -d "$DEPTH" -r 1 --json >"$hearth_json"
        "$bench" -m "$file" -t "$threads" -p 0 -n 32 -d "$DEPTH" -r 1 -o json >"$llama_json" 2>/dev/null
        python3 - "$name" "$hearth_json" "$llama_json" "$DEPTH" <<'PY'
import json, sys
name, hearth, llama, depth = sys.argv[1:]
ht = json.load(open(hearth))["generation_tokens_per_second"]
lt = json.load(open(llama))[0]["avg_ts"]
print(f"{'  tg32 @ ' + depth:<18} {'':9} {'':9} {'':6} {ht:9.1f} {lt:9.1f} {ht / lt:6.2f}")
PY
    fi
    [ -n "${FILES:-}" ] || rm -f "$file"
done
