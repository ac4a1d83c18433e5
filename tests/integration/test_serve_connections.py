# SPDX-License-Identifier: MIT
"""clambda serve, connection hygiene on the public port: with short --header-timeout,
--body-timeout and --idle-timeout a slowloris client is cut and thousands of idle connections
are closed (the server's descriptors come back to their baseline), --max-connections refuses
the connections over it with one log line, a malformed request gets AWS's JSON error, and an
invoke slower than every timeout still succeeds."""

import http.client
import json
import os
import resource
import socket
import time

import pytest

from conftest import runtime_dir, wait_until

HEADER_S, BODY_S, IDLE_S = 1, 1, 2
SHORT = ["--header-timeout", str(HEADER_S), "--body-timeout", str(BODY_S),
         "--idle-timeout", str(IDLE_S)]
N_IDLE = 3000


@pytest.fixture(autouse=True)
def more_fds():
    """Room for N_IDLE client sockets here and as many in the server (it inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = N_IDLE + 1024
    if hard != resource.RLIM_INFINITY and hard < want:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {want}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def dial(srv, timeout=10.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    return s


def read_to_close(s: socket.socket) -> bytes:
    """Everything until the server closes (a socket timeout fails the test)."""
    out = b""
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            return out
        if not b:
            return out
        out += b


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_slowloris_is_cut(serve):
    srv = serve({}, args=SHORT)
    s = dial(srv)
    head = b"GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40 + b"\r\n\r\n"
    t0 = time.monotonic()
    sent = 0
    try:
        for i in range(len(head)):
            s.sendall(head[i:i + 1])
            sent += 1
            time.sleep(0.5)
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.settimeout(10)
    assert read_to_close(s) == b""  # closed without an answer
    s.close()
    assert sent < len(head), "the whole slow head was taken"
    assert time.monotonic() - t0 < HEADER_S + 3


def test_idle_connections_are_closed(serve):
    # timeouts long enough that none fires while the test is still opening connections on a
    # loaded machine, short enough to wait for
    srv = serve({}, args=["--header-timeout", "5", "--idle-timeout", "3"])
    pid = srv.proc.pid
    time.sleep(0.5)
    baseline = fd_count(pid)
    socks = []
    try:
        for i in range(N_IDLE):
            s = dial(srv)
            if i % 2 == 0:  # half after one answered keep-alive request, half silent
                s.sendall(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(s)
        for s in socks[::2]:
            got = b""
            while b"\r\n\r\n" not in got:
                got += s.recv(4096)
            assert got.startswith(b"HTTP/1.1 ")
            assert b"Connection: close" not in got
        assert fd_count(pid) >= baseline + N_IDLE // 2
        wait_until(lambda: fd_count(pid) <= baseline, timeout=30,
                   what=f"the server's descriptors back to {baseline}")
    finally:
        for s in socks:
            s.close()


def test_max_connections_refuses_with_one_log_line(serve):
    srv = serve({}, args=SHORT + ["--idle-timeout", "60", "--header-timeout", "60",
                                  "--max-connections", "100"])
    socks = [dial(srv) for _ in range(100)]
    try:
        # every one is accepted before the extra ones: a request answered on the last
        socks[-1].sendall(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n")
        assert socks[-1].recv(4096).startswith(b"HTTP/1.1 ")
        for _ in range(5):
            extra = dial(srv, timeout=5)
            t0 = time.monotonic()
            assert read_to_close(extra) == b""
            assert time.monotonic() - t0 < 2
            extra.close()
        wait_until(lambda: "api: connection cap reached (100 open)" in srv.stderr(), timeout=10,
                   what="the cap's log line")
        assert srv.stderr().count("api: connection cap reached (100 open)") == 1, srv.stderr()
        # the ones within the cap are served
        socks[0].sendall(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n")
        assert socks[0].recv(4096).startswith(b"HTTP/1.1 ")
    finally:
        for s in socks:
            s.close()
    wait_until(lambda: "below the connection cap again; 5 connections were refused"
               in srv.stderr(), timeout=10, what="the end of the burst logged")


def test_malformed_request_gets_json(serve):
    srv = serve({}, args=SHORT)
    s = dial(srv)
    s.sendall(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
    got = read_to_close(s)
    s.close()
    head, _, body = got.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"\r\nx-amzn-ErrorType: BadRequestException" in head
    assert b"\r\nContent-Type: application/json" in head
    err = json.loads(body)
    assert err["Type"] == "User"
    assert err["message"].startswith("Malformed HTTP request")


def test_slow_invokes_are_not_timed(serve):
    """An invoke answered after longer than every timeout, twice on one keep-alive connection,
    and once more after an idle pause shorter than the idle timeout."""
    srv = serve({"py": runtime_dir("pyrt")}, sets=["py.timeout=30"], args=SHORT)
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    try:
        for _ in range(2):
            c.request("POST", "/2015-03-31/functions/py/invocations",
                      body=json.dumps({"action": "sleep", "seconds": 3}).encode())
            r = c.getresponse()
            body = r.read()
            assert r.status == 200, body
            assert json.loads(body)["slept"] == 3, body
        time.sleep(IDLE_S / 2)
        c.request("POST", "/2015-03-31/functions/py/invocations",
                  body=json.dumps({"action": "count"}).encode())
        r = c.getresponse()
        assert r.status == 200, r.read()
        r.read()
    finally:
        c.close()
