# SPDX-License-Identifier: MIT
"""Self-tests of the test Runtime API server (rapi_server.py) with a raw HTTP client: the
conformance table of spec section 12 for next, response, error and init/error. These need no
build, so a broken server is caught before it can blame the library."""

from __future__ import annotations

import base64
import json
import select
import socket
import threading
import time

import pytest

from conftest import ipv6_loopback_available
from rapi_client import RawClient
from rapi_server import MAX_RESPONSE, RuntimeAPIServer

NEXT = "/2018-06-01/runtime/invocation/next"
INIT_ERROR = "/2018-06-01/runtime/init/error"


def inv_path(rid: str, what: str) -> str:
    return f"/2018-06-01/runtime/invocation/{rid}/{what}"


def fetch(c: RawClient, srv: RuntimeAPIServer, payload=b"{}", **kw):
    rid = srv.push(payload, **kw)
    r = c.request("GET", NEXT)
    assert r.status == 200
    assert r.headers["Lambda-Runtime-Aws-Request-Id"] == rid
    return rid, r


def test_next_blocks_until_an_event_is_queued(rapi):
    with RawClient.to(rapi) as c:
        c.send_request("GET", NEXT)
        rapi.wait_next_waiting(1)
        # Nothing queued: no answer may come (a negative check, so a short wait is fine).
        r, _, _ = select.select([c.sock], [], [], 0.3)
        assert not r, "next answered with no event queued"
        rid = rapi.push(b'{"k":"v"}')
        resp = c.read_response()
        assert resp.status == 200
        assert resp.body == b'{"k":"v"}'
        assert resp.headers["Lambda-Runtime-Aws-Request-Id"] == rid


def test_next_sends_every_header_and_the_exact_body(rapi):
    payload = bytes(range(256)) * 4
    with RawClient.to(rapi) as c:
        before = int(time.time() * 1000)
        rid, r = fetch(c, rapi, payload, timeout_ms=3000, trace_id="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
                       client_context='{"custom":{"a":"b"}}',
                       cognito_identity='{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
                       tenant_id="tenant-1", content_type="application/octet-stream",
                       function_arn="arn:aws:lambda:us-east-2:123456789012:function:f:prod")
        after = int(time.time() * 1000)
    h = r.headers
    assert r.body == payload
    assert before + 3000 <= int(h["Lambda-Runtime-Deadline-Ms"]) <= after + 3000
    assert h["Lambda-Runtime-Invoked-Function-Arn"].endswith(":function:f:prod")
    assert h["Lambda-Runtime-Trace-Id"].startswith("Root=1-5759e988")
    assert json.loads(h["Lambda-Runtime-Client-Context"]) == {"custom": {"a": "b"}}
    assert "cognitoIdentityPoolId" in h["Lambda-Runtime-Cognito-Identity"]
    assert h["Lambda-Runtime-Aws-Tenant-Id"] == "tenant-1"
    assert h["Content-Type"] == "application/octet-stream"
    assert int(h["Content-Length"]) == len(payload)


def test_next_omits_optional_headers_when_absent(rapi):
    with RawClient.to(rapi) as c:
        _, r = fetch(c, rapi, b"{}")
    for name in ("Lambda-Runtime-Trace-Id", "Lambda-Runtime-Client-Context",
                 "Lambda-Runtime-Cognito-Identity", "Lambda-Runtime-Aws-Tenant-Id"):
        assert name not in r.headers
    assert r.headers["Content-Type"] == "application/json"


# (name, what the client does after fetching invocation `rid`, expected status, errorType)
POST_CASES = [
    ("response", lambda c, rid: c.request("POST", inv_path(rid, "response"), b'{"ok":1}'),
     202, None),
    ("error", lambda c, rid: c.request("POST", inv_path(rid, "error"), b'{"errorType":"X"}',
                                       headers=[("Lambda-Runtime-Function-Error-Type", "X")]),
     202, None),
    ("unknown id", lambda c, rid: c.request("POST", inv_path("nope", "response"), b"x"),
     400, "InvalidRequestID"),
    ("unknown id error", lambda c, rid: c.request("POST", inv_path("nope", "error"), b"x"),
     400, "InvalidRequestID"),
    ("empty id", lambda c, rid: c.request("POST", inv_path("", "response"), b"x"),
     400, "InvalidRequestID"),
    ("bad response mode",
     lambda c, rid: c.request("POST", inv_path(rid, "response"), b"x",
                              headers=[("Lambda-Runtime-Function-Response-Mode", "buffered")]),
     400, "InvalidFunctionResponseMode"),
    ("limit exactly", lambda c, rid: c.request("POST", inv_path(rid, "response"),
                                               b"a" * MAX_RESPONSE), 202, None),
    ("limit + 1", lambda c, rid: c.request("POST", inv_path(rid, "response"),
                                           b"a" * (MAX_RESPONSE + 1)),
     413, "RequestEntityTooLarge"),
    ("chunked buffered", lambda c, rid: c.request("POST", inv_path(rid, "response"),
                                                  chunks=[b"ab", b"cd"]), 202, None),
    ("init error after next", lambda c, rid: c.request("POST", INIT_ERROR, b"{}"),
     403, "InvalidStateTransition"),
    ("unknown path", lambda c, rid: c.request("GET", "/2018-06-01/runtime/nothing"), 404, None),
    ("wrong method", lambda c, rid: c.request("GET", inv_path(rid, "response")), 405, None),
    ("next wrong method", lambda c, rid: c.request("POST", NEXT, b""), 405, None),
]


@pytest.mark.parametrize("name,act,status,etype", POST_CASES, ids=[c[0] for c in POST_CASES])
def test_post_conformance(rapi, name, act, status, etype):
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        r = act(c, rid)
        assert r.status == status, r
        assert r.headers["Content-Type"] == "application/json"
        if status == 202:
            assert r.json() == {"status": "OK"}
        if etype is not None:
            doc = r.json()
            assert doc["errorType"] == etype
            assert isinstance(doc["errorMessage"], str) and doc["errorMessage"]
        # The connection stays usable after every answer (keep-alive).
        r2 = c.request("POST", inv_path("nope", "response"), b"x")
        assert r2.status == 400
    assert rapi.connections_accepted == 1


# Answering twice: whatever the first answer was, a second one is a state error.
@pytest.mark.parametrize("first", ["response", "error"])
@pytest.mark.parametrize("second", ["response", "error"])
def test_second_answer_is_403(rapi, first, second):
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        assert c.request("POST", inv_path(rid, first), b"{}").status == 202
        r = c.request("POST", inv_path(rid, second), b"{}")
        assert r.status == 403
        assert r.json()["errorType"] == "InvalidStateTransition"
        assert rapi.wait_result(rid).kind == first


def test_previous_invocation_id_is_400_once_the_next_is_current(rapi):
    with RawClient.to(rapi) as c:
        rid1, _ = fetch(c, rapi)
        assert c.request("POST", inv_path(rid1, "response"), b"1").status == 202
        rid2, _ = fetch(c, rapi)
        r = c.request("POST", inv_path(rid1, "response"), b"1")
        assert r.status == 400 and r.json()["errorType"] == "InvalidRequestID"
        assert c.request("POST", inv_path(rid2, "response"), b"2").status == 202


def test_expired_invocation_rejects_a_late_answer(rapi):
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        assert rapi.expire(rid)
        r = c.request("POST", inv_path(rid, "response"), b"late")
        assert r.status == 400
        assert rapi.wait_result(rid).kind == "timeout"


def test_response_is_recorded_with_headers(rapi):
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        c.request("POST", inv_path(rid, "response"), b"\x00\xffbin",
                  headers=[("Content-Type", "application/x-thing")])
    res = rapi.wait_result(rid)
    assert (res.kind, res.body, res.content_type) == ("response", b"\x00\xffbin",
                                                      "application/x-thing")
    assert not res.streamed and not res.chunked


def test_error_is_recorded_with_type_header(rapi):
    doc = {"errorMessage": "m", "errorType": "T", "stackTrace": []}
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        c.request("POST", inv_path(rid, "error"), json.dumps(doc).encode(),
                  headers=[("Lambda-Runtime-Function-Error-Type", "Function.T")])
    res = rapi.wait_result(rid)
    assert res.kind == "error" and res.error_type == "Function.T"
    assert res.error_json() == doc


@pytest.mark.parametrize("with_error", [False, True])
def test_streamed_response_with_chunks_and_trailers(rapi, with_error):
    err = {"errorMessage": "boom", "errorType": "Stream.Err", "stackTrace": []}
    trailers = []
    if with_error:
        trailers = [("Lambda-Runtime-Function-Error-Type", "Stream.Err"),
                    ("Lambda-Runtime-Function-Error-Body",
                     base64.b64encode(json.dumps(err).encode()).decode())]
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        r = c.request("POST", inv_path(rid, "response"), chunks=[b"one", b"two", b"three"],
                      headers=[("Lambda-Runtime-Function-Response-Mode", "streaming"),
                               ("Trailer", "Lambda-Runtime-Function-Error-Type, "
                                           "Lambda-Runtime-Function-Error-Body")],
                      trailers=trailers)
        assert r.status == 202
    res = rapi.wait_result(rid)
    assert res.streamed and res.chunked
    assert res.body == b"onetwothree"
    assert [ch.size for ch in res.chunks] == [3, 3, 5]
    if with_error:
        assert res.kind == "error" and res.error_type == "Stream.Err"
        assert res.error_json() == err
    else:
        assert res.kind == "response" and len(res.trailers) == 0


def test_streamed_response_may_exceed_the_buffered_limit(rapi):
    piece = b"s" * (1 << 20)
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        r = c.request("POST", inv_path(rid, "response"), chunks=[piece] * 7,
                      headers=[("Lambda-Runtime-Function-Response-Mode", "streaming")])
        assert r.status == 202
    assert len(rapi.wait_result(rid).body) == 7 << 20


def test_chunk_extensions_and_uppercase_hex_are_accepted(rapi):
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        head = (f"POST {inv_path(rid, 'response')} HTTP/1.1\r\n"
                "Transfer-Encoding: chunked\r\n\r\n").encode()
        c.send_raw(head + b"A;name=val\r\n0123456789\r\n0\r\n\r\n")
        assert c.read_response().status == 202
    assert rapi.wait_result(rid).body == b"0123456789"


def test_oversize_with_close_policy_answers_413_and_closes():
    with RuntimeAPIServer(oversize_policy="close") as srv, RawClient.to(srv) as c:
        rid, _ = fetch(c, srv)
        # The answer comes on the head alone; the unread body is never sent.
        c.send_raw((f"POST {inv_path(rid, 'response')} HTTP/1.1\r\n"
                    f"Content-Length: {MAX_RESPONSE + 1}\r\n\r\n").encode())
        r = c.read_response()
        assert r.status == 413 and r.headers.get("Connection") == "close"
        assert srv.wait_result(rid).error_type == "Function.ResponseSizeTooLarge"


def test_init_error_before_first_next(rapi):
    with RawClient.to(rapi) as c:
        r = c.request("POST", INIT_ERROR, b'{"errorMessage":"x","errorType":"Init.X"}',
                      headers=[("Lambda-Runtime-Function-Error-Type", "Init.X")])
        assert r.status == 202 and r.json() == {"status": "OK"}
    res = rapi.wait_init_error()
    assert res.kind == "init_error" and res.error_type == "Init.X"
    assert json.loads(res.body)["errorType"] == "Init.X"


def test_keep_alive_many_invocations_on_one_connection(rapi):
    with RawClient.to(rapi) as c:
        for i in range(50):
            rid, r = fetch(c, rapi, f'{{"i":{i}}}'.encode())
            assert c.request("POST", inv_path(rid, "response"), r.body).status == 202
            assert rapi.wait_result(rid).body == r.body
    assert rapi.connections_accepted == 1
    assert rapi.violations == []


def test_connection_close_is_honoured(rapi):
    with RawClient.to(rapi) as c:
        r = c.request("GET", "/nothing", headers=[("Connection", "close")])
        assert r.status == 404
        assert c.is_closed_by_peer()


@pytest.mark.parametrize("raw", [
    b"GET /2018-06-01/runtime/invocation/next HTTP/1.0\r\n\r\n",
    b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\n\n",
    b"GET  /x HTTP/1.1\r\n\r\n",
    b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    b"GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n",
])
def test_malformed_requests_are_400_and_recorded(rapi, raw):
    with RawClient.to(rapi) as c:
        c.send_raw(raw)
        r = c.read_response()
        assert r.status == 400
        assert c.is_closed_by_peer()
    rapi.wait_for(lambda s: s.violations, what="a recorded violation")


def test_stop_and_restart_on_the_same_port_keeps_queued_events(rapi):
    port = rapi.port
    c = RawClient.to(rapi)
    c.send_request("GET", NEXT)
    rapi.wait_next_waiting(1)
    rapi.stop()
    rid = rapi.push(b'{"queued":true}')
    with pytest.raises((ConnectionError, OSError)):
        c.read_response()
    c.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    rapi.restart()
    assert rapi.port == port
    with RawClient.to(rapi) as c2:
        r = c2.request("GET", NEXT)
        assert r.status == 200 and r.headers["Lambda-Runtime-Aws-Request-Id"] == rid
    assert rapi.connections_accepted == 2


def test_a_waiter_that_left_does_not_swallow_the_event(rapi):
    c1 = RawClient.to(rapi)
    c1.send_request("GET", NEXT)
    rapi.wait_next_waiting(1)
    c1.close()
    with RawClient.to(rapi) as c2:
        c2.send_request("GET", NEXT)
        rapi.wait_next_waiting(2)
        rid = rapi.push(b"{}")
        r = c2.read_response()
        assert r.status == 200 and r.headers["Lambda-Runtime-Aws-Request-Id"] == rid


def test_next_while_unanswered_is_recorded_as_a_violation(rapi):
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        rid2, _ = fetch(c, rapi)
    assert rapi.wait_result(rid).kind == "abandoned"
    assert any(rid in v for v in rapi.violations)


def test_forced_next_status(rapi):
    rapi.set_next_status(500)
    with RawClient.to(rapi) as c:
        r = c.request("GET", NEXT)
        assert r.status == 500 and r.json()["errorType"] == "InternalServerError"


def test_override_post(rapi):
    with RawClient.to(rapi) as c:
        rid, _ = fetch(c, rapi)
        rapi.override_post(rid, 500, "InternalServerError", "nope")
        assert c.request("POST", inv_path(rid, "response"), b"x").status == 500
        assert c.request("POST", inv_path(rid, "response"), b"x").status == 202


def test_ipv6_server():
    reason = ipv6_loopback_available()
    if reason:
        pytest.skip(reason)
    with RuntimeAPIServer(host="::1") as srv:
        assert srv.endpoint == f"[::1]:{srv.port}"
        with RawClient("::1", srv.port) as c:
            rid, _ = fetch(c, srv)
            assert c.request("POST", inv_path(rid, "response"), b"6").status == 202
        assert srv.wait_result(rid).body == b"6"


def test_concurrent_clients_each_get_one_event(rapi):
    """Two pollers (a runtime and, say, a web adapter) never get the same event."""
    got = []
    lock = threading.Lock()

    def poll():
        with RawClient.to(rapi) as c:
            r = c.request("GET", NEXT)
            rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
            with lock:
                got.append(rid)
            c.request("POST", inv_path(rid, "response"), b"x")

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for t in threads:
        t.start()
    rapi.wait_next_waiting(2)
    a = rapi.push(b"{}")
    rapi.wait_result(a)
    b = rapi.push(b"{}")
    for t in threads:
        t.join(30)
    assert sorted(got) == sorted([a, b])
