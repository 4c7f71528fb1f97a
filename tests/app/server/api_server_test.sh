#!/usr/bin/env bash
# The local API server with real clients: the `openai` and `ollama` npm packages (installed from
# the npm registry once into the cache, like the llama.cpp oracle; without the registry this
# skips, unless HEARTH_REQUIRE_ORACLE=1 says it must run) against `hearth-cli serve` on
# 127.0.0.1 with stories260K.
# Usage: api_server_test.sh HEARTH_CLI SHARED_DIR MAKE_TEST_MODEL
set -uo pipefail
CLI=$1
MODEL=$2/models/stories260K.gguf
MAKE_MODEL=$3
QWEN_TEMPLATE=$2/tokenizers/templates/Qwen-Qwen2.5-7B-Instruct.jinja
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$MODEL" ]; then echo "SKIP: $MODEL is absent"; exit 77; fi
skip_or_fail() {
    if [ "${HEARTH_REQUIRE_ORACLE:-0}" = 1 ]; then echo "FAIL: $1"; exit 1; fi
    echo "SKIP: $1"; exit 77
}
command -v node > /dev/null || skip_or_fail "node is not installed"
CLIENTS=${XDG_CACHE_HOME:-$HOME/.cache}/hearth-api-clients/openai-4.104.0-ollama-0.6.3
if [ ! -f "$CLIENTS/node_modules/openai/package.json" ] || [ ! -f "$CLIENTS/node_modules/ollama/package.json" ]; then
    mkdir -p "$CLIENTS"
    (cd "$CLIENTS" && echo '{"private": true}' > package.json &&
        timeout 300 npm install --ignore-scripts --no-audit --no-fund openai@4.104.0 ollama@0.6.3 > npm.log 2>&1) ||
        skip_or_fail "cannot install the openai and ollama npm packages ($(tail -1 "$CLIENTS/npm.log" 2>/dev/null))"
fi
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
# A qwen2-shaped test model with Qwen2.5's real chat template (which renders tools).
"$MAKE_MODEL" --arch qwen2 --vocab 600 --chat-template "$QWEN_TEMPLATE" "$WORK/qwen-tools.gguf" || { echo "FAIL: test model"; exit 1; }
start_server() {  # name, extra args...
    local name=$1
    shift
    # AddressSanitizer keeps freed memory in a 256 MB quarantine, which the flat-memory check
    # would count; a small one keeps its checks and lets the check see the server's own growth.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4" \
        "$CLI" serve --model "$MODEL" --model "$WORK/qwen-tools.gguf" --port 0 --port-file "$WORK/$name.port" --backend cpu "$@" 2> "$WORK/$name.log" &
    PIDS+=($!)
    for _ in $(seq 200); do [ -f "$WORK/$name.port" ] && return 0; sleep 0.05; done
    echo "FAIL: the $name server did not start"; cat "$WORK/$name.log"; exit 1
}
start_server open
OPEN_PID=${PIDS[0]}
KEY=hearth-test-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_server keyed --api-key "$KEY"
NODE_PATH=$CLIENTS/node_modules node "$HERE/api_clients.cjs" "http://127.0.0.1:$(cat "$WORK/open.port")" \
    "http://127.0.0.1:$(cat "$WORK/keyed.port")" "$KEY" "$OPEN_PID" "$WORK/open.log"
status=$?
# A GPU lost during a request (simulated at the 40th Vulkan submission, after the model's upload):
# that request fails with the reason, the server stays up and loads the model again for the next.
if "$CLI" devices 2>/dev/null | grep -q "^  0: "; then
    HEARTH_VK_LOSE_DEVICE_AT=40 "$CLI" serve --model "$MODEL" --port 0 --port-file "$WORK/lost.port" --backend vulkan 2> "$WORK/lost.log" &
    PIDS+=($!)
    for _ in $(seq 200); do [ -f "$WORK/lost.port" ] && break; sleep 0.05; done
    python3 - "http://127.0.0.1:$(cat "$WORK/lost.port")" <<'PY' || { echo "FAIL: lost GPU"; tail -5 "$WORK/lost.log"; status=1; }
import json, sys, urllib.request, urllib.error
base = sys.argv[1]
def ask():
    body = json.dumps({"model": "stories260K", "messages": [{"role": "user", "content": "Once upon a time"}], "max_tokens": 64}).encode()
    request = urllib.request.Request(base + "/v1/chat/completions", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)
code, reply = ask()
assert code >= 500 and "was lost" in json.dumps(reply), (code, reply)
code, reply = ask()
assert code == 200 and reply["choices"][0]["message"]["content"], (code, reply)
print("lost GPU: the request failed with the reason, the next one was answered after a reload")
PY
else
    echo "skipping the lost-GPU check: no Vulkan device"
fi
# The key never appears in what the server prints.
if grep -q "$KEY" "$WORK/keyed.log"; then echo "FAIL: the API key was printed"; status=1; fi
[ $status -ne 0 ] && tail -20 "$WORK/open.log"
exit $status
