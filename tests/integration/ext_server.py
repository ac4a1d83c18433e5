# SPDX-License-Identifier: MIT
"""A scripted Lambda Extensions API server for integration tests (stdlib only).

It serves POST /2020-01-01/extension/register, GET /2020-01-01/extension/event/next and the
init/exit error routes on 127.0.0.1 with HTTP/1.1 keep-alive, hands out a fixed list of events
in order, and records every request. Once the events run out, event/next blocks until stop(),
like the real platform between invocations.
"""

import http.server
import json
import threading
import uuid

PREFIX = "/2020-01-01/extension"


class Request:
    """One recorded request: method, path, headers (a case-insensitive Message) and body."""

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


class ExtServer:
    """Start with start(), read .endpoint, stop with stop(). register_status != 200 refuses."""

    def __init__(self, events, register_status=200, next_status=200):
        # events: dicts (sent as JSON) or bytes (sent raw), handed out in order
        self.events = list(events)
        self.register_status = register_status
        self.next_status = next_status
        self.extension_id = str(uuid.uuid4())
        self.requests = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.httpd = None
        self.thread = None

    @property
    def endpoint(self):
        host, port = self.httpd.server_address[:2]
        return "%s:%d" % (host, port)

    def start(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def record(self, req):
        with self.lock:
            self.requests.append(req)

    def requests_to(self, path):
        with self.lock:
            return [r for r in self.requests if r.path == PREFIX + path]

    def next_event(self):
        """The next scripted event, or None after waiting until stop() once they run out."""
        with self.lock:
            if self.events:
                return self.events.pop(0)
        self.stopping.wait()
        return None


def _error(error_type, message):
    return {"errorType": error_type, "errorMessage": message}


def _make_handler(server):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # keep pytest output quiet
            pass

        def _read(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            req = Request(self.command, self.path, self.headers, body)
            server.record(req)
            return req

        def _send(self, status, doc, headers=()):
            # doc: a JSON-able value, or bytes sent as they are (malformed events)
            body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _check_id(self):
            if self.headers.get("Lambda-Extension-Identifier") != server.extension_id:
                self._send(403, _error("Extension.UnknownExtensionIdentifier", "bad id"))
                return False
            return True

        def do_POST(self):
            req = self._read()
            if req.path == PREFIX + "/register":
                self._register(req)
            elif req.path in (PREFIX + "/init/error", PREFIX + "/exit/error"):
                if self._check_id():
                    self._send(202, {"status": "OK"})
            else:
                self._send(404, _error("NotFound", req.path))

        def _register(self, req):
            if server.register_status != 200:
                self._send(server.register_status,
                           _error("Extension.RegistrationClosed", "registration closed"))
                return
            if not req.headers.get("Lambda-Extension-Name"):
                self._send(403, _error("Extension.InvalidExtensionName", "Empty extension name"))
                return
            doc = {"functionName": "ext-test", "functionVersion": "$LATEST",
                   "handler": "function.handler"}
            if "accountId" in (req.headers.get("Lambda-Extension-Accept-Feature") or ""):
                doc["accountId"] = "123456789012"
            self._send(200, doc, [("Lambda-Extension-Identifier", server.extension_id)])

        def do_GET(self):
            req = self._read()
            if req.path != PREFIX + "/event/next":
                self._send(404, _error("NotFound", req.path))
                return
            if not self._check_id():
                return
            if server.next_status != 200:
                self._send(server.next_status, _error("InternalServerError", "boom"))
                return
            event = server.next_event()
            if event is None:
                self.close_connection = True
                return
            self._send(200, event, [("Lambda-Extension-Event-Identifier", str(uuid.uuid4()))])

    return Handler
