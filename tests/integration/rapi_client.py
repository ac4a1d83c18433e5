# SPDX-License-Identifier: MIT
"""A minimal raw HTTP/1.1 client for the server self-tests: keep-alive, Content-Length or
chunked bodies with trailers, byte-exact control of what goes on the wire."""

from __future__ import annotations

import json
import socket

from rapi_server import Headers


class Response:
    def __init__(self, status: int, headers: Headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"Response({self.status}, {self.body[:120]!r})"


class RawClient:
    def __init__(self, host: str, port: int, timeout: float = 30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb")

    @classmethod
    def to(cls, server, timeout: float = 30) -> "RawClient":
        return cls(server.host, server.port, timeout)

    def close(self) -> None:
        try:
            self.f.close()
        finally:
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, path: str, body: bytes | None = None, headers=(),
                chunks: list | None = None, trailers=(), raw_head: bytes | None = None):
        """Sends a request; body with Content-Length, or chunks with Transfer-Encoding:
        chunked (and trailers). Returns the Response."""
        self.send_request(method, path, body, headers, chunks, trailers, raw_head)
        return self.read_response()

    def send_request(self, method, path, body=None, headers=(), chunks=None, trailers=(),
                     raw_head=None) -> None:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in headers]
        if chunks is not None:
            lines.append("Transfer-Encoding: chunked")
        elif body is not None:
            lines.append(f"Content-Length: {len(body)}")
        head = raw_head if raw_head is not None else ("\r\n".join(lines) + "\r\n\r\n").encode()
        out = bytearray(head)
        if chunks is not None:
            for c in chunks:
                out += f"{len(c):x}\r\n".encode() + c + b"\r\n"
            out += b"0\r\n"
            for k, v in trailers:
                out += f"{k}: {v}\r\n".encode()
            out += b"\r\n"
        elif body is not None:
            out += body
        self.sock.sendall(out)

    def read_response(self) -> Response:
        line = self.f.readline()
        if not line:
            raise ConnectionError("connection closed before a response")
        parts = line.split(b" ", 2)
        status = int(parts[1])
        headers = Headers()
        while True:
            fl = self.f.readline()
            if fl in (b"\r\n", b""):
                break
            k, _, v = fl.decode("latin-1").partition(":")
            headers.add(k, v.strip())
        if status == 100:
            return self.read_response()
        body = self.f.read(int(headers.get("Content-Length", "0")))
        return Response(status, headers, body)

    def is_closed_by_peer(self, timeout: float = 5) -> bool:
        self.sock.settimeout(timeout)
        try:
            return self.f.read(1) == b""
        except (ConnectionError, OSError):
            return True
