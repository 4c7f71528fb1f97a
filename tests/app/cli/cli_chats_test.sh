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

# Hostile text: a NUL must not cut anything; terminal escapes and CR must show, not act.
cat > "$HEARTH_DATA_DIR/hostile.json" <<'JSON'
{"title": "T\u001b]0;pwned\u0007itle\u0000tail", "messages": [
  {"role": "user", "content": "before\u0000after"},
  {"role": "assistant", "content": "red \u001b[31mALERT\u001b[0m\rcover -hello"}]}
JSON
id=$("$cli" chats import "$HEARTH_DATA_DIR/hostile.json" | grep -o '[0-9]*$')
"$cli" chats export "$id" --format md > "$HEARTH_DATA_DIR/h.md"
grep -q "after" "$HEARTH_DATA_DIR/h.md" || fail "markdown export cut at a NUL"
grep -q "cover" "$HEARTH_DATA_DIR/h.md" || fail "markdown export lost the last message"
grep -q "tail" "$HEARTH_DATA_DIR/h.md" || fail "markdown export cut the title at a NUL"
! grep -q $'\x1b' "$HEARTH_DATA_DIR/h.md" || fail "markdown export kept a raw ESC"
grep -q "␀" "$HEARTH_DATA_DIR/h.md" || fail "markdown export hid the NUL"
for cmd in "list" "show $id" "search red"; do
    out=$("$cli" chats $cmd)
    ! grep -q $'[\x1b\x07\r]' <<<"$out" || fail "chats $cmd wrote control characters to the terminal"
    grep -q "␛" <<<"$out" || fail "chats $cmd hid the escape instead of showing it"
done
"$cli" chats show "$id" | grep -q "before␀after" || fail "show cut at a NUL"
# JSON output stays exact.
"$cli" chats export "$id" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["messages"][0]["content"]=="before\x00after", d; assert "\x1b[31m" in d["messages"][1]["content"]'
# A search term that starts with "-".
"$cli" chats search -- -hello | grep -q "$id" || fail "cannot search for -hello"

# Imports: what is not a regular, reasonably sized Hearth file is refused at once.
mkfifo "$HEARTH_DATA_DIR/pipe.json"
err=$(timeout 10 "$cli" chats import "$HEARTH_DATA_DIR/pipe.json" 2>&1) && rc=0 || rc=$?
[ "$rc" -ne 124 ] || fail "importing a FIFO hangs"
grep -q "not a regular file" <<<"$err" || fail "unclear FIFO import error: $err"
err=$(timeout 10 "$cli" chats import /dev/zero 2>&1) && rc=0 || rc=$?
[ "$rc" -ne 124 ] || fail "importing /dev/zero does not stop"
grep -q "not a regular file" <<<"$err" || fail "unclear /dev/zero import error: $err"
expect_refused() {  # expect_refused <json> <text in error>
    printf '%s' "$1" > "$HEARTH_DATA_DIR/bad.json"
    err=$("$cli" chats import "$HEARTH_DATA_DIR/bad.json" 2>&1) && fail "accepted: $1"
    grep -qF -- "$2" <<<"$err" || fail "unclear error for $1: $err"
}
expect_refused '{"format": "hearth.conversation", "version": 99, "title": "x", "messages": []}' "version 99 is not one this Hearth reads"
expect_refused '{"format": "something.else", "title": "x", "messages": []}' "not 'hearth.conversation'"
expect_refused '{"title": "x", "created_at": "yesterday", "messages": []}' '"created_at" must be milliseconds'
expect_refused '{"title": "x", "messages": [{"role": "user", "content": "a", "created_at": -5}]}' 'message 1: "created_at"'

# Deleting everything asks for --yes, then leaves none of the words in the database's files.
printf '{"title": "to forget", "messages": [{"role": "user", "content": "import me then forget me"}]}' > "$HEARTH_DATA_DIR/forget.json"
"$cli" chats import "$HEARTH_DATA_DIR/forget.json" >/dev/null || fail "import before delete --all"
db="$HEARTH_DATA_DIR/hearth.db"
[ -n "$("$cli" chats list)" ] || fail "nothing left to delete all of"
err=$("$cli" chats delete --all 2>&1) && fail "deleted everything without --yes"
grep -q -- "--yes" <<<"$err" || fail "unclear refusal: $err"
"$cli" chats delete --all --yes | grep -q "deleted [0-9]* conversations" || fail "delete --all"
[ -z "$("$cli" chats list)" ] || fail "conversations left after delete --all"
if cat "$db" "$db-wal" 2>/dev/null | grep -qa "import me"; then fail "deleted words still in the database files"; fi

echo "cli chats ok"
