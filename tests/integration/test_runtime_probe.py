# SPDX-License-Identifier: MIT
"""libclambda's loop and answers, driven by the probe bootstrap (probe.c): response sizes and
the 6 MB limit, the platform's 4xx/5xx answers, unanswered invocations, init errors, keep-alive
across every kind of answer, IPv6 endpoints and logging."""

from __future__ import annotations

import json
import re
import signal

import pytest

from conftest import (CLAMBDA_EBADREQUEST, CLAMBDA_EREQUESTID, CLAMBDA_ESERVER,
                      CLAMBDA_ESTATE, CLAMBDA_ETOOBIG, CLAMBDA_OK, TIMEOUT,
                      ipv6_loopback_available, probe_path)
from rapi_server import MAX_RESPONSE, RuntimeAPIServer


def pattern(n: int) -> bytes:
    """What `respond N` sends: 'a'..'z' repeated."""
    alphabet = bytes(range(ord("a"), ord("z") + 1))
    return (alphabet * (n // 26 + 1))[:n]


@pytest.fixture(params=["run", "step"])
def loop_probe(request, start, rapi):
    """The probe with clambda_run() and with its own clambda_runtime_next() loop."""
    env = {"PROBE_STEP": "1"} if request.param == "step" else None
    return start(probe_path(), rapi, env=env)


# ---- responses ----

@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 65537, 1 << 20, 6291456, MAX_RESPONSE])
def test_respond_sizes(rapi, probe, size):
    rid = rapi.push(f"respond {size}")
    res = rapi.wait_result(rid, TIMEOUT)
    assert (res.kind, res.status) == ("response", 202), probe.output()
    assert len(res.body) == size
    assert res.body == pattern(size)
    assert res.content_type == "application/octet-stream"
    assert res.headers.get("Content-Length") == str(size)
    assert not res.chunked
    assert probe.rc("respond") == CLAMBDA_OK


@pytest.mark.parametrize("policy", ["discard", "close"])
def test_oversize_response_is_413_and_the_loop_goes_on(start, policy):
    """6,291,557 bytes: the platform answers 413 (after reading the body, or by closing the
    connection); the invocation fails with Function.ResponseSizeTooLarge and the runtime
    serves the next event."""
    with RuntimeAPIServer(oversize_policy=policy) as srv:
        p = start(probe_path(), srv)
        rid = srv.push(f"respond {MAX_RESPONSE + 1}")
        res = srv.wait_result(rid, TIMEOUT)
        assert res.kind == "error" and res.status == 413
        assert res.error_type == "Function.ResponseSizeTooLarge"
        rc = p.rc("respond")
        if policy == "discard":
            assert rc == CLAMBDA_ETOOBIG, p.output()
            assert srv.statuses("POST", "/response") == [413]
        else:  # the runtime may see the 413 or only the closed connection
            assert rc < 0
        rid2 = srv.push("respond 10")
        res2 = srv.wait_result(rid2, TIMEOUT)
        assert (res2.kind, res2.body) == ("response", pattern(10)), p.output()
        assert p.alive()
        if policy == "discard":
            assert srv.connections_accepted == 1


def test_late_answer_to_a_timed_out_invocation_is_400(rapi, probe):
    """The platform timed the invocation out (its id is no longer current): the answer gets
    400 InvalidRequestID, clambda_runtime_respond says CLAMBDA_EREQUESTID, the loop goes on."""
    rid = rapi.push("waitsig")
    probe.wait_line(r"probe: waitsig waiting")
    assert rapi.expire(rid)
    probe.signal(signal.SIGUSR1)
    assert probe.rc("waitsig respond") == CLAMBDA_EREQUESTID, probe.output()
    assert [r.status for r in rapi.requests_for(rid)] == [400]
    assert rapi.wait_result(rid).kind == "timeout"
    rid2 = rapi.push("respond 3")
    assert rapi.wait_result(rid2, TIMEOUT).body == b"abc"
    assert rapi.connections_accepted == 1
    assert rapi.violations == []


def test_answering_twice_is_refused(rapi, probe):
    """A second answer is a state error: refused locally (CLAMBDA_ESTATE) or, if it reaches
    the platform, with 403. Only the first answer counts."""
    rid = rapi.push("twice")
    assert probe.rc("twice first") == CLAMBDA_OK
    assert probe.rc("twice second") == CLAMBDA_ESTATE
    assert probe.rc("twice fail") == CLAMBDA_ESTATE
    assert probe.rc("twice stream") == CLAMBDA_ESTATE
    res = rapi.wait_result(rid, TIMEOUT)
    assert (res.kind, res.body) == ("response", b"first")
    statuses = [r.status for r in rapi.requests_for(rid)]
    assert statuses[0] == 202 and all(s == 403 for s in statuses[1:]), statuses
    rid2 = rapi.push("respond 1")
    assert rapi.wait_result(rid2, TIMEOUT).body == b"a"
    assert rapi.violations == []


# The platform's answers to /response and what clambda_runtime_respond() makes of them.
PLATFORM_ANSWERS = [
    (400, "InvalidRequestID", CLAMBDA_EREQUESTID),
    (400, "InvalidFunctionResponseMode", CLAMBDA_EBADREQUEST),
    (403, "InvalidStateTransition", CLAMBDA_ESTATE),
    (413, "RequestEntityTooLarge", CLAMBDA_ETOOBIG),
    (500, "InternalServerError", CLAMBDA_ESERVER),
]


@pytest.mark.parametrize("status,etype,expected", PLATFORM_ANSWERS,
                         ids=[f"{a[0]}-{a[1]}" for a in PLATFORM_ANSWERS])
def test_platform_answer_maps_to_error_code(rapi, probe, status, etype, expected):
    rid = rapi.push("respond 5")
    rapi.override_post(rid, status, etype, "injected by the test")
    assert probe.rc("respond") == expected, probe.output()
    if status != 500:
        # A refused answer still counts as the answer: the loop fetches the next event
        # without posting anything else for rid.
        rid2 = rapi.push("respond 2")
        assert rapi.wait_result(rid2, TIMEOUT).body == b"ab", probe.output()
        assert [r.status for r in rapi.requests_for(rid)] == [status]


def test_no_answer_posts_runtime_noresponse(rapi, loop_probe):
    rid = rapi.push("noanswer")
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "error", loop_probe.output()
    assert res.error_type == "Runtime.NoResponse"
    doc = res.json()
    assert doc["errorType"] == "Runtime.NoResponse"
    assert isinstance(doc["errorMessage"], str) and doc["errorMessage"]
    assert doc.get("stackTrace", []) == []
    rid2 = rapi.push("respond 4")
    assert rapi.wait_result(rid2, TIMEOUT).body == b"abcd"
    assert rapi.violations == []
    assert rapi.connections_accepted == 1


def test_handler_error_posts_runtime_handlererror(rapi, probe):
    rid = rapi.push("handlererr")
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "error" and res.error_type == "Runtime.HandlerError"
    doc = res.json()
    assert doc["errorType"] == "Runtime.HandlerError"
    assert doc["errorMessage"] == "connection to the Runtime API failed"  # clambda_strerror
    rid2 = rapi.push("respond 1")
    assert rapi.wait_result(rid2, TIMEOUT).body == b"a"


def test_next_500_ends_the_loop(rapi, start):
    rapi.set_next_status(500)
    p = start(probe_path(), rapi)
    assert p.wait_exit(TIMEOUT) == 1
    assert p.rc("run") == CLAMBDA_ESERVER


def test_process_exit_mid_invocation_posts_nothing(rapi, probe):
    rid = rapi.push("exit 3")
    assert probe.wait_exit(TIMEOUT) == 3
    assert rapi.requests_for(rid) == []
    assert rapi.result(rid) is None


def test_unknown_command_fails(rapi, probe):
    rid = rapi.push("no-such-command")
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.error_type == "Probe.UnknownCommand"
    assert res.json()["errorMessage"] == "no-such-command"


# ---- keep-alive across every kind of answer ----

def test_one_connection_for_every_kind_of_answer(rapi, loop_probe):
    script = ["respond 10", "fail Some.Error message", "stream 3", "noanswer",
              "streamfail 2 Stream.Err broken", f"respond {1 << 20}", "handlererr",
              "failtrace T.T traced", "echo", "respond 0"] * 3
    for cmd in script:
        rid = rapi.push(cmd)
        res = rapi.wait_result(rid, TIMEOUT)
        assert res.status == 202, (cmd, res, loop_probe.output())
    assert rapi.connections_accepted == 1, loop_probe.output()
    assert rapi.violations == []


# ---- init errors ----

@pytest.mark.parametrize("etype,message", [
    (None, None),
    ("Runtime.ConfigError", "missing TABLE_NAME"),
    ("Init.Unicode", "caf\u00e9 \u2603 \"q\" \\ \t\n"),
])
def test_init_error_is_reported_and_the_process_exits(rapi, start, etype, message):
    env = {"PROBE_INIT_ERROR": "1"}
    if etype is not None:
        env["PROBE_INIT_ERROR_TYPE"] = etype
        env["PROBE_INIT_ERROR_MESSAGE"] = message
    p = start(probe_path(), rapi, env=env)
    res = rapi.wait_init_error(TIMEOUT)
    assert p.wait_exit(TIMEOUT) == 1
    assert p.rc("init_error") == CLAMBDA_OK
    want_type = etype or "Probe.InitError"
    want_msg = message or "probe init failed"
    assert res.error_type == want_type
    assert res.content_type == "application/json"
    doc = res.json()
    assert doc["errorType"] == want_type
    assert doc["errorMessage"] == want_msg
    assert rapi.next_calls == 0
    assert rapi.statuses("POST", "/init/error") == [202]


def test_init_error_after_next_is_refused_locally(rapi, probe):
    rid = rapi.push("initerr")
    res = rapi.wait_result(rid, TIMEOUT)
    assert probe.rc("initerr") == CLAMBDA_ESTATE
    assert res.body == str(CLAMBDA_ESTATE).encode()
    assert rapi.statuses("POST", "/init/error") == []


# ---- endpoints ----

def test_ipv6_endpoint(start):
    reason = ipv6_loopback_available()
    if reason:
        pytest.skip(reason)
    with RuntimeAPIServer(host="::1") as srv:
        p = start(probe_path(), srv)
        assert srv.endpoint.startswith("[::1]:")
        for cmd, body in (("respond 3", b"abc"), ("echo", b"echo")):
            rid = srv.push(cmd)
            assert srv.wait_result(rid, TIMEOUT).body == body, p.output()
        assert srv.connections_accepted == 1


def test_hostname_endpoint(rapi, start):
    """A name (localhost) resolves; the runtime still reaches 127.0.0.1."""
    p = start(probe_path(), rapi, endpoint=f"localhost:{rapi.port}")
    rid = rapi.push("respond 2")
    assert rapi.wait_result(rid, TIMEOUT).body == b"ab", p.output()


def test_restart_while_blocked_in_next_step_loop(rapi, start):
    p = start(probe_path(), rapi, env={"PROBE_STEP": "1"})
    rid = rapi.push("respond 1")
    rapi.wait_result(rid, TIMEOUT)
    rapi.wait_next_waiting(2)
    rapi.stop()
    rapi.restart()
    rid2 = rapi.push("respond 2")
    assert rapi.wait_result(rid2, TIMEOUT).body == b"ab", p.output()


# ---- logging ----

def test_log_line_text_format(rapi, probe):
    rid = rapi.push("log hello from the probe")
    rapi.wait_result(rid, TIMEOUT)
    m = probe.wait_line(r"hello from the probe")
    line = m.string
    fields = line.split("\t")
    assert len(fields) == 4, line
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", fields[0]), line
    assert fields[1] == rid and fields[2] == "INFO" and fields[3] == "hello from the probe"


def test_log_line_json_format(rapi, start):
    p = start(probe_path(), rapi, env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    rid = rapi.push("log json \"quoted\" caf\u00e9")
    rapi.wait_result(rid, TIMEOUT)
    m = p.wait_line(r"^\{.*json ")
    doc = json.loads(m.string)
    assert doc["message"] == "json \"quoted\" caf\u00e9"
    assert doc["level"] == "INFO"
    assert doc["requestId"] == rid
    assert re.match(r"^\d{4}-\d\d-\d\dT", doc["timestamp"])
