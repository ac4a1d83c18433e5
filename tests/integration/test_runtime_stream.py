# SPDX-License-Identifier: MIT
"""Streamed responses from the probe: the request head, chunks leaving one by one as they are
written (not buffered until the end), bodies beyond the buffered 6 MB limit, and a mid-stream
failure carried by real HTTP trailers."""

from __future__ import annotations

import base64
import json

import pytest

from conftest import CLAMBDA_OK, TIMEOUT, probe_path


def test_stream_request_head(rapi, probe):
    rid = rapi.push("stream 2")
    res = rapi.wait_result(rid, TIMEOUT)
    h = res.headers
    assert h["Lambda-Runtime-Function-Response-Mode"] == "streaming"
    assert h["Transfer-Encoding"].lower() == "chunked"
    assert "Content-Length" not in h
    assert h["Content-Type"] == "text/plain"
    declared = {t.strip().lower() for t in h["Trailer"].split(",")}
    assert declared == {"lambda-runtime-function-error-type",
                        "lambda-runtime-function-error-body"}
    assert probe.rc("stream_finish") == CLAMBDA_OK


def test_chunks_arrive_as_they_are_written(rapi, probe):
    """The probe sleeps 150 ms between chunks: each must reach the platform on its own, so
    arrival times are spread out, and the first arrives long before the stream ends."""
    n, delay = 5, 0.150
    rid = rapi.push(f"stream {n} {int(delay * 1000)}")
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "response"
    assert [c.size for c in res.chunks] == [len(f"chunk {i} of {n}\n") for i in range(1, n + 1)]
    gaps = [b.t - a.t for a, b in zip(res.chunks, res.chunks[1:])]
    assert all(g >= delay * 0.6 for g in gaps), f"chunks were held back: gaps {gaps}"
    assert res.t_done - res.chunks[0].t >= (n - 1) * delay * 0.6
    assert res.chunks[0].t - res.t_head < delay * 3, "first chunk did not leave at once"


@pytest.mark.parametrize("n,size", [(1, 1), (8, 1 << 20), (3, 3 << 20)])
def test_streams_beyond_the_buffered_limit(rapi, probe, n, size):
    rid = rapi.push(f"streambig {n} {size}")
    res = rapi.wait_result(rid, TIMEOUT)
    assert (res.kind, res.status) == ("response", 202), probe.output()
    alphabet = bytes(range(ord("a"), ord("z") + 1))
    piece = (alphabet * (size // 26 + 1))[:size]
    assert len(res.body) == n * size
    assert res.body == piece * n
    assert sum(c.size for c in res.chunks) == n * size


@pytest.mark.parametrize("n", [0, 1, 3])
def test_stream_failure_sends_trailers(rapi, probe, n):
    rid = rapi.push(f"streamfail {n} Stream.Broken it broke half way")
    res = rapi.wait_result(rid, TIMEOUT)
    assert probe.rc("stream_fail") == CLAMBDA_OK
    assert res.kind == "error" and res.streamed
    assert res.body == "".join(f"chunk {i} of {n}\n" for i in range(1, n + 1)).encode()
    assert len(res.chunks) == n
    assert res.trailers["Lambda-Runtime-Function-Error-Type"] == "Stream.Broken"
    doc = json.loads(base64.b64decode(res.trailers["Lambda-Runtime-Function-Error-Body"],
                                      validate=True))
    assert doc["errorType"] == "Stream.Broken"
    assert doc["errorMessage"] == "it broke half way"
    assert doc.get("stackTrace", []) == []
    # Only the trailer fields carry the error: none in the body, none in the head.
    assert b"Lambda-Runtime-Function-Error" not in res.body
    assert "Lambda-Runtime-Function-Error-Type" not in res.headers


def test_stream_then_buffered_then_stream_on_one_connection(rapi, probe):
    for cmd in ["stream 3", "respond 5", "streamfail 1 E.E m", "stream 1", "fail X y",
                "stream 2 10"]:
        rid = rapi.push(cmd)
        assert rapi.wait_result(rid, TIMEOUT).status == 202, probe.output()
    assert rapi.connections_accepted == 1


def test_stream_after_platform_restart(rapi, start):
    p = start(probe_path(), rapi)
    rid = rapi.push("stream 2")
    rapi.wait_result(rid, TIMEOUT)
    rapi.wait_next_waiting(2)
    rapi.stop()
    rapi.restart()
    rid = rapi.push("stream 4")
    res = rapi.wait_result(rid, TIMEOUT)
    assert len(res.chunks) == 4 and res.kind == "response", p.output()
