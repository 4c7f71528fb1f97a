#!/usr/bin/env bash
# The welcome screen's "Download and chat" against the stand-in Hub (fake_hub.py on 127.0.0.1),
# which serves stories260K under every catalog entry's repository and file name.
# Usage: welcome_download_test.sh QUICK_TEST_BINARY SHARED_DIR CATALOG_JSON
set -uo pipefail
BINARY=$1
MODEL=$2/models/stories260K.gguf
CATALOG=$3
if [ ! -f "$MODEL" ]; then
    echo "SKIP: $MODEL is absent"
    exit 77
fi
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; rm -rf "$WORK"' EXIT
python3 - "$CATALOG" "$MODEL" "$WORK/repos" <<'PY'
import json, os, shutil, sys
catalog, model, repos = sys.argv[1:4]
for entry in json.load(open(catalog))["entries"]:
    for f in entry["files"]:
        dest = os.path.join(repos, entry["repository"], f["file"])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(model, dest)
PY
python3 "$HERE/fake_hub.py" "$WORK/repos" "$WORK/ports" &
SERVER_PID=$!
for _ in $(seq 100); do [ -f "$WORK/ports" ] && break; sleep 0.1; done
read -r API _ < "$WORK/ports"
export HEARTH_HF_ENDPOINT=http://127.0.0.1:$API
export HOME=$WORK/home XDG_DATA_HOME=$WORK/home/data XDG_CACHE_HOME=$WORK/home/cache XDG_CONFIG_HOME=$WORK/home/config
unset HEARTH_OFFLINE HF_TOKEN
mkdir -p "$HOME"
QT_QPA_PLATFORM=offscreen "$BINARY"
status=$?
if [ $status -eq 0 ]; then
    resolved=$(curl -sf "http://127.0.0.1:$API/_log" | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if "/resolve/" in r["path"]))')
    [ "$resolved" = 1 ] || { echo "FAIL: expected one download, the Hub saw $resolved"; exit 1; }
fi
exit $status
