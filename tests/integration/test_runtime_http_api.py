# SPDX-License-Identifier: MIT
"""examples/http-api against every HTTP event source: the fixtures in tests/fixtures/events/
as they are, then each route of the example in events derived from each source's fixture
(API Gateway REST payload 1.0, HTTP API payload 2.0, Function URL, ALB single- and
multi-value). Checks the response document's shape per source (docs/http.md, "The shapes
written") and that non-HTTP or malformed events fail with errorType InvalidEvent."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from conftest import FIXTURES_DIR, TIMEOUT, example_path

# Source of each fixture: what the response shape must be; "invalid" fixtures must fail.
FIXTURE_SOURCES = {
    "apigw-v1.json": "v1",
    "apigw-v1-nulls.json": "v1",
    "apigw-v2.json": "v2",
    "function-url.json": "v2",
    "alb-single.json": "alb-single",
    "alb-multi.json": "alb-multi",
    "malformed-truncated.json": "invalid",
    "malformed-v1-headers.json": "invalid",
    "malformed-v2-base64.json": "invalid",
    "sqs.json": "not-http",
    "websocket.json": "not-http",
}

# What the example answers to each fixture as it is: (status, body) or None (any answer).
FIXTURE_ANSWERS = {
    "apigw-v1.json": (404, b'{"message":"not found"}'),  # POST /pets/42/photo album
    "apigw-v1-nulls.json": (404, b'{"message":"not found"}'),  # GET /
    "apigw-v2.json": (404, b'{"message":"not found"}'),  # POST /dev/items/a b
    "function-url.json": (200, b"hello World"),  # GET /hello?name=World
    "alb-single.json": (404, b'{"message":"not found"}'),  # GET /lambda
    "alb-multi.json": (404, b'{"message":"not found"}'),  # POST /submit
}


def fixture_files() -> list:
    if not FIXTURES_DIR.is_dir():
        return []
    return sorted(p.name for p in FIXTURES_DIR.glob("*.json"))


def _fixture(name: str) -> bytes:
    p = FIXTURES_DIR / name
    if not p.exists():
        pytest.skip(f"fixture {p} does not exist")
    return p.read_bytes()


def _http_api():
    return example_path("http-api")


class Answer:
    """A response document, read according to the source's shape."""

    def __init__(self, source: str, doc: dict):
        self.source, self.doc = source, doc
        self.status = doc["statusCode"]
        raw = doc.get("body") or ""
        self.body = base64.b64decode(raw) if doc.get("isBase64Encoded") else raw.encode()
        self.headers = {}  # lower-case name -> [values]
        for k, v in (doc.get("headers") or {}).items():
            self.headers.setdefault(k.lower(), []).append(v)
        if source == "v1":
            for k, vs in (doc.get("multiValueHeaders") or {}).items():
                assert k.lower() not in self.headers, f"{k} in both header maps (v1 merges)"
                self.headers[k.lower()] = list(vs)
        if source == "alb-multi":
            self.headers = {k.lower(): list(vs)
                            for k, vs in (doc.get("multiValueHeaders") or {}).items()}
        self.cookies = (list(doc.get("cookies") or []) if source == "v2"
                        else self.headers.get("set-cookie", []))

    def header(self, name: str) -> str | None:
        vs = self.headers.get(name.lower())
        return vs[0] if vs else None


def check_shape(source: str, doc: dict) -> None:
    assert isinstance(doc.get("statusCode"), int)
    assert isinstance(doc.get("body", ""), str)
    assert isinstance(doc.get("isBase64Encoded", False), bool)
    if source == "v1":
        assert "statusDescription" not in doc and "cookies" not in doc
    elif source == "v2":
        assert "statusDescription" not in doc and "multiValueHeaders" not in doc
    else:  # ALB: both maps, and the status line
        code = doc["statusCode"]
        assert doc["statusDescription"].startswith(f"{code} "), doc
        assert "headers" in doc and "multiValueHeaders" in doc
        assert "cookies" not in doc


def run(rapi, start, payload: bytes, source: str):
    """Sends one event to http-api; returns the Answer (or the error Result)."""
    start(_http_api(), rapi, name="http-api")
    rid = rapi.push(payload)
    res = rapi.wait_result(rid, TIMEOUT)
    if source in ("invalid", "not-http"):
        return res
    assert res.kind == "response", (res.kind, res.body[:300])
    assert res.content_type == "application/json"
    doc = json.loads(res.body)
    check_shape(source, doc)
    return Answer(source, doc)


# ---- the fixtures as they are ----

@pytest.mark.parametrize("name", fixture_files() or ["(no fixtures yet)"])
def test_fixture(rapi, start, name):
    if name not in FIXTURE_SOURCES:
        if name.startswith("("):
            pytest.skip(f"no fixtures in {FIXTURES_DIR} yet")
        pytest.fail(f"new fixture {name}: add it to FIXTURE_SOURCES/FIXTURE_ANSWERS")
    source = FIXTURE_SOURCES[name]
    out = run(rapi, start, _fixture(name), source)
    if source in ("invalid", "not-http"):
        assert out.kind == "error" and out.error_type == "InvalidEvent", out
        doc = out.json()
        assert doc["errorType"] == "InvalidEvent"
        want = "not an HTTP event" if source == "not-http" else "invalid argument"
        assert doc["errorMessage"] == want
        return
    status, body = FIXTURE_ANSWERS[name]
    assert (out.status, out.body) == (status, body)


def test_every_fixture_is_known():
    files = fixture_files()
    if not files:
        pytest.skip(f"no fixtures in {FIXTURES_DIR} yet")
    assert sorted(set(files) - set(FIXTURE_SOURCES)) == []


# ---- each route, in events derived from each source's fixture ----

SOURCES = ["v1", "v2", "function-url", "alb-single", "alb-multi"]
SHAPE = {"v1": "v1", "v2": "v2", "function-url": "v2", "alb-single": "alb-single",
         "alb-multi": "alb-multi"}
BASE = {"v1": "apigw-v1.json", "v2": "apigw-v2.json", "function-url": "function-url.json",
        "alb-single": "alb-single.json", "alb-multi": "alb-multi.json"}


def make_event(source: str, method: str, path: str, query: list = (), headers: dict = None,
               cookies: list = (), body: bytes | None = None, binary: bool = False) -> bytes:
    """An event for source built from its fixture. query: [(name, value)] decoded; path and
    header names as a client sends them."""
    ev = json.loads(_fixture(BASE[source]))
    headers = dict(headers or {})
    enc_q = [(_pct(k), _pct(v)) for k, v in query]
    b64 = binary and body is not None
    body_s = (base64.b64encode(body).decode() if b64 else
              body.decode() if body is not None else None)
    if source == "v1":
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        ev.update(httpMethod=method, path=path, resource=path, pathParameters=None,
                  headers=dict(headers), multiValueHeaders={k: [v] for k, v in headers.items()},
                  queryStringParameters={k: v for k, v in query} or None,
                  multiValueQueryStringParameters=_multi(query) or None,
                  body=body_s, isBase64Encoded=b64)
        ev["requestContext"].update(httpMethod=method, path=path, resourcePath=path)
    elif source in ("v2", "function-url"):
        ev.update(rawPath=path, rawQueryString="&".join(f"{k}={v}" for k, v in enc_q),
                  headers={k.lower(): v for k, v in headers.items()},
                  queryStringParameters={k: v for k, v in query} or None,
                  pathParameters=None, isBase64Encoded=b64, routeKey="$default")
        ev.pop("queryStringParameters") if not query else None
        ev.pop("pathParameters", None)
        ev.pop("stageVariables", None)
        if cookies:
            ev["cookies"] = list(cookies)
        else:
            ev.pop("cookies", None)
        if body_s is not None:
            ev["body"] = body_s
        else:
            ev.pop("body", None)
        ev["requestContext"]["http"].update(method=method, path=path)
        ev["requestContext"].update(stage="$default", routeKey="$default")
    else:  # ALB: query values arrive percent-encoded, as the client sent them
        if cookies:
            headers["cookie"] = "; ".join(cookies)
        h = {k.lower(): v for k, v in headers.items()}
        ev.update(httpMethod=method, path=path, body=body_s or "", isBase64Encoded=b64)
        if source == "alb-single":
            ev.update(queryStringParameters={k: v for k, v in enc_q}, headers=h)
        else:
            ev.update(multiValueQueryStringParameters=_multi(enc_q),
                      multiValueHeaders={k: [v] for k, v in h.items()})
    return json.dumps(ev).encode()


def _pct(s: str) -> str:
    out = []
    for b in s.encode():
        c = chr(b)
        out.append(c if c.isalnum() and b < 0x80 or c in "-._~" else f"%{b:02X}")
    return "".join(out)


def _multi(pairs) -> dict:
    m = {}
    for k, v in pairs:
        m.setdefault(k, []).append(v)
    return m


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name,expected", [("World", "hello World"),
                                           ("J\u00f6rg M", "hello J\u00f6rg M"),
                                           (None, "hello world")])
def test_route_hello(rapi, start, source, name, expected):
    query = [("name", name)] if name is not None else []
    a = run(rapi, start, make_event(source, "GET", "/hello", query), SHAPE[source])
    assert a.status == 200
    assert a.body == expected.encode()
    assert a.header("Content-Type") == "text/plain; charset=utf-8"
    assert a.doc.get("isBase64Encoded") is False
    if SHAPE[source].startswith("alb"):
        assert a.doc["statusDescription"] == "200 OK"


@pytest.mark.parametrize("source", SOURCES)
def test_route_headers_and_cookie(rapi, start, source):
    ev = make_event(source, "GET", "/headers", headers={"X-Test": "v\"1\\"},
                    cookies=["other=2", "session=s3cr3t"])
    a = run(rapi, start, ev, SHAPE[source])
    assert a.status == 200
    assert json.loads(a.body) == {"x-test": "v\"1\\", "session": "s3cr3t"}
    assert a.header("Content-Type") == "application/json"


@pytest.mark.parametrize("source", SOURCES)
def test_route_headers_absent(rapi, start, source):
    a = run(rapi, start, make_event(source, "GET", "/headers"), SHAPE[source])
    assert json.loads(a.body) == {"x-test": None, "session": None}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("ctype,body,binary", [
    ("text/plain", b"hello body \xe2\x82\xac", False),
    ("application/json", b'{"k":[1,2,3]}', False),
    ("application/octet-stream", bytes(range(256)), True),
    ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00", True),
])
def test_route_echo(rapi, start, source, ctype, body, binary):
    ev = make_event(source, "POST", "/echo", headers={"Content-Type": ctype}, body=body,
                    binary=binary)
    a = run(rapi, start, ev, SHAPE[source])
    assert a.status == 200
    assert a.body == body
    assert a.header("Content-Type") == ctype
    assert a.doc["isBase64Encoded"] is (binary or not ctype.startswith(("text/", "application/json")))


@pytest.mark.parametrize("source", SOURCES)
def test_route_cookie(rapi, start, source):
    a = run(rapi, start, make_event(source, "GET", "/cookie"), SHAPE[source])
    assert a.status == 200 and a.body == b"cookies set"
    want = ["session=abc123; Path=/; HttpOnly", "theme=dark; Path=/; Max-Age=3600"]
    if SHAPE[source] == "alb-single":
        # Single-value ALB keeps one Set-Cookie: the last (docs/http.md).
        assert a.cookies == want[-1:]
    else:
        assert a.cookies == want
    if SHAPE[source] == "v2":
        assert "set-cookie" not in a.headers


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("method,path", [("GET", "/nope"), ("POST", "/hello"),
                                         ("GET", "/echo"), ("DELETE", "/cookie")])
def test_route_not_found(rapi, start, source, method, path):
    a = run(rapi, start, make_event(source, method, path), SHAPE[source])
    assert a.status == 404
    assert json.loads(a.body) == {"message": "not found"}
    assert a.header("Content-Type") == "application/json"
    if SHAPE[source].startswith("alb"):
        assert a.doc["statusDescription"] == "404 Not Found"


def test_many_events_on_one_connection(rapi, start):
    start(_http_api(), rapi, name="http-api")
    for i in range(20):
        source = SOURCES[i % len(SOURCES)]
        rid = rapi.push(make_event(source, "GET", "/hello", [("name", str(i))]))
        res = rapi.wait_result(rid, TIMEOUT)
        assert Answer(SHAPE[source], json.loads(res.body)).body == f"hello {i}".encode()
    rid = rapi.push(b'{"Records":[]}')
    assert rapi.wait_result(rid, TIMEOUT).error_type == "InvalidEvent"
    assert rapi.connections_accepted == 1
