# SPDX-License-Identifier: MIT
"""clambda serve, asynchronous (Event) invocations: 202 then delivery, retries with the
configured delays and limit, maximum event age, on-success / on-failure destination records,
restart and kill -9 with queued events (at-least-once), and refused settings. The fixture
runtime (runtimes/pyrt) appends every event it receives to $EVENT_LOG, which is what these
tests observe. AWS's 1 and 2 minute retry delays are shortened with --async-retry-delays-ms."""

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import TIMEOUT, Server, clambda_path, runtime_dir

PY = runtime_dir("pyrt")
ARN = "arn:aws:lambda:us-east-1:000000000000:function"


def events(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []


def wait_events(path, n, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = events(path)
        if len(got) >= n:
            return got
        time.sleep(0.05)
    raise AssertionError(f"expected {n} events in {path}, got {events(path)}")


def fn_sets(name, log, *extra):
    return [f"{name}.env.EVENT_LOG={log}", *extra]


def send(srv, name, payload):
    r = srv.boto3().invoke(FunctionName=name, InvocationType="Event",
                           Payload=json.dumps(payload))
    assert r["StatusCode"] == 202
    assert r["Payload"].read() == b""
    return r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_event_delivered(serve, tmp_path):
    log = tmp_path / "py.jsonl"
    srv = serve({"py": PY}, sets=fn_sets("py", log))
    ctx = {"custom": {"k": "v"}}
    r = srv.boto3().invoke(FunctionName="py", InvocationType="Event", Payload=b'{"hello":"async"}',
                           ClientContext=base64.b64encode(json.dumps(ctx).encode()).decode())
    assert r["StatusCode"] == 202
    rid = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    got = wait_events(log, 1)
    assert got[0]["id"] == rid  # the runtime sees the request id of the 202
    assert got[0]["event"] == {"hello": "async"}
    assert json.loads(got[0]["cc"]) == ctx
    srv.wait_log("py", rf"^REPORT RequestId: {rid}\t")
    assert (srv.state_dir / "clambda.db").exists()


def test_event_aws_cli(serve, tmp_path):
    aws = shutil.which("aws")
    if aws is None:
        pytest.skip("the aws CLI is not installed")
    log = tmp_path / "py.jsonl"
    srv = serve({"py": PY}, sets=fn_sets("py", log))
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin:" + os.path.dirname(aws)}
    out = tmp_path / "out.json"
    args = [aws, "--endpoint-url", srv.endpoint, "lambda", "invoke", "--function-name", "py",
            "--invocation-type", "Event", "--payload", '{"via":"cli"}', str(out)]
    r = subprocess.run(args, capture_output=True, timeout=TIMEOUT, env=env)
    if r.returncode != 0 and b"base64" in r.stderr:  # CLI v2 wants this flag
        r = subprocess.run(args[:-1] + ["--cli-binary-format", "raw-in-base64-out", str(out)],
                           capture_output=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["StatusCode"] == 202
    assert wait_events(log, 1)[0]["event"] == {"via": "cli"}


def test_retries_with_configured_delays(serve, tmp_path):
    log = tmp_path / "py.jsonl"
    srv = serve({"py": PY}, sets=fn_sets("py", log), args=["--async-retry-delays-ms", "700,1500"])
    rid = send(srv, "py", {"action": "error"})
    got = wait_events(log, 3)
    assert [g["id"] for g in got] == [rid] * 3
    gaps = [got[1]["t"] - got[0]["t"], got[2]["t"] - got[1]["t"]]
    assert 0.7 <= gaps[0] < 10 and 1.5 <= gaps[1] < 10, gaps
    time.sleep(3)  # no 4th attempt: the limit is 2 retries
    assert len(events(log)) == 3
    assert f"event {rid} dropped (RetriesExhausted after 3 attempts" in srv.stderr()
    # Regression: a retry reuses the request id; the runtime must be able to answer it again.
    assert "InvalidStateTransition" not in srv.log_text("py")
    assert "Runtime.ExitError" not in srv.log_text("py")


def test_retry_limit(serve, tmp_path):
    log0, log1 = tmp_path / "r0.jsonl", tmp_path / "r1.jsonl"
    srv = serve({"r0": PY, "r1": PY},
                sets=fn_sets("r0", log0, "r0.max-retry-attempts=0") +
                fn_sets("r1", log1, "r1.max-retry-attempts=1"),
                args=["--async-retry-delays-ms", "100,100"])
    send(srv, "r0", {"action": "error"})
    send(srv, "r1", {"action": "exit", "code": 3})  # a crash is a function error too
    wait_events(log1, 2)
    time.sleep(2)
    assert len(events(log0)) == 1
    assert len(events(log1)) == 2


def record_of(got, rid):
    recs = [g["event"] for g in got if g["event"]["requestContext"]["requestId"] == rid]
    assert len(recs) == 1, got
    rec = dict(recs[0])
    ts = rec.pop("timestamp")
    assert time.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ") and ts[19] == "." and len(ts) == 24
    return rec


def test_destinations_exact_records(serve, tmp_path):
    log, ok, bad = tmp_path / "py.jsonl", tmp_path / "ok.jsonl", tmp_path / "bad.jsonl"
    srv = serve({"py": PY, "ok": PY, "bad": PY},
                sets=fn_sets("py", log, "py.on-success=ok", f"py.on-failure={ARN}:bad",
                             "py.max-retry-attempts=1") +
                fn_sets("ok", ok) + fn_sets("bad", bad),
                args=["--async-retry-delays-ms", "100,100"])
    good = send(srv, "py", {"n": 1})
    failing = send(srv, "py", {"action": "error"})
    rec = record_of(wait_events(ok, 1), good)
    assert list(rec) == ["version", "requestContext", "requestPayload", "responseContext",
                         "responsePayload"]
    assert rec == {"version": "1.0",
                   "requestContext": {"requestId": good,
                                      "functionArn": f"{ARN}:py:$LATEST",
                                      "condition": "Success", "approximateInvokeCount": 1},
                   "requestPayload": {"n": 1},
                   "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
                   "responsePayload": {"n": 1}}
    rec = record_of(wait_events(bad, 1), failing)
    assert rec == {"version": "1.0",
                   "requestContext": {"requestId": failing,
                                      "functionArn": f"{ARN}:py:$LATEST",
                                      "condition": "RetriesExhausted",
                                      "approximateInvokeCount": 2},
                   "requestPayload": {"action": "error"},
                   "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                       "functionError": "Unhandled"},
                   "responsePayload": {"errorMessage": "boom", "errorType": "Boom"}}
    time.sleep(1)
    assert len(events(ok)) == 1 and len(events(bad)) == 1
    assert len(events(log)) == 3  # one success, two failed attempts


def test_max_event_age(serve, tmp_path):
    log, bad = tmp_path / "py.jsonl", tmp_path / "bad.jsonl"
    # The 3rd attempt would come 90 s later, after the 60 s maximum age: discarded at once.
    srv = serve({"py": PY, "bad": PY},
                sets=fn_sets("py", log, "py.on-failure=bad", "py.max-event-age=60") +
                fn_sets("bad", bad),
                args=["--async-retry-delays-ms", "200,90000"])
    rid = send(srv, "py", {"action": "error"})
    rec = record_of(wait_events(bad, 1), rid)
    assert rec["requestContext"]["condition"] == "EventAgeExceeded"
    assert rec["requestContext"]["approximateInvokeCount"] == 2
    assert rec["responseContext"]["functionError"] == "Unhandled"
    assert len(events(log)) == 2


def restartable(tmp_path, name, log, args=()):
    state = tmp_path / "state"
    return lambda: Server(state, {name: PY}, sets=fn_sets(name, log), args=list(args))


def test_restart_delivers_queued_events(tmp_path):
    clambda_path()
    log = tmp_path / "py.jsonl"
    start = restartable(tmp_path, "py", log, ["--set", "py.reserved=1"])
    srv = start()
    ids = [send(srv, "py", {"action": "sleep", "seconds": 0.5, "i": i}) for i in range(6)]
    wait_events(log, 1)
    assert srv.stop() == 0  # graceful: what was not delivered stays queued
    delivered = {g["id"] for g in events(log)}
    assert len(delivered) < 6
    srv = start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while set(ids) - {g["id"] for g in events(log)} and time.monotonic() < deadline:
            time.sleep(0.1)
        assert set(ids) <= {g["id"] for g in events(log)}
        assert "queued events" in srv.stderr()
    finally:
        assert srv.stop() == 0, srv.stderr()


def test_kill9_loses_no_accepted_event(tmp_path):
    clambda_path()
    log = tmp_path / "py.jsonl"
    start = restartable(tmp_path, "py", log, ["--set", "py.reserved=3"])
    srv = start()
    ids = [send(srv, "py", {"action": "sleep", "seconds": 1, "i": i}) for i in range(12)]
    wait_events(log, 2)  # two running for a second: killed while in flight
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(TIMEOUT)
    srv.stop()
    assert len({g["id"] for g in events(log)}) < 12
    srv = start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while set(ids) - {g["id"] for g in events(log)} and time.monotonic() < deadline:
            time.sleep(0.1)
        missing = set(ids) - {g["id"] for g in events(log)}
        assert not missing, f"{len(missing)} accepted events lost"
        assert re.search(r"async: \d+ queued events \([1-9]\d* were in flight\)", srv.stderr())
    finally:
        assert srv.stop() == 0, srv.stderr()


@pytest.mark.parametrize("setting,message", [
    ("py.max-retry-attempts=3", "--set py.max-retry-attempts=3: must be an integer from 0 to 2"),
    ("py.max-event-age=59",
     "--set py.max-event-age=59: must be an integer from 60 to 21600 (seconds)"),
    ("py.on-failure=arn:aws:sqs:us-east-1:000000000000:dlq",
     "only Lambda functions are supported as destinations"),
    ("py.on-success=arn:aws:sns:us-east-1:000000000000:topic",
     "only Lambda functions are supported as destinations"),
    ("py.on-success=not/a/name", "a destination is a function name or arn:aws:lambda:"),
])
def test_bad_settings_refused(tmp_path, setting, message):
    r = subprocess.run([str(clambda_path()), "serve", "--listen", "127.0.0.1:0", "--state-dir",
                        str(tmp_path / "s"), "--function", f"py={PY}", "--set", setting],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 2
    assert message in r.stderr.decode(), r.stderr


def test_bad_retry_delays_flag(tmp_path):
    r = subprocess.run([str(clambda_path()), "serve", "--listen", "127.0.0.1:0",
                        "--async-retry-delays-ms", "100"], capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 2
    assert b"invalid value for --async-retry-delays-ms: 100" in r.stderr


def test_manifest_settings_and_sighup_change_in_place(serve, tmp_path):
    logs = {n: tmp_path / f"{n}.jsonl" for n in ("py", "d1", "d2")}

    def manifest(dest):
        fns = {n: {"code": str(PY), "environment": {"EVENT_LOG": str(p)}}
               for n, p in logs.items()}
        fns["py"].update({"max-retry-attempts": 0, "on-failure": dest})
        (tmp_path / "m.json").write_text(json.dumps({"functions": fns}))

    manifest("d1")
    srv = serve({}, args=["--manifest", str(tmp_path / "m.json")])
    first = send(srv, "py", {"action": "error"})
    assert record_of(wait_events(logs["d1"], 1), first)["requestContext"][
        "approximateInvokeCount"] == 1
    manifest(f"{ARN}:d2:$LATEST")
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + TIMEOUT
    while "0 added, 0 replaced, 3 unchanged" not in srv.stderr():
        assert time.monotonic() < deadline, srv.stderr()
        time.sleep(0.05)
    second = send(srv, "py", {"action": "error"})
    record_of(wait_events(logs["d2"], 1), second)
    assert len(events(logs["d1"])) == 1
    assert len(events(logs["py"])) == 2


def test_throttled_until_max_age(serve, tmp_path):
    # reserved 0: every attempt is throttled; backoff 1, 2, 4, 8, 16 s: the next one (32 s
    # later, at ~63 s) would pass the 60 s maximum age, so it is given up at ~31 s.
    log, bad = tmp_path / "py.jsonl", tmp_path / "bad.jsonl"
    srv = serve({"py": PY, "bad": PY},
                sets=fn_sets("py", log, "py.reserved=0", "py.on-failure=bad",
                             "py.max-event-age=60") + fn_sets("bad", bad))
    t0 = time.monotonic()
    rid = send(srv, "py", {"never": "runs"})
    rec = record_of(wait_events(bad, 1, timeout=TIMEOUT + 40), rid)
    assert 25 < time.monotonic() - t0 < 60
    assert rec == {"version": "1.0",
                   "requestContext": {"requestId": rid, "functionArn": f"{ARN}:py:$LATEST",
                                      "condition": "EventAgeExceeded",
                                      "approximateInvokeCount": 0},
                   "requestPayload": {"never": "runs"}}
    assert events(log) == []
