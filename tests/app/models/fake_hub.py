#!/usr/bin/env python3
"""A stand-in for the Hugging Face Hub on 127.0.0.1, for Hearth's download tests.

It answers the endpoints Hearth uses, in the Hub's JSON shapes (search: /api/models, the file
tree: /api/models/OWNER/NAME/tree/main with lfs.oid = SHA-256, downloads: /OWNER/NAME/resolve/
main/PATH, which redirects to a second server on another port, the "CDN", as the Hub redirects
to its CDN). The files are real GGUF files from a folder laid out as OWNER/NAME/PATH.

It misbehaves on request (POST /_control with a JSON object; each key applies to the next CDN
responses): drop_after (close the connection after N body bytes, `times` responses), status
(a list of HTTP statuses to answer instead, one per request), stall_after + stall_seconds,
ignore_range, rate (bytes per second), wrong_sha (the tree lists a wrong checksum), page_size
(the tree is paged with Link headers), replace (OWNER/NAME/PATH -> new bytes from a file: the
file changes, and with it its ETag and checksum), replace_on_drop (the same, applied at the moment
a drop_after closes a connection, so a test's change lands between two attempts, never racing
them), hold_after (stop after N body bytes until POST /_release; GET /_held says when a response
is waiting there, so a test acts mid-file at a known point, not after a guessed delay). GET /_log
lists every request with its Range, If-Range and whether it carried an Authorization header.

Usage: fake_hub.py REPOS_DIR PORT_FILE  (writes "API_PORT CDN_PORT" to PORT_FILE when ready)
"""
import hashlib
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time
import urllib.parse

REPOS = os.path.abspath(sys.argv[1])
TOKEN = "hf_test_token"
lock = threading.Lock()
control = {}
log = []
replaced = {}  # "owner/name/path" -> bytes
replace_on_drop = {}  # the same, moved into `replaced` when a drop_after closes a connection
ports = {}
held = threading.Event()  # a response is waiting at hold_after
released = threading.Event()  # POST /_release lets it go on


def repo_files(repo):
    root = os.path.join(REPOS, repo)
    out = []
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            full = os.path.join(dirpath, name)
            out.append(os.path.relpath(full, root))
    return sorted(out)


def file_bytes(repo, path):
    key = repo + "/" + path
    with lock:
        if key in replaced:
            return replaced[key]
    full = os.path.realpath(os.path.join(REPOS, repo, path))
    if not full.startswith(REPOS + os.sep) or not os.path.isfile(full):
        return None
    with open(full, "rb") as f:
        return f.read()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def take(key, default=None):
    with lock:
        return control.get(key, default)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, server):
        with lock:
            log.append({"server": server, "path": self.path, "range": self.headers.get("Range"),
                        "if_range": self.headers.get("If-Range"),
                        "authorization": self.headers.get("Authorization") is not None})

    def send_json(self, status, value, extra=None):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def authorised(self, repo):
        if not repo.startswith("gated/"):
            return True
        return self.headers.get("Authorization") == "Bearer " + TOKEN

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/_control":
            with lock:
                control.clear()
                control.update(body)
                held.clear()
                released.clear()
                if "replace" in body:
                    replaced.clear()
                    for key, source in body["replace"].items():
                        with open(source, "rb") as f:
                            replaced[key] = f.read()
                replace_on_drop.clear()
                for key, source in body.get("replace_on_drop", {}).items():
                    with open(source, "rb") as f:
                        replace_on_drop[key] = f.read()
            return self.send_json(200, {"ok": True})
        if self.path == "/_release":
            released.set()
            return self.send_json(200, {"ok": True})
        if self.path == "/_clear_log":
            with lock:
                log.clear()
            return self.send_json(200, {"ok": True})
        self.send_json(404, {"error": "no such endpoint"})


class ApiHandler(Handler):
    def do_GET(self):
        self.record("api")
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/_log":
            with lock:
                return self.send_json(200, list(log))
        if url.path == "/_held":
            return self.send_json(200, {"held": held.is_set()})
        if url.path == "/api/models":
            return self.search(query)
        m = re.fullmatch(r"/api/models/([^/]+/[^/]+)/tree/main", url.path)
        if m:
            return self.tree(m.group(1), query)
        m = re.fullmatch(r"/([^/]+/[^/]+)/resolve/main/(.+)", url.path)
        if m:
            repo, path = m.group(1), urllib.parse.unquote(m.group(2))
            if not self.authorised(repo):
                return self.send_json(401, {"error": "Access to this repository is restricted."})
            data = file_bytes(repo, path)
            if data is None:
                return self.send_json(404, {"error": "Entry not found"})
            target = "http://127.0.0.1:%d/cdn/%s/%s?sha=%s" % (ports["cdn"], repo, urllib.parse.quote(path), sha256(data))
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("X-Linked-ETag", '"%s"' % sha256(data))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_json(404, {"error": "not found"})

    def search(self, query):
        words = query.get("search", [""])[0].lower()
        out = []
        for owner in sorted(os.listdir(REPOS)):
            for name in sorted(os.listdir(os.path.join(REPOS, owner))):
                repo = owner + "/" + name
                if words in repo.lower():
                    out.append({"_id": sha256(repo.encode())[:24], "id": repo, "modelId": repo, "likes": len(repo),
                                "downloads": 1000 * len(name), "lastModified": "2026-11-01T12:00:00.000Z",
                                "gated": "manual" if owner == "gated" else False, "tags": ["gguf"]})
        self.send_json(200, out)

    def tree(self, repo, query):
        if not os.path.isdir(os.path.join(REPOS, repo)):
            return self.send_json(404, {"error": "Repository not found"})
        if not self.authorised(repo):
            return self.send_json(401, {"error": "Access to this repository is restricted."})
        entries = [{"type": "file", "oid": sha256(b"readme")[:40], "size": 6, "path": "README.md"}]
        for path in repo_files(repo):
            data = file_bytes(repo, path)
            digest = sha256(data)
            if take("wrong_sha"):
                digest = sha256(data + b"!")
            entries.append({"type": "file", "oid": digest[:40], "size": len(data), "path": path,
                            "lfs": {"oid": digest, "size": len(data), "pointerSize": 134}})
        page_size = int(take("page_size", 0) or 0)
        cursor = int(query.get("cursor", ["0"])[0])
        extra = {}
        if page_size:
            page = entries[cursor:cursor + page_size]
            if cursor + page_size < len(entries):
                extra["Link"] = '<http://127.0.0.1:%d/api/models/%s/tree/main?recursive=true&cursor=%d>; rel="next"' % (
                    ports["api"], repo, cursor + page_size)
            entries = page
        self.send_json(200, entries, extra)


class CdnHandler(Handler):
    def do_GET(self):
        self.record("cdn")
        url = urllib.parse.urlsplit(self.path)
        m = re.fullmatch(r"/cdn/([^/]+/[^/]+)/(.+)", url.path)
        data = file_bytes(m.group(1), urllib.parse.unquote(m.group(2))) if m else None
        if data is None:
            return self.send_json(404, {"error": "no such object"})
        with lock:
            statuses = control.get("status") or []
            status = statuses.pop(0) if statuses else None
        if status:
            return self.send_json(status, {"error": "injected"})
        etag = '"%s"' % sha256(data)
        start, end = 0, len(data) - 1
        partial = False
        wanted = self.headers.get("Range")
        if wanted and not take("ignore_range"):
            if_range = self.headers.get("If-Range")
            r = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
            if r and (if_range is None or if_range == etag):
                start = int(r.group(1))
                end = min(int(r.group(2)), len(data) - 1) if r.group(2) else len(data) - 1
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % len(data))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                partial = True
        body = data[start:end + 1]
        self.send_response(206 if partial else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        if partial:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, len(data)))
        self.end_headers()
        drop_after = None
        with lock:
            if control.get("drop_after") is not None and control.get("times", 1) > 0:
                drop_after = control["drop_after"]
                control["times"] = control.get("times", 1) - 1
        stall_after = take("stall_after")
        hold_after = take("hold_after")
        rate = take("rate")
        sent = 0
        chunk = 16384
        try:
            while sent < len(body):
                if drop_after is not None and sent >= drop_after:
                    with lock:
                        replaced.update(replace_on_drop)
                        replace_on_drop.clear()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if hold_after is not None and sent >= hold_after:
                    held.set()
                    released.wait(120)
                    hold_after = None
                if stall_after is not None and sent >= stall_after:
                    time.sleep(float(take("stall_seconds", 30)))
                    stall_after = None
                n = min(chunk, len(body) - sent)
                if drop_after is not None:
                    n = min(n, drop_after - sent)
                self.wfile.write(body[sent:sent + n])
                sent += n
                if rate:
                    time.sleep(n / float(rate))
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    api = Server(("127.0.0.1", 0), ApiHandler)
    cdn = Server(("127.0.0.1", 0), CdnHandler)
    ports["api"], ports["cdn"] = api.server_address[1], cdn.server_address[1]
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (ports["api"], ports["cdn"]))
    os.rename(tmp, sys.argv[2])
    api.serve_forever()


if __name__ == "__main__":
    main()
