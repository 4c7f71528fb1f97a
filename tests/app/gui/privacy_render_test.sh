#!/usr/bin/env bash
# Nothing leaves the machine when chats full of remote resources are opened, streamed and
# exported: a loopback HTTP server must receive zero requests, and strace must see no IPv4/IPv6
# socket, while the Qt Quick privacy suite (tests/app/gui/privacy_views) shows the chats and hearth-cli
# exports them.   privacy_render_test.sh <hearth_privacy_test> <hearth-cli>
set -euo pipefail
views="$1" cli="$2"
command -v strace >/dev/null || { echo "SKIP: strace is not installed"; exit 77; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"  # LeakSanitizer cannot run under ptrace
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A loopback server that records every request it gets.
python3 - "$work/requests.log" "$work/port" <<'PY' &
import http.server, sys
log, portfile = sys.argv[1], sys.argv[2]
class Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log, "a") as f: f.write(self.requestline + "\n")
        self.send_response(200); self.send_header("Content-Type", "image/png"); self.end_headers()
    do_POST = do_HEAD = do_GET
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
open(portfile, "w").write(str(server.server_port))
server.serve_forever()
PY
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
touch "$work/requests.log"
curl_check=$(python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/self-check'); print('ok')")
[ "$curl_check" = ok ] && grep -q self-check "$work/requests.log" || fail "the recording server does not record"
: > "$work/requests.log"

mkdir "$work/seed"
url="http://127.0.0.1:$port"
python3 - "$work/seed" "$url" <<'PY'
import json, sys, os
seed, url = sys.argv[1], sys.argv[2]
hostile = (f"HOSTILE-MARKER ![md]({url}/md-image.png) and <img src=\"{url}/html-img.png\"> "
           f"<link rel=\"stylesheet\" href=\"{url}/style.css\"> <div style=\"background:url({url}/css-url.png)\">styled</div> "
           f"<style>body {{ background: url({url}/style-tag.png) }}</style> ![ref][logo] <{url}/autolink> {url}/bare "
           f"before</s></s>after-the-tags <b>bold?</b>\n\n[logo]: {url}/ref-image.png\n")
remote = "![r](http://hearth-privacy-test.invalid/remote.png) <img src=\"https://hearth-privacy-test.invalid/x.png\">"
chats = {
  "hostile.json": {"title": f"<img src=\"{url}/title.png\">Hostile", "system_prompt": f"<img src=\"{url}/system.png\">",
                   "messages": [{"role": "user", "content": hostile},
                                {"role": "assistant", "content": hostile, "reasoning": f"<img src=\"{url}/reasoning.png\"> thinking"}]},
  "remote.json": {"title": "Remote", "messages": [{"role": "user", "content": remote}, {"role": "assistant", "content": remote}]},
  "big.json": {"title": "Big", "messages": [{"role": "user", "content": "paste"},
                                            {"role": "assistant", "content": ("word " * 1_000_000) + "# heading\n"}]},
}
for name, chat in chats.items():
    json.dump(chat, open(os.path.join(seed, name), "w"))
open(os.path.join(seed, "interrupted.txt"), "w").write(f"HOSTILE-STREAM ![s]({url}/stream.png) <img src=\"{url}/stream-img.png\"> and then")
PY

QT_QPA_PLATFORM=offscreen HEARTH_TEST_SEED_DIR="$work/seed" \
    strace -f -qq -e trace=socket,connect -o "$work/views.strace" "$views" || fail "the privacy suite failed (above)"

# Export the same chats with the CLI, also under strace.
export HEARTH_DATA_DIR="$work/data"
for f in hostile remote; do "$cli" chats import "$work/seed/$f.json" >/dev/null; done
for id in 1 2; do
    strace -f -qq -e trace=socket,connect -o "$work/export-$id.strace" "$cli" chats export "$id" --format md >/dev/null
    strace -f -qq -e trace=socket,connect -o "$work/export-json-$id.strace" "$cli" chats export "$id" --format json >/dev/null
done

if [ -s "$work/requests.log" ]; then
    echo "requests the loopback server received:"; cat "$work/requests.log"
    fail "showing or exporting chats fetched remote resources"
fi
if grep -E 'AF_INET6?[,)]' "$work"/*.strace; then
    fail "showing or exporting chats opened network sockets (above)"
fi
echo "privacy: 0 requests at the loopback server, no IPv4/IPv6 socket in $(cat "$work"/*.strace | grep -c . || true) socket/connect calls"
