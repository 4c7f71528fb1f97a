#!/usr/bin/env bash
# hearth-cli store: encrypt a history with a passphrase from stdin, read it back through
# `chats --passphrase-stdin`, refuse a wrong passphrase, leave no plaintext in any file,
# change the passphrase and decrypt back to the same rows.
set -euo pipefail
cli="$1"
export HEARTH_DATA_DIR=$(mktemp -d)
trap 'rm -rf "$HEARTH_DATA_DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db="$HEARTH_DATA_DIR/hearth.db"
canary="zebra-canary-$RANDOM$RANDOM"

cat > "$HEARTH_DATA_DIR/chat.json" <<JSON
{"title": "Private plans", "messages": [
  {"role": "user", "content": "Remember the $canary for me."},
  {"role": "assistant", "content": "Noted: $canary."}]}
JSON
"$cli" chats import "$HEARTH_DATA_DIR/chat.json" >/dev/null
rm "$HEARTH_DATA_DIR/chat.json"
grep -rqa "$canary" "$HEARTH_DATA_DIR" || fail "the plain database should contain the text (else the scan below proves nothing)"
"$cli" store status | grep -q "encrypted: no" || fail "status of a plain history"

echo "correct horse battery" | "$cli" store encrypt | grep -q "encrypted .*1 conversations and 2 messages" || fail encrypt
! grep -rqa "$canary" "$HEARTH_DATA_DIR" || fail "plaintext left after encrypting: $(grep -rla "$canary" "$HEARTH_DATA_DIR")"
[ "$(stat -c %a "$db")" = 600 ] || fail "the encrypted database is not owner-only"

err=$("$cli" chats list 2>&1 </dev/null) && fail "a locked history was listed"
grep -q "(locked)" <<<"$err" || fail "unclear locked error: $err"
err=$(echo "wrong horse" | "$cli" chats --passphrase-stdin list 2>&1) && fail "a wrong passphrase opened it"
grep -q "wrong-passphrase" <<<"$err" || fail "unclear wrong-passphrase error: $err"
echo "correct horse battery" | "$cli" chats --passphrase-stdin search "$canary" --json |
  python3 -c 'import json,sys; h=json.load(sys.stdin); assert len(h) == 2, h' || fail "search in the encrypted history"
echo "correct horse battery" | "$cli" store --passphrase-stdin status --json |
  python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["encrypted"] and s["unlocked"] and s["messages"] == 2 and s["kdf"]["algorithm"] == "argon2id", s'
# A write to the encrypted history stays encrypted, WAL included.
echo "correct horse battery" | "$cli" chats --passphrase-stdin delete 1 >/dev/null
! grep -rqa "Private plans" "$HEARTH_DATA_DIR" || fail "plaintext after a write"

printf 'correct horse battery\nstaple\n' | "$cli" store passphrase | grep -q "re-encrypted" || fail "passphrase change"
err=$(echo "correct horse battery" | "$cli" chats --passphrase-stdin list 2>&1) && fail "the old passphrase still works"
echo "staple" | "$cli" store decrypt | grep -q "decrypted .*0 conversations" || fail decrypt
"$cli" store status --json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert not s["encrypted"], s'
"$cli" chats list >/dev/null || fail "plain history after decrypting"
err=$(echo staple | "$cli" store decrypt 2>&1) && fail "decrypted a plain history"
grep -q "not encrypted" <<<"$err" || fail "unclear error: $err"
echo ok
