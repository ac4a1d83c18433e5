# SPDX-License-Identifier: MIT
"""clambda_runtime_on_sigterm(): SIGTERM while the runtime waits in `next` runs the hook and
ends the loop with CLAMBDA_ESHUTDOWN (exit 0); SIGTERM in the middle of an invocation lets the
answer complete first (the platform still gets the whole response)."""

from __future__ import annotations

import signal

from conftest import CLAMBDA_ESHUTDOWN, CLAMBDA_OK, TIMEOUT, probe_path


def start_probe(start, rapi):
    p = start(probe_path(), rapi, env={"PROBE_SIGTERM": "1"})
    assert p.rc("on_sigterm") == CLAMBDA_OK, p.output()
    return p


def test_sigterm_while_waiting_runs_the_hook(rapi, start):
    p = start_probe(start, rapi)
    rid = rapi.push("respond 3")
    assert rapi.wait_result(rid, TIMEOUT).body == b"abc"
    rapi.wait_next_waiting(2)  # blocked in the second next
    p.signal(signal.SIGTERM)
    assert p.rc("shutdown hook") == 0, p.output()
    assert p.rc("run") == CLAMBDA_ESHUTDOWN, p.output()
    assert p.wait_exit(TIMEOUT) == 0, p.output()


def test_sigterm_mid_invocation_completes_the_answer(rapi, start):
    p = start_probe(start, rapi)
    rid = rapi.push("stream 5 100")  # 5 chunks, 100 ms apart
    assert p.rc("stream_open") == CLAMBDA_OK  # the handler is running (delivered != received)
    p.signal(signal.SIGTERM)
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "response" and res.streamed and not res.truncated, p.output()
    assert len(res.chunks) == 5
    assert p.rc("shutdown hook") == 0, p.output()
    assert p.rc("run") == CLAMBDA_ESHUTDOWN, p.output()
    assert p.wait_exit(TIMEOUT) == 0, p.output()
    assert rapi.next_calls == 1  # it did not ask for another event
