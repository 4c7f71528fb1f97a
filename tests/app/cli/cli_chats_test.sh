#!/usr/bin/env bash
# hearth-cli chats on a scratch data folder: import, list, show, search, export round trip,
# delete, and a malformed import that must change nothing.
set -euo pipefail
cli="$1"
export HEARTH_DATA_DIR=$(mktemp -d)
trap 'rm -rf "$HEARTH_DATA_DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$HEARTH_DATA_DIR/chat.json" <<'JSON'
{"title": "Sourdough ✓", "messages": [
  {"role": "user", "content": "How do I feed a sourdough starter?"},
  {"role": "assistant", "content": "Equal weights of flour and water, daily.", "reasoning": "Keep it simple."}]}
JSON
"$cli" chats import "$HEARTH_DATA_DIR/chat.json" | grep -q "imported conversation 1" || fail import
[ "$(stat -c %a "$HEARTH_DATA_DIR/hearth.db")" = 600 ] || fail "database is not owner-only"
"$cli" chats list | grep -q "Sourdough ✓" || fail list
"$cli" chats list --json | python3 -c 'import json,sys; l=json.load(sys.stdin); assert l[0]["messages"]==2, l'
"$cli" chats show 1 | grep -q "Equal weights" || fail show
"$cli" chats search starter --json | python3 -c 'import json,sys; h=json.load(sys.stdin); assert h and "**starter**" in h[0]["snippet"], h'
"$cli" chats export 1 --format json > "$HEARTH_DATA_DIR/out.json"
python3 - "$HEARTH_DATA_DIR/chat.json" "$HEARTH_DATA_DIR/out.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["title"] == b["title"]
assert [(m["role"], m["content"], m.get("reasoning")) for m in a["messages"]] == \
       [(m["role"], m["content"], m.get("reasoning")) for m in b["messages"]]
PY
"$cli" chats export 1 --format md | head -1 | grep -q "^# Sourdough ✓" || fail "markdown export"

printf '{"title": "half", "messages": [{"role": "user", "content": "ok"}, {"role": "alien", "content": "x"}]}' > "$HEARTH_DATA_DIR/bad.json"
err=$("$cli" chats import "$HEARTH_DATA_DIR/bad.json" 2>&1) && fail "malformed import accepted"
grep -q 'message 2: "role"' <<<"$err" || fail "unclear import error: $err"
[ "$("$cli" chats list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] || fail "a failed import left something behind"

"$cli" chats delete 1 | grep -q "deleted conversation 1" || fail delete
[ -z "$("$cli" chats search starter)" ] || fail "deleted text still found"
err=$("$cli" chats show 1 2>&1) && fail "showed a deleted conversation"
grep -q "not-found" <<<"$err" || fail "unclear error: $err"
echo "cli chats ok"
