# SPDX-License-Identifier: MIT
"""A test Lambda Runtime API server: AWS's side of /2018-06-01/runtime, as
the runtime API notes (runtime-api.md of the project's shared spec) (sections 1-6, 9 and 12) describes it, plus a minimal
Extensions API (register, and an event/next that only waits) on the same listener.

Standard library only (Debian 12's python3). It speaks HTTP/1.1 itself on plain sockets,
because http.server cannot read chunked request bodies nor their trailers, which streamed
responses need. One thread per connection; connections are kept alive.

    srv = RuntimeAPIServer()            # 127.0.0.1, port 0 (or host="::1")
    rid = srv.push(b'{"a":1}', trace_id="Root=1-...")
    res = srv.wait_result(rid)          # Result(kind="response", body=..., ...)
    srv.stop(); srv.restart()           # same port, to test reconnects
    srv.close()

Run it by hand with `python3 rapi_server.py [port]`: it prints its endpoint and queues each
line read from stdin as an event, printing every result.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import select
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from collections import deque

API = "/2018-06-01/runtime"
EXT_API = "/2020-01-01/extension"
MAX_RESPONSE = 6291556  # 6 MiB + 100: buffered response limit (spec section 4)
MAX_STREAM = 200 * 1024 * 1024  # streamed response limit (spec section 4.1)
MAX_HEAD = 64 * 1024  # request line + fields
MAX_ERROR_BODY = 1024 * 1024  # /error and /init/error bodies we keep (rest is discarded)

REASONS = {
    100: "Continue",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}


class ProtocolError(Exception):
    """The client sent something that is not valid HTTP/1.1."""


class _Closed(Exception):
    """The peer closed the connection (or the server is stopping)."""


class Headers:
    """Ordered header fields with case-insensitive lookup. Values are str (latin-1)."""

    def __init__(self, items=()):
        self._items = list(items)

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def get(self, name: str, default=None):
        low = name.lower()
        for k, v in self._items:
            if k.lower() == low:
                return v
        return default

    def get_all(self, name: str) -> list:
        low = name.lower()
        return [v for k, v in self._items if k.lower() == low]

    def __getitem__(self, name: str) -> str:
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list:
        return list(self._items)

    def names(self) -> list:
        return [k for k, _ in self._items]

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclasses.dataclass
class Chunk:
    size: int
    t: float  # time.monotonic() when the chunk's data had fully arrived


@dataclasses.dataclass
class Result:
    """What the runtime posted for one invocation (or for init)."""

    request_id: str | None
    kind: str  # "response" | "error" | "init_error" | "timeout" | "abandoned"
    body: bytes = b""
    headers: Headers = dataclasses.field(default_factory=Headers)
    content_type: str | None = None
    status: int = 202  # what this server answered
    streamed: bool = False  # Lambda-Runtime-Function-Response-Mode: streaming
    chunked: bool = False  # the body came with Transfer-Encoding: chunked
    chunks: list = dataclasses.field(default_factory=list)  # [Chunk], chunked bodies only
    trailers: Headers = dataclasses.field(default_factory=Headers)
    error_type: str | None = None  # header (/error) or trailer (failed stream) or platform type
    error_body: bytes | None = None  # /error body, or the decoded Error-Body trailer
    truncated: bool = False  # the chunked body was cut (connection lost)
    t_head: float = 0.0  # monotonic time the request head arrived
    t_done: float = 0.0  # monotonic time the body was complete

    def json(self):
        return json.loads(self.body)

    def error_json(self):
        return json.loads(self.error_body if self.error_body is not None else self.body)


@dataclasses.dataclass
class RequestRecord:
    """One request the server answered (or dropped)."""

    conn: int
    method: str
    path: str
    headers: Headers
    status: int | None  # None: no answer was sent (client gone or server stopping)
    body_len: int
    t: float


@dataclasses.dataclass
class _Event:
    request_id: str
    payload: bytes
    headers: list  # [(name, value)] sent with the event
    timeout_ms: int
    header_overrides: dict


class _Reader:
    """Buffered reads from a socket that can tell a live idle peer from a closed one."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()

    def _fill(self) -> None:
        try:
            data = self.sock.recv(1 << 18)
        except OSError as e:
            raise _Closed(str(e)) from e
        if not data:
            raise _Closed("eof")
        self.buf += data

    def readline(self, limit: int) -> bytes:
        start = 0
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                line = bytes(self.buf[: i + 1])
                del self.buf[: i + 1]
                return line
            if len(self.buf) > limit:
                raise ProtocolError("line too long")
            start = len(self.buf)
            self._fill()

    def read(self, n: int, keep: bool = True) -> bytes:
        """Reads exactly n bytes; with keep=False they are discarded (returns b"")."""
        take = min(n, len(self.buf))
        out = bytearray(self.buf[:take]) if keep else None
        del self.buf[:take]
        left = n - take
        if keep:
            out.extend(bytes(left))
            view = memoryview(out)[take:]
        else:
            scratch = bytearray(1 << 18)
        while left > 0:
            try:
                if keep:
                    got = self.sock.recv_into(view, left)
                else:
                    got = self.sock.recv_into(scratch, min(left, len(scratch)))
            except OSError as e:
                raise _Closed(str(e)) from e
            if got == 0:
                raise _Closed("eof in body")
            if keep:
                view = view[got:]
            left -= got
        return bytes(out) if keep else b""

    def peer_alive(self) -> bool:
        """False when the peer has closed its side (EOF pending) or the socket failed."""
        if self.buf:
            return True
        try:
            r, _, _ = select.select([self.sock], [], [], 0)
            if not r:
                return True
            data = self.sock.recv(1 << 16, socket.MSG_PEEK)
            return bool(data)
        except (OSError, ValueError):
            return False


def _error_doc(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class RuntimeAPIServer:
    """The platform side of the Runtime API for one execution environment."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 max_response: int = MAX_RESPONSE, max_stream: int = MAX_STREAM,
                 oversize_policy: str = "discard", default_timeout_ms: int = 60000,
                 function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:probe"):
        self.host = host
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.max_response = max_response
        self.max_stream = max_stream
        assert oversize_policy in ("discard", "close")
        self.oversize_policy = oversize_policy
        self.default_timeout_ms = default_timeout_ms
        self.function_arn = function_arn

        self._cv = threading.Condition()
        self._events = deque()
        self._delivered = {}  # request id -> (_Event, monotonic time delivered)
        self._current = None  # request id of the delivered, not yet finished invocation
        self._answered = set()  # request ids answered (response/error/failed)
        self._results = {}  # request id -> Result
        self.init_errors = []  # [Result]
        self.requests = []  # [RequestRecord]
        self.violations = []  # [str] protocol/state-machine violations by the client
        self.connections_accepted = 0
        self.next_calls = 0
        # Extensions API (minimal): registrations as {"name", "id", "events"}; event/next
        # delivers nothing, it waits until the server stops (no INVOKE/SHUTDOWN events).
        self.extensions = []
        self.extension_next_calls = 0
        self._init_done = False
        self._next_status = None  # (status, errorType, message) forced on next
        self._post_overrides = {}  # request id -> (status, errorType, message), one-shot
        self._conns = {}  # conn id -> socket
        self._conn_seq = 0
        self._threads = []
        self._stopping = False
        self._lsock = None
        self._accept_thread = None
        self.port = port
        self._listen()

    # ---- lifecycle ----

    def _listen(self) -> None:
        s = socket.socket(self.family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((self.host, self.port))
        s.listen(64)
        self.port = s.getsockname()[1]
        self._lsock = s
        with self._cv:
            self._stopping = False
        self._accept_thread = threading.Thread(target=self._accept_loop, args=(s,),
                                               name=f"rapi-accept-{self.port}", daemon=True)
        self._accept_thread.start()

    @property
    def endpoint(self) -> str:
        """The value for AWS_LAMBDA_RUNTIME_API."""
        if self.family == socket.AF_INET6:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"

    def stop(self) -> None:
        """Closes the listener and every connection (a platform restart). Queued events,
        results and the invocation state are kept; restart() serves them again."""
        with self._cv:
            self._stopping = True
            conns = list(self._conns.values())
            self._cv.notify_all()
        if self._lsock is not None:
            try:
                self._lsock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._lsock.close()
            self._lsock = None
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._accept_thread is not None:
            self._accept_thread.join(10)
            self._accept_thread = None
        for t in list(self._threads):
            t.join(10)
        self._threads = [t for t in self._threads if t.is_alive()]

    def restart(self) -> None:
        """Listens again on the same host and port after stop()."""
        if self._lsock is None:
            self._listen()

    def close(self) -> None:
        self.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- test-facing API ----

    def push(self, payload: bytes | str, *, request_id: str | None = None,
             content_type: str | None = "application/json", timeout_ms: int | None = None,
             function_arn: str | None = None, trace_id: str | None = None,
             client_context: str | None = None, cognito_identity: str | None = None,
             tenant_id: str | None = None, extra_headers=None,
             header_overrides: dict | None = None) -> str:
        """Queues an event; returns its request id. Headers are sent only when non-empty
        (as RIE's renderInvokeHeaders). header_overrides replace (or, with value None,
        remove) headers as sent, without changing what the server tracks."""
        if isinstance(payload, str):
            payload = payload.encode()
        rid = request_id or str(uuid.uuid4())
        hdrs = []
        arn = function_arn if function_arn is not None else self.function_arn
        for name, value in (("Lambda-Runtime-Invoked-Function-Arn", arn),
                            ("Lambda-Runtime-Trace-Id", trace_id),
                            ("Lambda-Runtime-Client-Context", client_context),
                            ("Lambda-Runtime-Cognito-Identity", cognito_identity),
                            ("Lambda-Runtime-Aws-Tenant-Id", tenant_id),
                            ("Content-Type", content_type)):
            if value:
                hdrs.append((name, value))
        for name, value in (extra_headers or []):
            hdrs.append((name, value))
        ev = _Event(rid, payload, hdrs,
                    timeout_ms if timeout_ms is not None else self.default_timeout_ms,
                    dict(header_overrides or {}))
        with self._cv:
            self._events.append(ev)
            self._cv.notify_all()
        return rid

    def wait_delivered(self, request_id: str, timeout: float = 30) -> float:
        """Waits until next handed out request_id; returns the epoch deadline in ms."""
        with self._cv:
            if not self._cv.wait_for(lambda: request_id in self._delivered, timeout):
                raise TimeoutError(f"event {request_id} was not fetched within {timeout}s "
                                   f"({self._describe()})")
            return self._delivered[request_id][2]

    def wait_result(self, request_id: str, timeout: float = 30) -> Result:
        with self._cv:
            if not self._cv.wait_for(lambda: request_id in self._results, timeout):
                raise TimeoutError(f"no result for {request_id} within {timeout}s "
                                   f"({self._describe()})")
            return self._results[request_id]

    def result(self, request_id: str) -> Result | None:
        with self._cv:
            return self._results.get(request_id)

    def wait_init_error(self, timeout: float = 30) -> Result:
        with self._cv:
            if not self._cv.wait_for(lambda: self.init_errors, timeout):
                raise TimeoutError(f"no init error within {timeout}s ({self._describe()})")
            return self.init_errors[0]

    def wait_for(self, predicate, timeout: float = 30, what: str = "condition"):
        """Waits until predicate(self) is true (evaluated under the server's lock)."""
        with self._cv:
            if not self._cv.wait_for(lambda: predicate(self), timeout):
                raise TimeoutError(f"{what} not reached within {timeout}s ({self._describe()})")

    def wait_next_waiting(self, count: int, timeout: float = 30) -> None:
        """Waits until next has been called at least count times."""
        self.wait_for(lambda s: s.next_calls >= count, timeout, f"{count} next calls")

    def expire(self, request_id: str) -> bool:
        """Times the invocation out as the platform would: later answers get 400."""
        with self._cv:
            if self._current != request_id or request_id in self._answered:
                return False
            self._current = None
            self._answered.add(request_id)
            self._results[request_id] = Result(request_id, "timeout", status=0,
                                               error_type="Sandbox.Timedout")
            self._cv.notify_all()
            return True

    def set_next_status(self, status: int | None, error_type: str = "InternalServerError",
                        message: str = "Internal Server Error") -> None:
        """Makes every next answer status (None: back to normal)."""
        with self._cv:
            self._next_status = None if status is None else (status, error_type, message)
            self._cv.notify_all()

    def override_post(self, request_id: str, status: int, error_type: str,
                      message: str) -> None:
        """The next /response or /error for request_id gets this answer instead (and is not
        recorded as the invocation's result)."""
        with self._cv:
            self._post_overrides[request_id] = (status, error_type, message)

    def statuses(self, method: str | None = None, path_suffix: str | None = None) -> list:
        with self._cv:
            return [r.status for r in self.requests
                    if (method is None or r.method == method)
                    and (path_suffix is None or r.path.endswith(path_suffix))]

    def requests_for(self, request_id: str) -> list:
        with self._cv:
            return [r for r in self.requests if f"/invocation/{request_id}/" in r.path]

    @property
    def current(self) -> str | None:
        with self._cv:
            return self._current

    def _describe(self) -> str:
        reqs = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:])
        return (f"queued={len(self._events)} delivered={list(self._delivered)[-4:]} "
                f"current={self._current} conns={self.connections_accepted} "
                f"last requests: [{reqs}] violations={self.violations}")

    # ---- connections ----

    def _accept_loop(self, lsock: socket.socket) -> None:
        while True:
            try:
                sock, _ = lsock.accept()
            except OSError:
                return
            with self._cv:
                if self._stopping:
                    sock.close()
                    return
                self._conn_seq += 1
                cid = self._conn_seq
                self.connections_accepted += 1
                self._conns[cid] = sock
                self._cv.notify_all()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = threading.Thread(target=self._serve_conn, args=(cid, sock),
                                 name=f"rapi-conn-{cid}", daemon=True)
            self._threads = [x for x in self._threads if x.is_alive()]
            self._threads.append(t)
            t.start()

    def _serve_conn(self, cid: int, sock: socket.socket) -> None:
        rd = _Reader(sock)
        try:
            while True:
                keep = self._serve_request(cid, sock, rd)
                if not keep:
                    break
        except (_Closed, OSError):
            pass
        except ProtocolError as e:
            with self._cv:
                self.violations.append(f"conn {cid}: {e}")
            try:
                self._send(sock, 400, _error_doc("BadRequest", str(e)), close=True)
            except OSError:
                pass
        finally:
            with self._cv:
                self._conns.pop(cid, None)
            try:
                sock.close()
            except OSError:
                pass

    def _send(self, sock, status: int, body: bytes = b"", headers=(), close: bool = False,
              content_type: str | None = "application/json") -> None:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        for k, v in headers:
            lines.append(f"{k}: {v}")
        lines.append(f"Content-Length: {len(body)}")
        lines.append(f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())}")
        if close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        sock.sendall(head + body if len(body) < 65536 else head)
        if len(body) >= 65536:
            sock.sendall(body)

    def _read_head(self, rd: _Reader):
        line = rd.readline(MAX_HEAD)
        # Robustness (RFC 9112 2.2): ignore at least one empty line before a request.
        if line in (b"\r\n", b"\n"):
            line = rd.readline(MAX_HEAD)
        if not line.endswith(b"\r\n"):
            raise ProtocolError(f"request line not CRLF-terminated: {line!r}")
        parts = line[:-2].split(b" ")
        if len(parts) != 3 or parts[2] != b"HTTP/1.1":
            raise ProtocolError(f"bad request line: {line!r}")
        method, target = parts[0].decode("latin-1"), parts[1].decode("latin-1")
        headers = Headers()
        total = len(line)
        while True:
            fl = rd.readline(MAX_HEAD)
            total += len(fl)
            if total > MAX_HEAD:
                raise ProtocolError("request head too large")
            if fl == b"\r\n":
                break
            if not fl.endswith(b"\r\n"):
                raise ProtocolError(f"field line not CRLF-terminated: {fl!r}")
            if fl[:1] in (b" ", b"\t"):
                raise ProtocolError("obsolete line folding")
            name, sep, value = fl[:-2].partition(b":")
            if not sep or not name or name != name.strip() or b" " in name:
                raise ProtocolError(f"bad field line: {fl!r}")
            headers.add(name.decode("latin-1"), value.strip(b" \t").decode("latin-1"))
        return method, target, headers

    def _read_chunked(self, rd: _Reader, limit: int, chunks: list):
        """Reads a chunked body. Returns (body, trailers, over_limit)."""
        body = bytearray()
        over = False
        while True:
            line = rd.readline(4096)
            if not line.endswith(b"\r\n"):
                raise ProtocolError(f"chunk size line not CRLF-terminated: {line!r}")
            size_s = line[:-2].split(b";", 1)[0].strip(b" \t")
            try:
                if not size_s or any(c not in b"0123456789abcdefABCDEF" for c in size_s):
                    raise ValueError
                size = int(size_s, 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size: {line!r}") from None
            if size == 0:
                break
            keep = not over and len(body) + size <= limit
            data = rd.read(size, keep=keep)
            if keep:
                body += data
            else:
                over = True
            chunks.append(Chunk(size, time.monotonic()))
            if rd.read(2) != b"\r\n":
                raise ProtocolError("chunk data not followed by CRLF")
        trailers = Headers()
        total = 0
        while True:
            fl = rd.readline(MAX_HEAD)
            total += len(fl)
            if total > MAX_HEAD:
                raise ProtocolError("trailer section too large")
            if fl == b"\r\n":
                break
            if not fl.endswith(b"\r\n"):
                raise ProtocolError(f"trailer line not CRLF-terminated: {fl!r}")
            name, sep, value = fl[:-2].partition(b":")
            if not sep or not name or b" " in name:
                raise ProtocolError(f"bad trailer line: {fl!r}")
            trailers.add(name.decode("latin-1"), value.strip(b" \t").decode("latin-1"))
        return bytes(body), trailers, over

    def _record(self, cid, method, path, headers, status, body_len) -> RequestRecord:
        rec = RequestRecord(cid, method, path, headers, status, body_len, time.monotonic())
        with self._cv:
            self.requests.append(rec)
            self._cv.notify_all()
        return rec

    def _serve_request(self, cid: int, sock, rd: _Reader) -> bool:
        method, target, headers = self._read_head(rd)
        t_head = time.monotonic()
        path = target.split("?", 1)[0]
        close = (headers.get("Connection", "").lower() == "close")
        te = headers.get("Transfer-Encoding")
        cl = headers.get("Content-Length")
        if te is not None and cl is not None:
            raise ProtocolError("both Transfer-Encoding and Content-Length")
        if te is not None and te.lower() != "chunked":
            raise ProtocolError(f"unsupported Transfer-Encoding: {te}")
        if cl is not None and (not cl.isdigit() or len(headers.get_all("Content-Length")) > 1):
            raise ProtocolError(f"bad Content-Length: {cl!r}")
        if headers.get("Expect", "").lower() == "100-continue":
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

        ctx = _Req(self, cid, sock, rd, method, path, headers, t_head, close,
                   chunked=te is not None, length=int(cl) if cl is not None else 0)
        route = self._route(method, path)
        return route(ctx)

    def _route(self, method: str, path: str):
        if path == EXT_API + "/register":
            return self._h_ext_register if method == "POST" else self._h_method
        if path == EXT_API + "/event/next":
            return self._h_ext_next if method == "GET" else self._h_method
        if path == API + "/invocation/next":
            return self._h_next if method == "GET" else self._h_method
        if path == API + "/init/error":
            return self._h_init_error if method == "POST" else self._h_method
        if path.startswith(API + "/invocation/"):
            rest = path[len(API + "/invocation/"):]
            rid_enc, sep, what = rest.rpartition("/")
            if sep and "/" not in rid_enc and what in ("response", "error"):
                if method != "POST":
                    return self._h_method
                return self._h_response if what == "response" else self._h_error
        return self._h_not_found

    # ---- handlers: each returns True to keep the connection open ----

    def _h_not_found(self, q: _Req) -> bool:
        q.drain()
        return q.answer(404, _error_doc("NotFound", f"no route for {q.method} {q.path}"))

    def _h_method(self, q: _Req) -> bool:
        q.drain()
        return q.answer(405, _error_doc("MethodNotAllowed", f"{q.method} not allowed"))

    def _h_ext_register(self, q: _Req) -> bool:
        body = q.read_body(MAX_ERROR_BODY)
        name = q.headers.get("Lambda-Extension-Name", "")
        if not name:
            return q.answer(403, _error_doc("Extension.InvalidExtensionName",
                                            "Empty extension name"))
        try:
            events = json.loads(body or b"null").get("events") or []
        except (ValueError, AttributeError):
            return q.answer(403, _error_doc("InvalidRequestFormat", "bad body"))
        ext_id = str(uuid.uuid4())
        with self._cv:
            self.extensions.append({"name": name, "id": ext_id, "events": events})
            self._cv.notify_all()
        doc = json.dumps({"functionName": "probe", "functionVersion": "$LATEST",
                          "handler": "bootstrap"}).encode()
        return q.answer(200, doc, headers=[("Lambda-Extension-Identifier", ext_id)])

    def _h_ext_next(self, q: _Req) -> bool:
        q.drain()
        ext_id = q.headers.get("Lambda-Extension-Identifier", "")
        with self._cv:
            known = any(e["id"] == ext_id for e in self.extensions)
            if known:
                self.extension_next_calls += 1
                self._cv.notify_all()
        if not known:
            return q.answer(403, _error_doc("Extension.UnknownExtensionIdentifier",
                                            "Unknown extension"))
        while True:
            with self._cv:
                if self._stopping:
                    raise _Closed("stopping")
                self._cv.wait(0.1)
            if not q.rd.peer_alive():
                raise _Closed("extension left while waiting for an event")

    def _h_next(self, q: _Req) -> bool:
        q.drain()
        with self._cv:
            self.next_calls += 1
            self._init_done = True
            if self._current is not None and self._current not in self._answered:
                rid = self._current
                self.violations.append(f"next while {rid} was unanswered")
                self._answered.add(rid)
                self._results[rid] = Result(rid, "abandoned", status=0)
                self._current = None
            self._cv.notify_all()
            forced = self._next_status
        if forced is not None:
            return q.answer(forced[0], _error_doc(forced[1], forced[2]))
        while True:
            with self._cv:
                ev = None
                while True:
                    if self._stopping:
                        raise _Closed("stopping")
                    if self._events:
                        if not q.rd.peer_alive():
                            raise _Closed("client left while waiting for an event")
                        ev = self._events.popleft()
                        break
                    self._cv.wait(0.05)
                    if not self._events and not q.rd.peer_alive():
                        raise _Closed("client left while waiting for an event")
                now_ms = int(time.time() * 1000)
                deadline = now_ms + ev.timeout_ms
                hdrs = [("Lambda-Runtime-Aws-Request-Id", ev.request_id),
                        ("Lambda-Runtime-Deadline-Ms", str(deadline))] + list(ev.headers)
                for name, value in ev.header_overrides.items():
                    hdrs = [(k, v) for k, v in hdrs if k.lower() != name.lower()]
                    if value is not None:
                        hdrs.append((name, value))
                ctype = None
                for k, v in hdrs:
                    if k.lower() == "content-type":
                        ctype = v
                hdrs = [(k, v) for k, v in hdrs if k.lower() != "content-type"]
                self._current = ev.request_id
                self._delivered[ev.request_id] = (ev, time.monotonic(), deadline)
            try:
                q.answer(200, ev.payload, headers=hdrs, content_type=ctype)
            except OSError:
                with self._cv:  # not delivered after all: serve it to the next caller
                    self._delivered.pop(ev.request_id, None)
                    self._current = None
                    self._events.appendleft(ev)
                    self._cv.notify_all()
                raise _Closed("client gone before the event was sent") from None
            with self._cv:
                self._cv.notify_all()
            return not q.close

    def _h_init_error(self, q: _Req) -> bool:
        body = q.read_body(MAX_ERROR_BODY)
        res = Result(None, "init_error", body=body, headers=q.headers,
                     content_type=q.headers.get("Content-Type"),
                     error_type=q.headers.get("Lambda-Runtime-Function-Error-Type"),
                     error_body=body, t_head=q.t_head, t_done=time.monotonic())
        with self._cv:
            if self._init_done:
                self.violations.append("init/error after the first next")
                status = 403
            else:
                status = 202
                res.status = 202
                self.init_errors.append(res)
                self._cv.notify_all()
        if status == 403:
            return q.answer(403, _error_doc(
                "InvalidStateTransition",
                "State transition from Ready to InitError failed for runtime. "
                "Error: State transition is not allowed"))
        return q.accepted()

    def _check_id(self, rid: str):
        """Returns None when rid may be answered now, else (status, errorType, message)."""
        # The current invocation stays current until next hands out another one (or the
        # platform times it out): answering it again is a state error, any other id is wrong.
        if rid in self._post_overrides:
            return self._post_overrides.pop(rid)
        if not rid or rid != self._current:
            return (400, "InvalidRequestID", "Invalid request ID")
        if rid in self._answered:
            return (403, "InvalidStateTransition",
                    "State transition from RuntimeResponseSent to InvocationResponse failed "
                    "for runtime. Error: State transition is not allowed")
        return None

    def _h_response(self, q: _Req) -> bool:
        rid = q.request_id()
        mode = q.headers.get("Lambda-Runtime-Function-Response-Mode")
        streamed = mode is not None and mode.lower() == "streaming"
        with self._cv:
            bad = self._check_id(rid)
        if bad is None and mode is not None and not streamed:
            q.drain()
            with self._cv:
                self._finish(rid, Result(rid, "error", status=400, headers=q.headers,
                                         error_type="Runtime.InvalidResponseModeHeader",
                                         t_head=q.t_head, t_done=time.monotonic()))
            return q.answer(400, _error_doc("InvalidFunctionResponseMode",
                                            "Invalid function response mode"))
        if bad is not None:
            q.drain()
            return q.answer(bad[0], _error_doc(bad[1], bad[2]))

        limit = self.max_stream if streamed else self.max_response
        res = Result(rid, "response", headers=q.headers,
                     content_type=q.headers.get("Content-Type"), streamed=streamed,
                     chunked=q.chunked, t_head=q.t_head)
        if not q.chunked and q.length > limit:
            # Too large before reading a byte: answer 413, then discard or close.
            res.kind, res.status = "error", 413
            res.error_type = "Function.ResponseSizeTooLarge"
            res.error_body = _error_doc(
                "Function.ResponseSizeTooLarge",
                f"Response payload size ({q.length} bytes) exceeded maximum allowed payload "
                f"size ({self.max_response} bytes).")
            with self._cv:
                self._finish(rid, res)
            if self.oversize_policy == "close":
                return q.answer(413, _too_large(self.max_response), close=True)
            q.drain()
            return q.answer(413, _too_large(self.max_response))
        try:
            if q.chunked:
                body, trailers, over = self._read_chunked(q.rd, limit, res.chunks)
            else:
                body, trailers, over = q.rd.read(q.length), Headers(), False
        except _Closed:
            res.kind, res.status, res.truncated = "error", 0, True
            res.error_type = "Runtime.TruncatedResponse"
            res.t_done = time.monotonic()
            with self._cv:
                self._finish(rid, res)
            raise
        q.body_len = len(body)
        res.body, res.trailers, res.t_done = body, trailers, time.monotonic()
        if over:
            res.kind, res.status = "error", 413
            res.error_type = "Function.ResponseSizeTooLarge"
            with self._cv:
                self._finish(rid, res)
            return q.answer(413, _too_large(limit))
        etype = trailers.get("Lambda-Runtime-Function-Error-Type")
        if etype is not None:
            res.kind = "error"
            res.error_type = etype
            raw = trailers.get("Lambda-Runtime-Function-Error-Body")
            if raw is not None:
                try:
                    res.error_body = base64.b64decode(raw, validate=True)
                except ValueError:
                    res.error_body = raw.encode("latin-1")
        with self._cv:
            self._finish(rid, res)
        return q.accepted()

    def _h_error(self, q: _Req) -> bool:
        rid = q.request_id()
        with self._cv:
            bad = self._check_id(rid)
        if bad is not None:
            q.drain()
            return q.answer(bad[0], _error_doc(bad[1], bad[2]))
        body = q.read_body(self.max_response)
        res = Result(rid, "error", body=body, headers=q.headers,
                     content_type=q.headers.get("Content-Type"),
                     error_type=q.headers.get("Lambda-Runtime-Function-Error-Type"),
                     error_body=body, t_head=q.t_head, t_done=time.monotonic())
        with self._cv:
            self._finish(rid, res)
        return q.accepted()

    def _finish(self, rid: str, res: Result) -> None:
        # caller holds self._cv
        self._answered.add(rid)
        self._results[rid] = res
        self._cv.notify_all()


def _too_large(limit: int) -> bytes:
    return _error_doc("RequestEntityTooLarge",
                      f"Exceeded maximum allowed payload size ({limit} bytes).")


class _Req:
    """One request being served."""

    def __init__(self, srv, cid, sock, rd, method, path, headers, t_head, close, chunked,
                 length):
        self.srv, self.cid, self.sock, self.rd = srv, cid, sock, rd
        self.method, self.path, self.headers = method, path, headers
        self.t_head, self.close = t_head, close
        self.chunked, self.length = chunked, length
        self.body_len = 0
        self._body_done = False

    def request_id(self) -> str:
        rest = self.path[len(API + "/invocation/"):]
        return urllib.parse.unquote(rest.rpartition("/")[0])

    def read_body(self, limit: int) -> bytes:
        """Reads the whole body; keeps at most limit bytes."""
        self._body_done = True
        if self.chunked:
            body, _, _ = self.srv._read_chunked(self.rd, limit, [])
        else:
            keep = self.length <= limit
            body = self.rd.read(self.length, keep=keep)
            if not keep:
                body = b""
        self.body_len = len(body)
        return body

    def drain(self) -> None:
        if not self._body_done:
            if self.chunked:
                self.read_body(0)
            elif self.length:
                self._body_done = True
                self.rd.read(self.length, keep=False)

    def answer(self, status: int, body: bytes, headers=(), close: bool = False,
               content_type: str | None = "application/json") -> bool:
        close = close or self.close
        # Recorded before sending: once the client has the answer, the record exists.
        rec = self.srv._record(self.cid, self.method, self.path, self.headers, status,
                               self.body_len)
        try:
            self.srv._send(self.sock, status, body, headers, close=close,
                           content_type=content_type)
        except OSError:
            with self.srv._cv:
                rec.status = None
            raise
        return not close

    def accepted(self) -> bool:
        return self.answer(202, b'{"status":"OK"}')


def main(argv: list) -> int:
    port = int(argv[1]) if len(argv) > 1 else 0
    srv = RuntimeAPIServer(port=port)
    print(f"AWS_LAMBDA_RUNTIME_API={srv.endpoint}", flush=True)
    try:
        for line in sys.stdin:
            rid = srv.push(line.rstrip("\n").encode())
            res = srv.wait_result(rid, timeout=3600)
            print(f"{rid}: {res.kind} {res.error_type or ''} {res.body[:200]!r}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
