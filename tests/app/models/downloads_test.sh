#!/usr/bin/env bash
# hearth-cli models against a misbehaving stand-in for the Hugging Face Hub (fake_hub.py, on
# 127.0.0.1): every misbehaviour ends in a verified, byte-identical file or a clear error with
# nothing half-valid left. Real Qt Network, a real HTTP server, real GGUF files from ../shared.
# Usage: downloads_test.sh HEARTH_CLI SHARED_DIR
set -uo pipefail
CLI=$1
SHARED=$2/models
if [ ! -f "$SHARED/ktest-qwen2-Q4_K_M.gguf" ]; then
    echo "SKIP: $SHARED has no ktest-qwen2-Q4_K_M.gguf (the shared folder is absent)"
    exit 77
fi
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    mountpoint -q "$WORK/small" 2>/dev/null && umount "$WORK/small"
    rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home XDG_DATA_HOME=$WORK/home/.local/share XDG_CACHE_HOME=$WORK/home/.cache XDG_CONFIG_HOME=$WORK/home/.config
unset HF_TOKEN HEARTH_OFFLINE
mkdir -p "$HOME"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# Repositories: OWNER/NAME/FILES, real GGUF files; a split model cut in three parts.
R=$WORK/repos
mkdir -p "$R/test-org/KTest-GGUF" "$R/test-org/Stories-GGUF" "$R/test-org/Split-GGUF" "$R/gated/Private-GGUF"
cp "$SHARED/ktest-qwen2-Q4_K_M.gguf" "$SHARED/ktest-qwen2-Q6_K.gguf" "$R/test-org/KTest-GGUF/"
cp "$SHARED/stories260K-Q8_0.gguf" "$SHARED/stories260K-Q4_0.gguf" "$R/test-org/Stories-GGUF/"
cp "$SHARED/stories260K-Q4_0.gguf" "$R/gated/Private-GGUF/"
split -n 3 -d -a 1 "$SHARED/ktest-qwen2-Q2_K.gguf" "$WORK/part"
for i in 0 1 2; do mv "$WORK/part$i" "$R/test-org/Split-GGUF/ktest-Q2_K-0000$((i + 1))-of-00003.gguf"; done

python3 "$HERE/fake_hub.py" "$R" "$WORK/ports" &
SERVER_PID=$!
for _ in $(seq 100); do [ -f "$WORK/ports" ] && break; sleep 0.1; done
read -r API CDN < "$WORK/ports"
export HEARTH_HF_ENDPOINT=http://127.0.0.1:$API
export HEARTH_DOWNLOAD_BACKOFF_MS=50 HEARTH_DOWNLOAD_STALL_MS=1500
KTEST=test-org/KTest-GGUF
KFILE=ktest-qwen2-Q4_K_M.gguf
SOURCE=$R/$KTEST/$KFILE

control() { curl -sf -X POST -d "$1" "http://127.0.0.1:$API/_control" > /dev/null; }
# hold_after: wait until the hub holds a response at that byte (30 s at most), then let it go on.
wait_held() { for _ in $(seq 600); do curl -sf "http://127.0.0.1:$API/_held" | grep -q true && return; sleep 0.05; done; }
release() { curl -sf -X POST "http://127.0.0.1:$API/_release" > /dev/null; }
clear_log() { curl -sf -X POST "http://127.0.0.1:$API/_clear_log" > /dev/null; }
requests() { curl -sf "http://127.0.0.1:$API/_log"; }
fresh() { DATA=$WORK/data-$1; rm -rf "$DATA"; mkdir -p "$DATA"; control '{}'; clear_log; }
dest() { echo "$DATA/models/$KTEST/$KFILE"; }
pull() { "$CLI" models --data-dir "$DATA" pull "$@"; }
identical() { cmp -s "$1" "$2"; }
no_leftovers() { ! compgen -G "$DATA/models/$KTEST/*.partial" > /dev/null && [ ! -e "$(dest)" ]; }

# 1. A plain pull: verified, byte-identical, registered, one JSON line per step.
fresh plain
if pull "$KTEST:Q4_K_M" --json > "$WORK/out.json" && identical "$(dest)" "$SOURCE" &&
    grep -q '"event":"progress"' "$WORK/out.json" && grep -q '"event":"done"' "$WORK/out.json" &&
    "$CLI" models --data-dir "$DATA" list --json | grep -q "$KFILE"; then
    pass "plain pull"
else fail "plain pull: $(cat "$WORK/out.json")"; fi
# The token never travels: no Authorization header anywhere for a public repository.
requests | python3 -c 'import json,sys; sys.exit(any(r["authorization"] for r in json.load(sys.stdin)))' &&
    pass "no credentials sent" || fail "an Authorization header was sent without a token"

# 2. The connection drops twice mid-file: resumed with Range from the bytes on disk.
fresh drop
control '{"drop_after": 1000000, "times": 2}'
if pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1 && identical "$(dest)" "$SOURCE"; then
    ranges=$(requests | python3 -c 'import json,sys; print(" ".join(r["range"] or "-" for r in json.load(sys.stdin) if r["server"]=="cdn"))')
    # Each drop after 1,000,000 bytes; a resume asks for the bytes after those on disk (how many
    # arrived before a drop depends on timing, so any resume from a byte > 0 counts; the usual
    # sequence is "- bytes=1000000- bytes=2000000-").
    [[ "$ranges" == -* && "$ranges" =~ bytes=[1-9][0-9]*- ]] && pass "dropped connections resumed ($ranges)" || fail "resume ranges: $ranges"
else fail "dropped connection: $(cat "$WORK/out.txt")"; fi

# 3. 503 and 500 before the file: retried with backoff.
fresh unavailable
control '{"status": [503, 500, 503]}'
pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1 && identical "$(dest)" "$SOURCE" && pass "503/500 retried" || fail "503: $(cat "$WORK/out.txt")"

# 4. A stall mid-file: the stalled connection is dropped and resumed.
fresh stall
control '{"stall_after": 500000, "stall_seconds": 20}'
start=$(date +%s)
pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1 && identical "$(dest)" "$SOURCE" && [ $(($(date +%s) - start)) -lt 15 ] &&
    pass "stall detected and resumed" || fail "stall: $(cat "$WORK/out.txt")"

# 5. A server that ignores Range after a drop: the whole file again, still identical.
fresh norange
control '{"drop_after": 700000, "times": 1, "ignore_range": true}'
pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1 && identical "$(dest)" "$SOURCE" && pass "Range ignored" || fail "ignore range: $(cat "$WORK/out.txt")"

# 6. A wrong checksum in the Hub's metadata: a clear error, nothing kept.
fresh wrongsha
control '{"wrong_sha": true}'
if pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1; then fail "a wrong checksum was accepted"
elif grep -q "checksum mismatch" "$WORK/out.txt" && no_leftovers; then pass "wrong checksum refused, nothing kept"
else fail "wrong checksum: $(cat "$WORK/out.txt"; ls -la "$DATA/models/$KTEST")"; fi

# 7. The file changes on the server between attempts (new ETag): If-Range gets the new whole
#    file, whose checksum is not the one listed: refused and deleted. Listing again gets it.
#    The hub swaps the file at the moment it drops the first connection, so the change always
#    lands between the two attempts, however slowly this machine runs.
fresh changed
cp "$R/$KTEST/ktest-qwen2-Q6_K.gguf" "$WORK/changed.gguf"
head -c "$(stat -c %s "$SOURCE")" "$WORK/changed.gguf" > "$WORK/changed-same-size.gguf"
control "{\"drop_after\": 1000000, \"times\": 1, \"replace_on_drop\": {\"$KTEST/$KFILE\": \"$WORK/changed-same-size.gguf\"}}"
pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "checksum mismatch" "$WORK/out.txt" && no_leftovers &&
    requests | grep -q '"if_range": "\\"'; then
    pass "changed file refused (If-Range sent)"
    pull "$KTEST:$KFILE" > "$WORK/out2.txt" 2>&1 && identical "$(dest)" "$WORK/changed-same-size.gguf" &&
        pass "pulled again after the change" || fail "pull after change: $(cat "$WORK/out2.txt")"
else fail "changed file (rc $rc): $(cat "$WORK/out.txt")"; fi
control '{"replace": {}}'

# 8. Killed with SIGKILL mid-way: the next run resumes from the bytes on disk.
fresh killed
control '{"hold_after": 1200000}'  # the hub waits there, so the kill always lands mid-file
HEARTH_DOWNLOAD_STALL_MS=120000 "$CLI" models --data-dir "$DATA" pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1 &
PULL=$!  # the CLI itself, not a subshell around it
wait_held
for _ in $(seq 200); do [ -s "$(dest).partial" ] && break; sleep 0.05; done
kill -9 $PULL
wait $PULL 2>/dev/null
release
kept=$(stat -c %s "$(dest).partial" 2>/dev/null || echo 0)
control '{}'
clear_log
if [ "$kept" -gt 0 ] && pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1 && identical "$(dest)" "$SOURCE"; then
    first=$(requests | python3 -c 'import json,sys; print([r["range"] for r in json.load(sys.stdin) if r["server"]=="cdn"][0])')
    [ "$first" = "bytes=$kept-" ] && pass "resumed after SIGKILL from byte $kept" || fail "after SIGKILL the first range was $first, kept $kept"
else fail "SIGKILL resume (kept $kept): $(cat "$WORK/out.txt")"; fi

# 9. A gated repository: 401 without a token (a clear message), works with one; the token goes
#    to the Hub's host only, never to the CDN it redirects to.
fresh gated
if pull gated/Private-GGUF:Q4_0 > "$WORK/out.txt" 2>&1; then fail "gated without a token"
elif grep -q "gated or private" "$WORK/out.txt"; then pass "gated: clear message without a token"
else fail "gated message: $(cat "$WORK/out.txt")"; fi
clear_log
if HF_TOKEN=hf_test_token pull gated/Private-GGUF:Q4_0 > "$WORK/out.txt" 2>&1 &&
    identical "$DATA/models/gated/Private-GGUF/stories260K-Q4_0.gguf" "$R/gated/Private-GGUF/stories260K-Q4_0.gguf"; then
    requests | python3 -c '
import json, sys
log = json.load(sys.stdin)
sys.exit(0 if any(r["authorization"] for r in log if r["server"] == "api") and not any(r["authorization"] for r in log if r["server"] == "cdn") else 1)' &&
        pass "gated with a token; the CDN never saw it" || fail "the token reached the CDN or was not sent"
else fail "gated with token: $(cat "$WORK/out.txt")"; fi
"$CLI" models --data-dir "$DATA" pull gated/Private-GGUF:Q4_0 2>&1 | grep -q "hf_test_token" && fail "the token was printed"

# 10. Split files are one model: all parts, each verified; a paged file tree is followed.
fresh split
control '{"page_size": 2}'
if "$CLI" models --data-dir "$DATA" files test-org/Split-GGUF > "$WORK/out.txt" && grep -q "ktest-Q2_K.gguf .*3 parts" "$WORK/out.txt" &&
    pull test-org/Split-GGUF:Q2_K > "$WORK/out.txt" 2>&1 &&
    cat "$DATA"/models/test-org/Split-GGUF/ktest-Q2_K-0000{1,2,3}-of-00003.gguf | cmp -s - "$SHARED/ktest-qwen2-Q2_K.gguf"; then
    pass "split model in three verified parts (paged tree)"
else fail "split: $(cat "$WORK/out.txt")"; fi

# 11. The remote header preview reads a bounded prefix, never the whole file.
fresh preview
"$CLI" models --data-dir "$DATA" preview "$KTEST:Q6_K" --json > "$WORK/out.json" || fail "preview: $(cat "$WORK/out.json")"
python3 - "$WORK/out.json" "$(stat -c %s "$R/$KTEST/ktest-qwen2-Q6_K.gguf")" <<'PY' && pass "header preview read a bounded prefix" || fail "preview: $(cat "$WORK/out.json")"
import json, sys
j = json.load(open(sys.argv[1]))
total = int(sys.argv[2])
assert j["architecture"] == "qwen2" and j["supported"], j
assert j["bytes_read"] <= 2 * 1024 * 1024 < total, (j["bytes_read"], total)
PY
requests | python3 -c '
import json, sys
ranges = [r["range"] for r in json.load(sys.stdin) if r["server"] == "cdn"]
sys.exit(0 if ranges == ["bytes=0-2097151"] else 1)' && pass "one range request of 2 MiB" || fail "preview ranges: $(requests)"

# 12. Search, offline mode, and a catalog id.
fresh search
"$CLI" models --data-dir "$DATA" search ktest --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert [x["repository"] for x in r]==["test-org/KTest-GGUF"], r' &&
    pass "search" || fail "search"
clear_log
if HEARTH_OFFLINE=1 "$CLI" models --data-dir "$DATA" search ktest > "$WORK/out.txt" 2>&1; then fail "offline search ran"
elif grep -q "offline mode" "$WORK/out.txt" && [ "$(requests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ]; then
    pass "offline mode: no request"
else fail "offline: $(cat "$WORK/out.txt")"; fi
"$CLI" models --data-dir "$DATA" pull lfm2-1.2b > "$WORK/out.txt" 2>&1 && fail "a coming model was downloadable"
grep -q "coming" "$WORK/out.txt" && pass "coming entries refuse to download" || fail "coming: $(cat "$WORK/out.txt")"

# 12b. The catalog as JSON; other apps' folders found by scan and list; rm deletes only Hearth's own files.
"$CLI" models --data-dir "$DATA" catalog --json | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert c["version"] == 1 and len(c["entries"]) >= 18, c
assert {e["status"] for e in c["entries"]} == {"ready", "coming"}
assert all(e["files"] and e["repository"].count("/") == 1 for e in c["entries"])' && pass "catalog --json" || fail "catalog --json"
mkdir -p "$HOME/.lmstudio/models/lmstudio-community/Tiny-GGUF"
cp "$SHARED/stories260K-Q4_0.gguf" "$HOME/.lmstudio/models/lmstudio-community/Tiny-GGUF/Tiny-Q4_0.gguf"
"$CLI" models --data-dir "$DATA" scan --json | grep -q '"name": "lmstudio-community/Tiny-GGUF/Tiny-Q4_0.gguf"' &&
    "$CLI" models --data-dir "$DATA" list | grep -q "LM Studio" && pass "other apps' models found" || fail "scan/list: $("$CLI" models --data-dir "$DATA" scan)"
if "$CLI" models --data-dir "$DATA" rm "$HOME/.lmstudio/models/lmstudio-community/Tiny-GGUF/Tiny-Q4_0.gguf" > "$WORK/out.txt" 2>&1; then
    fail "rm deleted another app's file"
elif [ -f "$HOME/.lmstudio/models/lmstudio-community/Tiny-GGUF/Tiny-Q4_0.gguf" ] && grep -q "never deletes" "$WORK/out.txt"; then
    pass "rm refuses other apps' files"
else fail "rm: $(cat "$WORK/out.txt")"; fi
fresh rmtest
pull "$KTEST:$KFILE" > /dev/null 2>&1 && "$CLI" models --data-dir "$DATA" rm "$KFILE" > /dev/null && [ ! -e "$(dest)" ] &&
    ! "$CLI" models --data-dir "$DATA" list --json | grep -q "$KFILE" && pass "rm deletes a downloaded model and its records" || fail "rm of a download"

# 13. A full disk: a clear error before the download (too little free space), and during it
#     (the space goes while writing); nothing else is lost and the queue remembers it.
mkdir -p "$WORK/small"
if mount -t tmpfs -o size=2m tmpfs "$WORK/small" 2>/dev/null; then
    fresh fulldisk
    mkdir -p "$WORK/small/data"
    if pull_out=$("$CLI" models --data-dir "$WORK/small/data" pull "$KTEST:$KFILE" 2>&1); then fail "a pull into 2 MB succeeded"
    elif grep -q "not enough disk space" <<< "$pull_out"; then pass "full disk: refused before downloading"
    else fail "full disk before: $pull_out"; fi
    umount "$WORK/small"
    mount -t tmpfs -o size=72m tmpfs "$WORK/small"  # the file, the 64 MiB kept free, the store
    mkdir -p "$WORK/small/data"
    "$CLI" models --data-dir "$WORK/small/data" list > /dev/null
    # A filler takes the space once the free-space check has passed: the hub holds the file
    # after 500 kB (no stall timeout meanwhile) until the filler is written.
    control '{"hold_after": 500000}'
    HEARTH_DOWNLOAD_STALL_MS=120000 "$CLI" models --data-dir "$WORK/small/data" pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1 &
    PULL=$!
    wait_held
    dd if=/dev/zero of="$WORK/small/filler" bs=64k 2> /dev/null
    release
    wait $PULL
    rc=$?
    if [ $rc -ne 0 ] && grep -q "writing .* failed" "$WORK/out.txt" && [ ! -e "$WORK/small/data/models/$KTEST/$KFILE" ]; then
        rm -f "$WORK/small/filler"
        control '{}'
        "$CLI" models --data-dir "$WORK/small/data" pull "$KTEST:$KFILE" > "$WORK/out.txt" 2>&1 &&
            identical "$WORK/small/data/models/$KTEST/$KFILE" "$SOURCE" && pass "full disk while writing: clear error, resumed once space was freed" ||
            fail "after freeing space: $(cat "$WORK/out.txt")"
    else fail "full disk while writing (rc $rc): $(cat "$WORK/out.txt")"; fi
    umount "$WORK/small"
else
    echo "note: cannot mount a tmpfs here (not root?); the full-disk cases were not run"
fi

if [ $failures -ne 0 ]; then
    echo "$failures download checks failed"
    exit 1
fi
echo "all download checks passed"
