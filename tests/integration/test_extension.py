# SPDX-License-Identifier: MIT
"""Integration tests for examples/extension against the scripted Extensions API in
ext_server.py: registration under the executable's own name, INVOKE logging, exit 0 on
SHUTDOWN, and a non-zero exit when the platform refuses the registration or fails."""

import os
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ext_server import ExtServer  # noqa: E402

TIMEOUT_S = 60  # generous: sanitizer builds are slow


def _bootstrap():
    build = os.environ.get("CLAMBDA_BUILD_DIR")
    if not build:
        pytest.skip("CLAMBDA_BUILD_DIR is not set")
    path = pathlib.Path(build) / "examples" / "extension" / "bootstrap"
    if not path.exists():
        pytest.skip("%s was not built" % path)
    return path


def invoke_event(n):
    return {
        "eventType": "INVOKE",
        "deadlineMs": 1700000000000 + n,
        "requestId": "req-%d" % n,
        "invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:ext-test",
        "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-5f35ae12-0c0fec141ab77a00bc047aa2"},
    }


SHUTDOWN = {"eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": 1700000002000}


def messages(proc):
    """The message part of the example's log lines ("<time>\t<request id>\t<LEVEL>\t<msg>")."""
    return [line.split("\t", 3)[-1] for line in proc.stderr.splitlines()]


def run_extension(server, exe):
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=server.endpoint)
    try:
        return subprocess.run([str(exe)], env=env, capture_output=True, text=True,
                              timeout=TIMEOUT_S)
    finally:
        server.stop()


def test_extension_logs_invokes_and_exits_on_shutdown():
    exe = _bootstrap()
    server = ExtServer([invoke_event(1), invoke_event(2), SHUTDOWN]).start()
    proc = run_extension(server, exe)
    assert proc.returncode == 0, proc.stderr
    lines = messages(proc)
    assert "[bootstrap] registered for function ext-test" in lines
    assert "[bootstrap] INVOKE request_id=req-1 deadline_ms=1700000000001" in lines
    assert "[bootstrap] INVOKE request_id=req-2 deadline_ms=1700000000002" in lines
    assert lines[-1] == "[bootstrap] SHUTDOWN reason=spindown"

    (reg,) = server.requests_to("/register")
    assert reg.headers["Lambda-Extension-Name"] == "bootstrap"
    assert reg.json() == {"events": ["INVOKE", "SHUTDOWN"]}
    nexts = server.requests_to("/event/next")
    assert len(nexts) == 3
    assert all(r.headers["Lambda-Extension-Identifier"] == server.extension_id for r in nexts)


def test_extension_registers_under_its_file_name(tmp_path):
    exe = tmp_path / "my-extension"
    exe.symlink_to(_bootstrap())
    server = ExtServer([invoke_event(7), SHUTDOWN]).start()
    proc = run_extension(server, exe)
    assert proc.returncode == 0, proc.stderr
    assert "[my-extension] INVOKE request_id=req-7 deadline_ms=1700000000007" in messages(proc)
    (reg,) = server.requests_to("/register")
    assert reg.headers["Lambda-Extension-Name"] == "my-extension"


def test_extension_skips_malformed_events():
    exe = _bootstrap()
    events = [b'{"eventType":"INVOKE","requestId":', {"eventType": "RESTORE"},
              invoke_event(3), SHUTDOWN]
    server = ExtServer(events).start()
    proc = run_extension(server, exe)
    assert proc.returncode == 0, proc.stderr
    assert messages(proc).count("[bootstrap] skipping a malformed event") == 2
    assert "[bootstrap] INVOKE request_id=req-3 deadline_ms=1700000000003" in messages(proc)
    assert len(server.requests_to("/event/next")) == 4


def test_extension_exits_nonzero_when_registration_is_refused():
    exe = _bootstrap()
    server = ExtServer([SHUTDOWN], register_status=403).start()
    proc = run_extension(server, exe)
    assert proc.returncode != 0
    assert "register failed" in proc.stderr
    assert server.requests_to("/event/next") == []


def test_extension_exits_nonzero_on_server_error():
    exe = _bootstrap()
    server = ExtServer([SHUTDOWN], next_status=500).start()
    proc = run_extension(server, exe)
    assert proc.returncode != 0
    assert "next failed" in proc.stderr
    assert len(server.requests_to("/event/next")) == 1
