# SPDX-License-Identifier: MIT
"""The example functions (examples/hello, echo, fail, stream) against the test Runtime API
server: what each answers, byte for byte, on one kept-alive connection; what the runtime does
when the platform restarts or disappears; and the static binaries and zips themselves."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
import zipfile

import pytest

from conftest import TIMEOUT, example_path, is_sanitized, lambda_env, Bootstrap

EVENT_LIMIT = 6291456  # synchronous Invoke request limit (spec section 9)


# ---- hello ----

@pytest.mark.parametrize("fn_name,expected", [
    ("hello-fn", "Hello from hello-fn!"),
    (None, "Hello from clambda!"),
])
def test_hello_greets(rapi, start, fn_name, expected):
    b = start(example_path("hello"), rapi, env={"AWS_LAMBDA_FUNCTION_NAME": fn_name})
    rid = rapi.push(b'{"name":"ignored"}')
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "response", b.output()
    assert res.content_type == "application/json"
    assert res.json() == {"message": expected}
    assert not res.streamed and not res.chunked
    assert res.headers.get("Content-Length") == str(len(res.body))


def test_hello_serves_many_invocations_on_one_connection(rapi, start):
    start(example_path("hello"), rapi, name="hello")
    for _ in range(100):
        rid = rapi.push(b"{}")
        assert rapi.wait_result(rid, TIMEOUT).json() == {"message": "Hello from hello!"}
    assert rapi.connections_accepted == 1
    assert rapi.violations == []
    assert set(rapi.statuses("POST")) == {202}


def test_hello_exits_nonzero_without_runtime_api(rapi, start):
    b = start(example_path("hello"), rapi, env={"AWS_LAMBDA_RUNTIME_API": None})
    assert b.wait_exit(TIMEOUT) == 1  # clambda_run's error; not a crash or a leak report
    assert rapi.connections_accepted == 0


@pytest.mark.parametrize("endpoint", ["127.0.0.1", "127.0.0.1:notaport", "[::1:9001", ""])
def test_hello_exits_nonzero_on_a_malformed_endpoint(rapi, start, endpoint):
    b = start(example_path("hello"), rapi, endpoint=endpoint)
    assert b.wait_exit(TIMEOUT) == 1  # clambda_run's error; not a crash or a leak report


# ---- echo ----

ECHO_CASES = [
    ("empty object", b"{}", "application/json"),
    ("empty body", b"", "application/json"),
    ("unicode json", '{"s":"caf\u00e9 \u20ac \U0001F600","e":"\\u0000\\n"}'.encode(),
     "application/json"),
    ("escapes", b'{"q":"\\"quoted\\" \\\\ back\\/slash","n":[1,2.5e-3,-0,true,null]}',
     "application/json"),
    ("all bytes", bytes(range(256)) * 16, "application/octet-stream"),
    ("nul bytes", b'{"a":"\x00\x00"}\x00trailing', "application/octet-stream"),
    ("crlf in body", b"line1\r\nline2\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", "text/plain; charset=utf-8"),
    ("1 MiB", b'"' + b"x" * ((1 << 20) - 2) + b'"', "application/json"),
]


@pytest.mark.parametrize("name,payload,ctype", ECHO_CASES, ids=[c[0] for c in ECHO_CASES])
def test_echo_is_byte_exact(rapi, start, name, payload, ctype):
    start(example_path("echo"), rapi, name="echo")
    rid = rapi.push(payload, content_type=ctype)
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "response"
    assert res.body == payload
    assert res.content_type == ctype


def test_echo_6mb_in_6mb_out(rapi, start):
    # The largest synchronous event: a JSON document of exactly 6,291,456 bytes.
    alphabet = bytes(c for c in range(0x20, 0x7f) if c not in b'"\\')
    filler = (alphabet * (EVENT_LIMIT // len(alphabet) + 1))[:EVENT_LIMIT - 11]
    payload = b'{"data":"' + filler + b'"}'
    assert len(payload) == EVENT_LIMIT
    json.loads(payload)
    start(example_path("echo"), rapi, name="echo")
    for _ in range(2):  # twice: the runtime reuses its buffers
        rid = rapi.push(payload)
        res = rapi.wait_result(rid, TIMEOUT)
        assert res.kind == "response" and res.status == 202
        assert len(res.body) == EVENT_LIMIT
        assert res.body == payload
    assert rapi.connections_accepted == 1


def test_echo_mixed_sizes_keep_one_connection(rapi, start):
    start(example_path("echo"), rapi, name="echo")
    for size in (0, 1, 100, 65535, 65536, 65537, 1 << 20, 3, (1 << 20) + 1, 0):
        payload = b"[" + b"1," * (size // 2) + b"1]"
        rid = rapi.push(payload)
        assert rapi.wait_result(rid, TIMEOUT).body == payload
    assert rapi.connections_accepted == 1


# ---- fail ----

def test_fail_reports_a_typed_error(rapi, start):
    b = start(example_path("fail"), rapi, name="fail")
    for _ in range(3):  # a failed invocation does not end the loop
        rid = rapi.push(b'{"x":1}')
        res = rapi.wait_result(rid, TIMEOUT)
        assert res.kind == "error", b.output()
        assert res.error_type == "ValidationError"
        assert res.content_type == "application/json"
        doc = res.json()
        assert set(doc) == {"errorMessage", "errorType", "stackTrace"}
        assert doc["errorType"] == "ValidationError"
        assert isinstance(doc["errorMessage"], str) and doc["errorMessage"]
        assert doc["stackTrace"] == ["main.c:validate", "main.c:handler"]
    assert rapi.connections_accepted == 1
    b.wait_line(r"ERROR\s.*rejecting event")


# ---- stream ----

@pytest.mark.parametrize("n", [1, 5, 100])
def test_stream_sends_chunks(rapi, start, n):
    start(example_path("stream"), rapi, name="stream")
    rid = rapi.push(json.dumps({"chunks": n}).encode())
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "response"
    assert res.streamed and res.chunked
    assert res.headers.get("Transfer-Encoding", "").lower() == "chunked"
    assert "Content-Length" not in res.headers
    assert res.content_type == "text/plain"
    expected = "".join(f"chunk {i} of {n}\n" for i in range(1, n + 1)).encode()
    assert res.body == expected
    # Each clambda_stream_write() is one chunk on the wire.
    assert [c.size for c in res.chunks] == [len(f"chunk {i} of {n}\n") for i in range(1, n + 1)]
    assert len(res.trailers) == 0


def test_stream_default_and_keep_alive(rapi, start):
    start(example_path("stream"), rapi, name="stream")
    for _ in range(10):
        rid = rapi.push(b"{}")
        res = rapi.wait_result(rid, TIMEOUT)
        assert len(res.chunks) == 5 and res.kind == "response"
    assert rapi.connections_accepted == 1


# ---- the platform restarting or going away ----

@pytest.mark.parametrize("downtime", [0.0, 1.5])
def test_server_restart_mid_loop(rapi, start, downtime):
    b = start(example_path("hello"), rapi, name="hello")
    rid = rapi.push(b"{}")
    assert rapi.wait_result(rid, TIMEOUT).kind == "response"
    rapi.wait_next_waiting(2)  # the runtime is blocked in its next call
    rapi.stop()
    if downtime:
        time.sleep(downtime)  # the platform stays away for a while (not synchronisation)
    rapi.restart()
    rid2 = rapi.push(b"{}")
    res = rapi.wait_result(rid2, TIMEOUT)
    assert res.json() == {"message": "Hello from hello!"}, b.output()
    assert rapi.connections_accepted == 2
    assert b.alive()


def test_server_restart_between_response_and_next(rapi, start):
    """The connection drops while a response is in flight or right after it."""
    b = start(example_path("echo"), rapi, name="echo")
    for i in range(5):
        rid = rapi.push(f'{{"i":{i}}}'.encode())
        assert rapi.wait_result(rid, TIMEOUT).body == f'{{"i":{i}}}'.encode()
        rapi.stop()
        rapi.restart()
    rid = rapi.push(b'"last"')
    assert rapi.wait_result(rid, TIMEOUT).body == b'"last"', b.output()


@pytest.mark.slow
def test_runtime_exits_when_the_platform_is_gone(rapi, start):
    b = start(example_path("hello"), rapi, name="hello")
    rid = rapi.push(b"{}")
    rapi.wait_result(rid, TIMEOUT)
    rapi.wait_next_waiting(2)
    rapi.stop()  # and never comes back: retries end (10 s budget), the loop returns
    assert b.wait_exit(TIMEOUT) == 1  # clambda_run's error; not a crash or a leak report


# Regression: the loop used to go on after a 500 answer to /response (spec section 4: exit).
def test_runtime_exits_on_500_from_response(rapi, start):
    b = start(example_path("hello"), rapi, name="hello")
    rid = rapi.push(b"{}")
    rapi.override_post(rid, 500, "InternalServerError", "Internal Server Error")
    deadline = time.monotonic() + TIMEOUT
    while b.alive() and rapi.next_calls < 2 and time.monotonic() < deadline:
        time.sleep(0.02)  # polling for "exited" or "asked for the next event"
    assert rapi.next_calls == 1, "the runtime went on to the next event after a 500"
    assert b.wait_exit(TIMEOUT) == 1


def test_runtime_exits_on_500_from_next(rapi, start):
    rapi.set_next_status(500)
    b = start(example_path("hello"), rapi, name="hello")
    assert b.wait_exit(TIMEOUT) == 1  # clambda_run's error; not a crash or a leak report
    assert rapi.next_calls >= 1


# ---- the static binaries and their zips ----

ALL_EXAMPLES = ["hello", "echo", "fail", "stream", "http-api", "extension"]


def _skip_if_sanitized():
    if is_sanitized():
        pytest.skip("CLAMBDA_SANITIZE build: examples are dynamic, unstripped ASan binaries")


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_example_is_static(name):
    _skip_if_sanitized()
    path = example_path(name)
    checked = False
    if shutil.which("file"):
        out = subprocess.run(["file", "-b", str(path)], capture_output=True, text=True).stdout
        assert "ELF" in out, out
        assert "statically linked" in out or "static-pie linked" in out, out
        assert "dynamically linked" not in out, out
        assert ", stripped" in out, out
        checked = True
    if shutil.which("ldd"):
        r = subprocess.run(["ldd", str(path)], capture_output=True, text=True)
        assert "not a dynamic executable" in (r.stdout + r.stderr) or \
            "statically linked" in (r.stdout + r.stderr), r.stdout + r.stderr
        checked = True
    # Either way: no PT_INTERP program header, i.e. no dynamic loader.
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF"
    assert b"/ld-linux" not in data and b"ld-musl" not in data
    if not checked:
        pytest.skip("neither file nor ldd is installed")


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_example_zip_has_bootstrap_at_root_0755(name):
    _skip_if_sanitized()
    path = example_path(name)
    zpath = path.parent / f"{name}.zip"
    assert zpath.exists(), f"{zpath} missing"
    with zipfile.ZipFile(zpath) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["bootstrap"]
        info = infos[0]
        mode = info.external_attr >> 16
        assert mode & 0o777 == 0o755, oct(mode)
        assert stat.S_ISREG(mode) or mode & 0o170000 == 0, oct(mode)
        assert info.create_system == 3, "created on Unix: Lambda reads the mode only then"
        assert z.read("bootstrap") == path.read_bytes()
        assert z.testzip() is None
    assert os.stat(path).st_mode & 0o777 == 0o755


def test_hello_binary_size_limit():
    _skip_if_sanitized()
    size = example_path("hello").stat().st_size
    assert size <= 100 * 1024, f"hello bootstrap is {size} bytes (limit 100 KB)"


def test_hello_zip_size_limit():
    _skip_if_sanitized()
    zsize = (example_path("hello").parent / "hello.zip").stat().st_size
    assert zsize <= 50 * 1024, f"hello.zip is {zsize} bytes (limit 50 KB)"


@pytest.mark.parametrize("name", ["hello", "echo", "fail", "stream"])
def test_example_runs_from_an_unzipped_package(rapi, start, tmp_path, name):
    """Deploy as Lambda does: unzip into a task root and exec ./bootstrap from there."""
    _skip_if_sanitized()
    path = example_path(name)
    with zipfile.ZipFile(path.parent / f"{name}.zip") as z:
        z.extractall(tmp_path)
    boot = tmp_path / "bootstrap"
    os.chmod(boot, (z.getinfo("bootstrap").external_attr >> 16) & 0o777)
    b = Bootstrap(boot, lambda_env(rapi.endpoint, name=name, task_root=str(tmp_path)),
                  cwd=str(tmp_path))
    try:
        rid = rapi.push(b"{}")
        res = rapi.wait_result(rid, TIMEOUT)
        assert res.kind in ("response", "error"), b.output()
        if name == "fail":
            assert res.kind == "error"
        else:
            assert res.kind == "response"
    finally:
        b.kill()
