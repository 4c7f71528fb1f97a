#!/usr/bin/env bash
# Writes the fuzzers' seed corpora: GGUF files from the project's writer; text and real chat
# templates (from ../shared when present) for the tokenizer and template fuzzers.
set -euo pipefail
writer="$1"; corpus="$2"; shared="${3:-}"
mkdir -p "$corpus/gguf" "$corpus/bpe" "$corpus/template"
"$writer" "$corpus/gguf"
i=0
for text in "Hello world" "  leading spaces and 3333 digits" $'tabs\tand\nnewlines' "中文 日本語 한국어 🦙" \
            "I've been 'told he's there, 'RE you sure?" "code: for (int i = 0; i < n; ++i) {}" "a<|im_end|>b"; do
    printf '%s%s' "$(printf "\\x$(printf %02x $((i % 8)))")" "$text" > "$corpus/bpe/seed$i"
    i=$((i + 1))
done
printf '%s' '{% for m in messages %}{{ m.role }}: {{ m.content | trim }}{% if not loop.last %}\n{% endif %}{% endfor %}' > "$corpus/template/basic"
printf '%s' '{%- set ns = namespace(x=0) -%}{%- for m in messages if m.role != "system" -%}{%- set ns.x = ns.x + 1 -%}{{ m | tojson }}{%- endfor -%}{{ ns.x }}' > "$corpus/template/namespace"
if [ -n "$shared" ] && [ -d "$shared/tokenizers/templates" ]; then
    cp "$shared"/tokenizers/templates/*.jinja "$corpus/template/"
fi
echo "seed corpora ready in $corpus"
