# SPDX-License-Identifier: MIT
"""clambda-web-adapter (adapter/) against the Python Runtime API server (rapi_server.py, whose
minimal Extensions API takes the adapter's registration) and an unmodified web app
(web_app.py, Python's http.server): API Gateway v1 and v2, Function URL and ALB (single- and
multi-value) events to HTTP requests and back, binary bodies both ways, cookies, multi-value
headers, query strings, response streaming, the readiness check, the pass-through path, the
base path, error statuses and the layer zip."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import zipfile

import pytest

from conftest import FIXTURES_DIR, HERE, TIMEOUT, build_dir
from test_runtime_http_api import SHAPE, SOURCES, Answer, check_shape, make_event

STREAM_TYPE = "application/vnd.awslambda.http-integration-response"


def adapter_path() -> pathlib.Path:
    b = build_dir()
    if b is None:
        pytest.skip("CLAMBDA_BUILD_DIR is not set (run through ctest)")
    p = b / "adapter" / "clambda-web-adapter"
    if not p.exists():
        pytest.skip(f"{p} is not built")
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app():
    """app(*args) -> port: starts web_app.py on a free port; killed at teardown."""
    procs = []

    def _start(*args, port: int | None = None, wait: bool = True) -> int:
        port = port or free_port()
        p = subprocess.Popen([sys.executable, str(HERE / "web_app.py"), str(port), *args],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        procs.append(p)
        if wait:
            assert p.stdout.readline().startswith(b"web_app: listening"), "web app did not start"
        return port

    yield _start
    for p in procs:
        p.kill()
        p.wait(10)
        p.stdout.close()


@pytest.fixture
def adapter(start, rapi, tmp_path):
    """adapter(port, env={...}) -> Bootstrap: the adapter for the app on port, installed as
    <tmp>/extensions/lambda-adapter (the layer's name) and started against rapi."""

    def _start(port: int, env: dict | None = None):
        ext_dir = tmp_path / "extensions"
        ext_dir.mkdir(exist_ok=True)
        exe = ext_dir / "lambda-adapter"
        if not exe.exists():
            exe.symlink_to(adapter_path())
        e = {"AWS_LWA_PORT": str(port)}
        e.update(env or {})
        return start(exe, rapi, name="web", env=e)

    return _start


def invoke(rapi, event: bytes, **kw):
    rid = rapi.push(event, **kw)
    return rapi.wait_result(rid, TIMEOUT)


def http_answer(res, source: str) -> Answer:
    assert res.kind == "response", (res.kind, res.error_type, res.body[:300])
    doc = json.loads(res.body)
    check_shape(SHAPE[source], doc)
    return Answer(SHAPE[source], doc)


def echo_of(a: Answer) -> dict:
    """The web app's /echo document from an answer."""
    assert a.status == 200, (a.status, a.body[:300])
    return json.loads(a.body)


def app_headers(echo: dict, name: str) -> list:
    return [v for k, v in echo["headers"] if k.lower() == name.lower()]


# Raw path per source: v2/Function URL/ALB deliver it percent-encoded, v1 decoded.
def event_path(source: str, path: str) -> str:
    return path.replace("%20", " ") if source == "v1" else path


# ---- HTTP events to requests and back ----

@pytest.mark.parametrize("source", SOURCES)
def test_request_conversion(rapi, app, adapter, source):
    port = app()
    adapter(port)
    query = [("x", "1"), ("x", "2"), ("y", "\u00e9 &=")]
    ev = make_event(source, "GET", event_path(source, "/echo/a%20b"), query,
                    headers={"X-Test": "v1", "Accept": "text/plain"}, cookies=["a=1", "b=2"])
    res = invoke(rapi, ev, trace_id="Root=1-65bcc0d0-0123456789abcdef01234567",
                 tenant_id="tenant-7")
    echo = echo_of(http_answer(res, source))
    assert echo["method"] == "GET"
    # ALB's single-value mode keeps the last value of a repeated key
    want_x = "x=2" if source == "alb-single" else "x=1&x=2"
    assert echo["target"] == f"/echo/a%20b?{want_x}&y=%C3%A9%20%26%3D"
    assert app_headers(echo, "X-Test") == ["v1"]
    assert app_headers(echo, "Cookie") == ["a=1; b=2"]
    assert app_headers(echo, "x-amzn-trace-id") == ["Root=1-65bcc0d0-0123456789abcdef01234567"]
    assert app_headers(echo, "x-amz-tenant-id") == ["tenant-7"]
    ctx = json.loads(app_headers(echo, "x-amzn-request-context")[0])
    assert ctx == json.loads(ev)["requestContext"]
    lctx = json.loads(app_headers(echo, "x-amzn-lambda-context")[0])
    assert lctx["request_id"] == res.request_id
    assert lctx["invoked_function_arn"] == rapi.function_arn
    assert lctx["env_config"]["function_name"] == "web"
    assert len(app_headers(echo, "Host")) == 1
    assert app_headers(echo, "Content-Length") in ([], ["0"])


@pytest.mark.parametrize("source", SOURCES)
def test_post_body_and_methods(rapi, app, adapter, source):
    adapter(app())
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        body = f'{{"m":"{method}","t":"\u20ac"}}'.encode()
        ev = make_event(source, method, "/echo", headers={"Content-Type": "application/json"},
                        body=body)
        a = http_answer(invoke(rapi, ev), source)
        echo = echo_of(a)
        assert echo["method"] == method
        assert base64.b64decode(echo["body"]) == body
        assert app_headers(echo, "Content-Length") == [str(len(body))]
        assert a.header("Content-Type") == "application/json"
        assert a.doc["isBase64Encoded"] is False


@pytest.mark.parametrize("source", SOURCES)
def test_binary_bodies_both_ways(rapi, app, adapter, source):
    adapter(app())
    data = bytes(range(256)) * 3
    ev = make_event(source, "POST", "/echo", headers={"Content-Type": "application/octet-stream"},
                    body=data, binary=True)
    echo = echo_of(http_answer(invoke(rapi, ev), source))
    assert base64.b64decode(echo["body"]) == data

    a = http_answer(invoke(rapi, make_event(source, "GET", "/binary")), source)
    assert a.status == 200
    assert a.doc["isBase64Encoded"] is True
    assert a.body == bytes(range(256))
    assert a.header("Content-Type") == "image/png"


@pytest.mark.parametrize("source", SOURCES)
def test_cookies_and_multi_value_response_headers(rapi, app, adapter, source):
    adapter(app())
    a = http_answer(invoke(rapi, make_event(source, "GET", "/cookies")), source)
    assert a.status == 200 and a.body == b"cookies set"
    assert a.doc["isBase64Encoded"] is False
    want = ["a=1; Path=/", "b=2; HttpOnly"]
    if SHAPE[source] == "alb-single":
        assert a.cookies == want[-1:]  # one value per name in single-value mode
        assert a.header("X-Multi") == "one,two"
    elif SHAPE[source] == "v2":
        assert a.cookies == want
        assert "set-cookie" not in a.headers
        assert a.header("X-Multi") == "one,two"
    else:
        assert a.cookies == want
        assert a.headers["x-multi"] == ["one", "two"]


@pytest.mark.parametrize("source", ["v1", "alb-multi"])
def test_multi_value_request_headers(rapi, app, adapter, source):
    adapter(app())
    ev = json.loads(make_event(source, "GET", "/echo", headers={"X-Multi": "b"}))
    name = "X-Multi" if source == "v1" else "x-multi"
    ev["multiValueHeaders"][name] = ["a", "b"]
    echo = echo_of(http_answer(invoke(rapi, json.dumps(ev).encode()), source))
    assert app_headers(echo, "X-Multi") == ["a", "b"]


def test_v2_headers_arrive_as_sent(rapi, app, adapter):
    adapter(app())
    fixture = (FIXTURES_DIR / "apigw-v2.json").read_bytes()
    echo = echo_of(http_answer(invoke(rapi, fixture), "v2"))
    assert echo["method"] == "POST"
    assert echo["target"].startswith("/dev/items/")  # rawPath, stage prefix kept as LWA
    assert app_headers(echo, "x-test") == ["one,two"]
    assert app_headers(echo, "Cookie") == ['session=s3cr3t; theme="dark"; lang=en']
    assert app_headers(echo, "Host") == ["p4q7r8s9t0.execute-api.us-east-2.amazonaws.com"]
    # the event's content-length is the client's; the app gets the decoded body's
    assert app_headers(echo, "Content-Length") == [str(len(base64.b64decode(echo["body"])))]


def test_head_request(rapi, app, adapter):
    adapter(app())
    a = http_answer(invoke(rapi, make_event("v2", "HEAD", "/echo")), "v2")
    assert a.status == 200 and a.body == b""


def test_one_connection_to_the_app(rapi, app, adapter):
    adapter(app())
    peers = set()
    for i in range(6):
        source = SOURCES[i % len(SOURCES)]
        peers.add(echo_of(http_answer(invoke(rapi, make_event(source, "GET", "/echo")),
                                      source))["peer"])
    assert len(peers) == 1
    assert rapi.connections_accepted <= 3  # register, event/next, runtime


def test_close_delimited_answer_then_reconnect(rapi, app, adapter):
    adapter(app())
    for _ in range(2):
        a = http_answer(invoke(rapi, make_event("v2", "GET", "/close")), "v2")
        assert (a.status, a.body) == (200, b"until close")
    assert echo_of(http_answer(invoke(rapi, make_event("v2", "GET", "/echo")), "v2"))


def test_large_bodies(rapi, app, adapter):
    adapter(app())
    data = bytes(i % 253 for i in range(1 << 20))
    ev = make_event("v1", "PUT", "/echo", headers={"Content-Type": "application/octet-stream"},
                    body=data, binary=True)
    echo = echo_of(http_answer(invoke(rapi, ev), "v1"))
    assert base64.b64decode(echo["body"]) == data
    n = 4 << 20  # 5.3 MB once base64-encoded: under the 6 MB limit
    a = http_answer(invoke(rapi, make_event("function-url", "GET", "/big", [("n", str(n))])),
                    "function-url")
    assert a.doc["isBase64Encoded"] is True
    assert a.body == bytes(i % 251 for i in range(n))


# ---- configuration ----

def test_remove_base_path(rapi, app, adapter):
    adapter(app(), {"AWS_LWA_REMOVE_BASE_PATH": "/api"})
    for path, want in (("/api/echo/x", "/echo/x"), ("/api", "/"), ("/echo/api", "/echo/api")):
        ev = make_event("v2", "GET", path, [("q", "1")])
        a = http_answer(invoke(rapi, ev), "v2")
        if want.startswith("/echo"):
            assert echo_of(a)["target"] == want + "?q=1"
        else:
            assert (a.status, a.body) == (200, b"ok")


def test_error_status_codes(rapi, app, adapter):
    adapter(app(), {"AWS_LWA_ERROR_STATUS_CODES": "500,502-504"})
    res = invoke(rapi, make_event("v2", "GET", "/status/503"))
    assert res.kind == "error"
    assert res.error_type == "WebAdapter.ErrorStatusCode"
    assert res.error_json()["errorMessage"] == \
        "Request failed with configured error status code: 503"
    a = http_answer(invoke(rapi, make_event("v2", "GET", "/status/404")), "v2")
    assert (a.status, a.body) == (404, b"status 404")


def test_authorization_source(rapi, app, adapter):
    adapter(app(), {"AWS_LWA_AUTHORIZATION_SOURCE": "X-Api-Auth"})
    ev = make_event("v1", "GET", "/echo", headers={"X-Api-Auth": "Bearer t",
                                                   "Authorization": "old"})
    echo = echo_of(http_answer(invoke(rapi, ev), "v1"))
    assert app_headers(echo, "Authorization") == ["Bearer t"]
    assert app_headers(echo, "X-Api-Auth") == []


def test_authorization_source_is_authorization(rapi, app, adapter):
    adapter(app(), {"AWS_LWA_AUTHORIZATION_SOURCE": "authorization"})
    ev = make_event("v2", "GET", "/echo", headers={"Authorization": "Basic x"})
    assert app_headers(echo_of(http_answer(invoke(rapi, ev), "v2")), "Authorization") == \
        ["Basic x"]


# ---- non-HTTP events ----

def test_pass_through_sqs_event(rapi, app, adapter):
    adapter(app())
    sqs = (FIXTURES_DIR / "sqs.json").read_bytes()
    res = invoke(rapi, sqs)
    assert res.kind == "response", res
    doc = json.loads(res.body)
    assert doc == {"path": "/events", "content_type": "application/json",
                   "event": json.loads(sqs)}


def test_pass_through_non_json_answer_is_null(rapi, app, adapter):
    adapter(app(), {"AWS_LWA_PASS_THROUGH_PATH": "/not-json"})
    res = invoke(rapi, b'{"source":"aws.events","detail":{}}')
    assert res.kind == "response" and res.body == b"null"


# ---- streaming ----

def test_response_stream(rapi, app, adapter):
    adapter(app(), {"AWS_LWA_INVOKE_MODE": "response_stream"})
    res = invoke(rapi, make_event("function-url", "GET", "/stream", [("n", "4")]))
    assert res.kind == "response", (res.kind, res.error_type, res.body[:300])
    assert res.streamed and res.content_type == STREAM_TYPE
    prelude, sep, body = res.body.partition(b"\0" * 8)
    assert sep
    head = json.loads(prelude)
    assert head["statusCode"] == 200
    assert head["headers"]["Content-Type"] == "text/plain"
    assert "Transfer-Encoding" not in head["headers"]
    assert head["cookies"] == ["s=1"]
    assert body == b"chunk 0\nchunk 1\nchunk 2\nchunk 3\n"
    # The app writes a chunk every 200 ms: they reach the platform as they come.
    assert len(res.chunks) >= 4
    assert res.chunks[-1].t - res.chunks[0].t >= 0.4


def test_response_stream_binary_and_buffered_pass_through(rapi, app, adapter):
    adapter(app(), {"AWS_LWA_INVOKE_MODE": "response_stream"})
    res = invoke(rapi, make_event("v2", "GET", "/binary"))
    prelude, _, body = res.body.partition(b"\0" * 8)
    assert json.loads(prelude)["headers"]["Content-Type"] == "image/png"
    assert body == bytes(range(256))
    res = invoke(rapi, (FIXTURES_DIR / "sqs.json").read_bytes())
    assert not res.streamed and json.loads(res.body)["path"] == "/events"


# ---- init: registration and the readiness check ----

def test_registers_and_waits_for_a_slow_app(rapi, app, adapter):
    port = free_port()
    t0 = time.monotonic()
    b = adapter(port)
    rapi.wait_for(lambda s: s.extension_next_calls >= 1, TIMEOUT, "extension init done")
    assert rapi.extensions[0]["name"] == "lambda-adapter"
    assert rapi.extensions[0]["events"] == []
    # The app listens after 1 s, then answers 503 for 1.5 s more: no runtime next before it is
    # ready (2.5 s after its start at the earliest).
    t_app = time.monotonic()
    app("--delay", "1.0", "--unhealthy", "1.5", port=port, wait=False)
    time.sleep(2.0)
    assert rapi.next_calls == 0, b.output()
    rapi.wait_next_waiting(1, TIMEOUT)
    assert time.monotonic() - t_app >= 2.5
    assert time.monotonic() - t0 >= 2.5
    a = http_answer(invoke(rapi, make_event("v2", "GET", "/echo")), "v2")
    assert a.status == 200


def test_readiness_tcp_and_healthy_status(rapi, app, adapter):
    # /status/404 is "healthy" by default (100-499); with 200-299 only, a TCP check still
    # passes because it only connects.
    port = app()
    adapter(port, {"AWS_LWA_READINESS_CHECK_PATH": "/status/404"})
    rapi.wait_next_waiting(1, TIMEOUT)


def test_readiness_unhealthy_status_keeps_waiting(rapi, app, adapter):
    port = app()
    adapter(port, {"AWS_LWA_READINESS_CHECK_PATH": "/status/404",
                   "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS": "200-299"})
    time.sleep(1.0)
    assert rapi.next_calls == 0
    rapi.stop()


def test_readiness_tcp(rapi, app, adapter):
    port = app()
    adapter(port, {"AWS_LWA_READINESS_CHECK_PATH": "/status/500",
                   "AWS_LWA_READINESS_CHECK_PROTOCOL": "tcp"})
    rapi.wait_next_waiting(1, TIMEOUT)


def test_async_init_gives_up_then_checks_on_first_invoke(rapi, app, adapter):
    port = free_port()
    adapter(port, {"AWS_LWA_ASYNC_INIT": "true"})
    t0 = time.monotonic()
    rapi.wait_next_waiting(1, 30)
    assert time.monotonic() - t0 >= 9.0  # LWA's 9.8 s
    rid = rapi.push(make_event("v2", "GET", "/echo"))
    time.sleep(0.3)
    assert rapi.result(rid) is None  # waiting for the app
    app(port=port)
    a = http_answer(rapi.wait_result(rid, TIMEOUT), "v2")
    assert a.status == 200


# ---- packaging ----

def test_layer_zip():
    adapter_path()
    z = build_dir() / "adapter" / "clambda-web-adapter-layer.zip"
    with zipfile.ZipFile(z) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert {"extensions/lambda-adapter", "bootstrap"} <= set(infos)
        for name in ("extensions/lambda-adapter", "bootstrap"):
            assert (infos[name].external_attr >> 16) & 0o777 == 0o755
        assert zf.read("bootstrap").startswith(b"#!/bin/sh")
        assert zf.read("extensions/lambda-adapter")[:4] == b"\x7fELF"


def test_layer_bootstrap_execs_the_handler(tmp_path):
    adapter_path()
    task = tmp_path / "task"
    task.mkdir()
    (task / "run.sh").write_text("#!/bin/sh\necho started \"$@\"\n")
    os.chmod(task / "run.sh", 0o755)
    out = subprocess.run([str(HERE.parent.parent / "adapter" / "bootstrap"), "node", "x.js"],
                         env={"LAMBDA_TASK_ROOT": str(task), "_HANDLER": "run.sh",
                              "PATH": os.environ["PATH"]},
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0 and out.stdout == "started\n"


def test_layer_end_to_end(rapi, start, tmp_path):
    """As Lambda runs a function with the layer: the platform starts /opt/extensions/*, waits
    for their registration, then runs the runtime's bootstrap (here the layer's /opt/bootstrap,
    which execs the handler script starting the web app); the adapter takes the events."""
    adapter_path()
    opt = tmp_path / "opt"
    with zipfile.ZipFile(build_dir() / "adapter" / "clambda-web-adapter-layer.zip") as zf:
        zf.extractall(opt)
    for name in ("extensions/lambda-adapter", "bootstrap"):
        os.chmod(opt / name, 0o755)  # zipfile does not restore modes
    task = tmp_path / "task"
    task.mkdir()
    (task / "run.sh").write_text(f"#!/bin/sh\nexec {sys.executable} {HERE / 'web_app.py'} "
                                 "\"$AWS_LWA_PORT\"\n")
    os.chmod(task / "run.sh", 0o755)
    port = str(free_port())
    runtime_only = {k: None for k in ("_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
                                      "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
                                      "AWS_XRAY_CONTEXT_MISSING")}
    ext = start(opt / "extensions" / "lambda-adapter", rapi, name="web",
                env={"AWS_LWA_PORT": port, **runtime_only})
    rapi.wait_for(lambda s: len(s.extensions) == 1, TIMEOUT, "registration")
    assert rapi.next_calls == 0
    start(opt / "bootstrap", rapi, name="web",
          env={"AWS_LWA_PORT": port, "LAMBDA_TASK_ROOT": str(task), "_HANDLER": "run.sh"})
    a = http_answer(invoke(rapi, make_event("function-url", "GET", "/echo/e2e", [("a", "b")])),
                    "function-url")
    assert echo_of(a)["target"] == "/echo/e2e?a=b", ext.output()
