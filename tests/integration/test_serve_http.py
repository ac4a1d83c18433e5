# SPDX-License-Identifier: MIT
"""clambda serve, HTTP/1.1 connection handling on the public listener: responses written at
once (httpd's uv_try_write fast path) or queued (a partial write, pipelined input), keep-alive
and Connection: close, over raw sockets so that the bytes on the wire are what is checked."""

import json
import socket
import time

import pytest

from conftest import TIMEOUT, example_path

PATH = "/2015-03-31/functions/echo/invocations"


@pytest.fixture
def srv(serve):
    return serve({"echo": example_path("echo").parent})


def request(body: bytes, close: bool = False) -> bytes:
    head = (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
            + ("Connection: close\r\n" if close else "") + "\r\n")
    return head.encode() + body


def read_response(f):
    """(status, headers with lower-case names, body) of one response from a socket file."""
    status = int(f.readline().split()[1])
    headers = {}
    while True:
        line = f.readline()
        assert line, "connection closed inside a response head"
        if line == b"\r\n":
            break
        k, v = line.decode().split(":", 1)
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return status, headers, body


def connect(srv):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
    return s, s.makefile("rb")


def test_pipelined_requests_answered_in_order(srv):
    s, f = connect(srv)
    bodies = [json.dumps({"i": i}).encode() for i in range(5)]
    s.sendall(b"".join(request(b) for b in bodies))  # one write: the server buffers the rest
    for b in bodies:
        status, _, got = read_response(f)
        assert (status, got) == (200, b)
    s.close()


def test_keep_alive_then_connection_close(srv):
    s, f = connect(srv)
    for i in range(20):  # each answer leaves the parser to be reset before the next request
        s.sendall(request(b'{"k":%d}' % i))
        assert read_response(f)[2] == b'{"k":%d}' % i
    s.sendall(request(b'{"last":1}', close=True))
    status, headers, body = read_response(f)
    assert (status, body) == (200, b'{"last":1}')
    assert headers["connection"] == "close"
    assert f.read() == b""  # then EOF
    s.close()


def test_large_response_with_slow_reader(srv):
    """A response bigger than the socket buffers: the fast path writes part of it, the rest is
    queued and must arrive intact, while the client is not reading yet."""
    s, f = connect(srv)
    payload = json.dumps({"blob": "x" * (3 * 1024 * 1024)}).encode()
    s.sendall(request(payload))
    time.sleep(0.2)  # not reading: the server's socket buffer fills and its write is queued
    status, headers, body = read_response(f)
    assert status == 200 and "x-amz-function-error" not in headers
    assert body == payload
    s.sendall(request(b'{"after":true}'))  # the connection is usable afterwards
    assert read_response(f)[2] == b'{"after":true}'
    s.close()


def test_soft_fd_limit_raised(tmp_path):
    """Six descriptors per environment: with the shell's usual soft limit of 1024 the server
    could hold only ~160 environments, so it raises the soft limit to the hard one."""
    import resource
    import subprocess

    from conftest import clambda_path
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        pytest.skip(f"hard RLIMIT_NOFILE is {hard}: nothing to raise")
    p = subprocess.Popen([str(clambda_path()), "serve", "--listen", "127.0.0.1:0",
                          "--state-dir", str(tmp_path / "state")],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE,
                                                               (1024, hard)))
    try:
        assert p.stdout.readline().startswith(b"clambda: listening on")
        limits = open(f"/proc/{p.pid}/limits").read()
        line = next(x for x in limits.splitlines() if x.startswith("Max open files"))
        want = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        assert line.split()[3] == want, line
    finally:
        p.terminate()
        p.wait(timeout=TIMEOUT)
