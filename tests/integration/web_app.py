# SPDX-License-Identifier: MIT
"""An unmodified web app for the clambda-web-adapter tests: Python's http.server (standard
library only), HTTP/1.1 with keep-alive, on 127.0.0.1:<port>.

    python3 web_app.py PORT [--delay S] [--unhealthy S]

--delay: sleep S seconds before listening (a slow start); --unhealthy: "/" answers 503 for the
first S seconds after listening. Routes:

    GET  /                 200 "ok" (the readiness check), or 503 while unhealthy
    ANY  /echo...          200 JSON: method, target, peer (client port), headers [[name, value]...],
                           body (base64)
    GET  /binary           200 image/png, bytes 0..255
    GET  /cookies          200 text, two Set-Cookie fields and X-Multi twice
    GET  /stream?n=N       200 text/plain, chunked: N chunks "chunk i\\n", 200 ms apart
    GET  /status/N         status N, text body "status N"
    ANY  (other paths)     the same as /echo
    POST /events           200 JSON {"path", "content_type", "event": <the body>}
    POST /not-json         200 text/plain "not json"
    GET  /close            200 text/plain, no Content-Length: the body ends when the connection does
    GET  /big?n=N          200 application/octet-stream, N bytes (i % 251)
"""

import base64
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTES = ("/", "/binary", "/cookies", "/stream", "/events", "/not-json", "/close", "/big")
STARTED = time.monotonic()
UNHEALTHY_S = 0.0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("web_app: " + (fmt % args) + "\n")

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body: bytes, ctype="text/plain", extra=()):
        self.send_response(status)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self):
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path == "/" and self.command == "GET":
            if time.monotonic() - STARTED < UNHEALTHY_S:
                return self._send(503, b"starting")
            return self._send(200, b"ok")
        if path.startswith("/status/"):
            n = int(path[len("/status/"):])
            return self._send(n, b"status %d" % n)
        if path.startswith("/echo") or path not in ROUTES:
            doc = {"method": self.command, "target": self.path, "peer": self.client_address[1],
                   "headers": [[k, v] for k, v in self.headers.items()],
                   "body": base64.b64encode(body).decode()}
            return self._send(200, json.dumps(doc).encode(), "application/json")
        if path == "/binary":
            return self._send(200, bytes(range(256)), "image/png")
        if path == "/cookies":
            return self._send(200, b"cookies set", "text/plain; charset=utf-8",
                              [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; HttpOnly"),
                               ("X-Multi", "one"), ("X-Multi", "two")])
        if path == "/stream":
            return self._stream()
        if path == "/events" and self.command == "POST":
            doc = {"path": self.path, "content_type": self.headers.get("Content-Type"),
                   "event": json.loads(body)}
            return self._send(200, json.dumps(doc).encode(), "application/json")
        if path == "/close":  # HTTP/1.0 style: no length, the body ends with the connection
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until close")
            self.close_connection = True
            return None
        if path == "/big":
            q = self.path.split("?", 1)[1] if "?" in self.path else "n=0"
            n = int(q.split("=", 1)[1])
            return self._send(200, bytes(i % 251 for i in range(n)), "application/octet-stream")
        if path == "/not-json":
            return self._send(200, b"not json", "text/plain")
        return self._send(404, b"not found")  # a known path with another method

    def _stream(self):
        q = self.path.split("?", 1)[1] if "?" in self.path else ""
        n = int(dict(p.split("=", 1) for p in q.split("&") if "=" in p).get("n", "3"))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Set-Cookie", "s=1")
        self.end_headers()
        for i in range(n):
            data = b"chunk %d\n" % i
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
            time.sleep(0.2)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


def main(argv):
    global STARTED, UNHEALTHY_S
    port = int(argv[1])
    delay = float(argv[argv.index("--delay") + 1]) if "--delay" in argv else 0.0
    if "--unhealthy" in argv:
        UNHEALTHY_S = float(argv[argv.index("--unhealthy") + 1])
    time.sleep(delay)
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    STARTED = time.monotonic()
    print(f"web_app: listening on {port}", flush=True)
    try:
        srv.serve_forever()  # until the test kills it
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
