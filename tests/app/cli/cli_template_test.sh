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

# Tools: OpenAI's function definitions as `tools`, an assistant's tool_calls (arguments sent as
# a JSON string, given to templates as the object) and the tool's answer, through the real
# templates of the tool-using families, identical to Jinja2's rendering.
cat > "$dir/tools.json" <<'JSON'
[{"type": "function", "function": {"name": "get_weather", "description": "The weather now in a city. <|im_end|>",
  "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
  "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}]
JSON
cat > "$dir/tool-conv.json" <<'JSON'
[{"role": "system", "content": "You help with weather."},
 {"role": "user", "content": "Weather in Paris?"},
 {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
   "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"c\"}"}}]},
 {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temperature\": 21}"}]
JSON
python3 - "$dir/tool-conv.json" "$dir/tools.json" > "$dir/tool-cases.json" <<'PY'
import json, sys
print(json.dumps([{"messages": json.load(open(sys.argv[1])), "add_generation_prompt": True, "tools": json.load(open(sys.argv[2]))}]))
PY
for name in Qwen-Qwen2.5-7B-Instruct Qwen3-Coder meta-llama-Llama-3.1-8B-Instruct NousResearch-Hermes-3-Llama-3.1-8B-tool_use \
    ibm-granite-granite-3.3-2B-Instruct deepseek-ai-DeepSeek-V3.1 openai-gpt-oss-120b; do
    t="$shared/tokenizers/templates/$name.jinja"
    python3 "$tools/render_templates.py" "$dir/tool-cases.json" "$t" | python3 -c 'import json,sys; sys.stdout.write(list(json.load(sys.stdin).values())[0][0])' > "$dir/expected"
    "$cli" template --template "$t" --messages "$dir/tool-conv.json" --tools "$dir/tools.json" --bos-token "<s>" --eos-token "</s>" > "$dir/got"
    cmp "$dir/expected" "$dir/got" || { diff "$dir/expected" "$dir/got" | head; fail "$name with tools differs from Jinja2"; }
    grep -q get_weather "$dir/got" || fail "$name: the tool is not in the prompt"
done
echo "tool definitions and tool calls render as Jinja2 renders them (7 templates)"

model="$shared/models/stories260K.gguf"
printf 'Hello world' | "$cli" tokenize --model "$model" --json - | grep -q '"ids":\[1,346,306,414,263,304,341\]' || fail "tokenize from stdin"
printf 'x\n' | "$cli" tokenize --model "$model" --no-bos --json - | grep -q '"ids":\[' || fail "tokenize keeps the newline"
echo "cli template ok"
