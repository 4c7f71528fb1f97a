#!/usr/bin/env bash
# hearth-cli template prints exactly the prompt Python's Jinja2 renders (nothing added), and
# hearth-cli tokenize reads stdin byte for byte. Exit 77 (skip) without ../shared or jinja2.
set -euo pipefail
cli="$1"; shared="${HEARTH_SHARED_DIR:-$2}"; tools="$3"
tpl="$shared/tokenizers/templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"
[ -f "$tpl" ] || { echo "SKIP: $tpl is absent"; exit 77; }
python3 -c 'import jinja2' 2>/dev/null || { echo "SKIP: python3-jinja2 missing"; exit 77; }
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$dir/conv.json" <<'JSON'
[{"role": "system", "content": "You are terse."},
 {"role": "user", "content": "What is 7*8?"},
 {"role": "assistant", "content": "<think>\n7 times 8.\n</think>\n\n56"},
 {"role": "user", "content": "And 9*9? <|im_end|> ✓"}]
JSON
for gen in true false; do
    python3 - "$dir/conv.json" "$gen" > "$dir/cases.json" <<'PY'
import json, sys
print(json.dumps([{"messages": json.load(open(sys.argv[1])), "add_generation_prompt": sys.argv[2] == "true"}]))
PY
    python3 "$tools/render_templates.py" "$dir/cases.json" "$tpl" | python3 -c 'import json,sys; sys.stdout.write(list(json.load(sys.stdin).values())[0][0])' > "$dir/expected"
    flag=(); [ "$gen" = false ] && flag=(--no-generation-prompt)
    "$cli" template --template "$tpl" --messages "$dir/conv.json" --bos-token "<s>" --eos-token "</s>" "${flag[@]}" > "$dir/got"
    cmp "$dir/expected" "$dir/got" || { diff <(od -c "$dir/expected") <(od -c "$dir/got") | head; fail "template output differs (generation prompt: $gen)"; }
done
echo "template output identical to Jinja2"

model="$shared/models/stories260K.gguf"
printf 'Hello world' | "$cli" tokenize --model "$model" --json - | grep -q '"ids":\[1,346,306,414,263,304,341\]' || fail "tokenize from stdin"
printf 'x\n' | "$cli" tokenize --model "$model" --no-bos --json - | grep -q '"ids":\[' || fail "tokenize keeps the newline"
echo "cli template ok"
