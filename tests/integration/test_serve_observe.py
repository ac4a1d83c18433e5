# SPDX-License-Identifier: MIT
"""clambda serve, observability: GET /metrics (values checked exactly against the metering
records), metering records and their cost arithmetic, the CloudWatch Logs API subset through
boto3 and the aws CLI, `clambda logs [--follow]`, and log rotation."""

import http.client
import json
import math
import os
import re
import select
import subprocess
import time

import pytest

from conftest import TIMEOUT, clambda_path, invoke_json, runtime_dir, wait_until

PY = runtime_dir("pyrt")
X86 = 0.0000166667
ARM = 0.0000133334
REQ = 0.0000002
BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]


def scrape(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        body = r.read().decode()
        assert r.status == 200
        assert r.getheader("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
        return body
    finally:
        c.close()


def parse(text):
    """{(name, frozenset(labels)): value}, and checks every family has HELP then TYPE."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram")
            typed.add(name)
            continue
        m = re.fullmatch(r'([a-z_]+)\{(.*)\} (\S+)', line) or re.fullmatch(r'([a-z_]+) (\S+)', line)
        assert m, line
        name = m.group(1)
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2))) \
            if m.lastindex == 3 else frozenset()
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or base in typed, f"{name} has no TYPE line"
        samples[(name, labels)] = float(m.group(m.lastindex))
    return samples


def val(s, name, **labels):
    return s[(name, frozenset(labels.items()))]


def metering(srv, fn):
    recs = []
    for suffix in (".jsonl.1", ".jsonl"):
        p = srv.state_dir / "metering" / (fn + suffix)
        if p.exists():
            recs += [json.loads(line) for line in p.read_text().splitlines()]
    return recs


def check_record(r, price):
    billed = max(1, math.ceil((r["durationNs"] + r["initNs"]) / 1e6))
    assert r["billedMs"] == billed
    assert r["gbSeconds"] == r["billedMs"] * r["memoryMB"] / 1024000
    assert r["durationCostUSD"] == r["gbSeconds"] * price
    assert r["requestCostUSD"] == REQ


def test_metrics_and_metering_exact(serve):
    srv = serve({"py": PY, "arm": PY, "thr": PY},
                sets=["thr.reserved=0", "arm.architecture=arm64", "arm.memory=1024"],
                args=["--throttle-wait-ms", "100"])
    rids = []
    for _ in range(3):
        h, _ = invoke_json(srv, "py", {"action": "count"})
        rids.append(h["x-amzn-requestid"])
    h, body = invoke_json(srv, "py", {"action": "error"})
    assert h["x-amz-function-error"] == "Unhandled"
    invoke_json(srv, "arm", {"action": "count"})
    for _ in range(2):
        st, h, _ = srv.invoke("thr", b"{}")
        assert st == 429
    # metering follows the answer (AWS answers at /response)
    wait_until(lambda: len(metering(srv, "py")) == 4 and len(metering(srv, "arm")) == 1,
               what="the invocations to be metered")
    s = parse(scrape(srv))

    recs = metering(srv, "py")
    assert [r["outcome"] for r in recs] == ["success"] * 3 + ["function_error"]
    assert [r["coldStart"] for r in recs] == [True, False, False, False]
    assert [r["requestId"] for r in recs[:3]] == rids
    for r in recs:
        assert r["architecture"] == "x86_64" and r["memoryMB"] == 128
        check_record(r, X86)
        # the REPORT line bills the same milliseconds
        srv.wait_log("py", rf"REPORT RequestId: {r['requestId']}\t.*Billed Duration: "
                           rf"{r['billedMs']} ms\t")
    arm = metering(srv, "arm")
    assert len(arm) == 1 and arm[0]["architecture"] == "arm64"
    check_record(arm[0], ARM)
    assert metering(srv, "thr") == []

    assert val(s, "clambda_invocations_total", function="py", outcome="success") == 3
    assert val(s, "clambda_invocations_total", function="py", outcome="function_error") == 1
    assert val(s, "clambda_invocations_total", function="py", outcome="throttled") == 0
    assert val(s, "clambda_invocations_total", function="thr", outcome="throttled") == 2
    assert val(s, "clambda_invocations_total", function="thr", outcome="success") == 0
    assert val(s, "clambda_errors_total", function="py") == 1
    assert val(s, "clambda_throttles_total", function="thr") == 2
    assert val(s, "clambda_throttles_total", function="py") == 0
    assert val(s, "clambda_cold_starts_total", function="py") == 1
    assert val(s, "clambda_cold_starts_total", function="arm") == 1

    dur_sum, gbs, cost, req, billed = 0.0, 0.0, 0.0, 0.0, 0
    for r in recs:
        dur_sum += r["durationNs"] / 1e9
        gbs += r["gbSeconds"]
        cost += r["durationCostUSD"]
        req += r["requestCostUSD"]
        billed += r["billedMs"]
    assert val(s, "clambda_duration_seconds_count", function="py") == 4
    assert val(s, "clambda_duration_seconds_sum", function="py") == dur_sum
    for le in BUCKETS:
        n = sum(1 for r in recs if r["durationNs"] <= round(le * 1e9))
        assert val(s, "clambda_duration_seconds_bucket", function="py", le=f"{le:g}") == n
    assert val(s, "clambda_duration_seconds_bucket", function="py", le="+Inf") == 4
    assert val(s, "clambda_init_duration_seconds_count", function="py") == 1
    assert val(s, "clambda_init_duration_seconds_sum", function="py") == recs[0]["initNs"] / 1e9
    assert val(s, "clambda_billed_duration_milliseconds_total", function="py") == billed
    assert val(s, "clambda_billed_gb_seconds_total", function="py") == gbs
    assert val(s, "clambda_cost_usd_total", function="py", kind="duration") == cost
    assert val(s, "clambda_cost_usd_total", function="py", kind="request") == req
    assert val(s, "clambda_cost_usd_total", function="arm", kind="duration") == \
        arm[0]["durationCostUSD"]
    assert val(s, "clambda_cost_usd_total", function="thr", kind="request") == 0

    assert val(s, "clambda_concurrent_executions", function="py") == 0
    assert val(s, "clambda_environments_alive", function="py") == 1
    assert val(s, "clambda_environments_idle", function="py") == 1
    assert val(s, "clambda_environments_alive", function="thr") == 0
    assert val(s, "clambda_async_queue_depth", function="py") == 0
    assert sum(v for (n, _), v in s.items() if n == "clambda_isolation_info") == 1


def test_metrics_live_gauges(serve):
    srv = serve({"py": PY, "q": PY}, sets=["py.timeout=30", "q.reserved=0"])
    for _ in range(2):  # no environment may start: both wait in the queue
        st, _, _ = srv.invoke("q", b"{}", headers={"X-Amz-Invocation-Type": "Event"})
        assert st == 202
    s = parse(scrape(srv))
    assert val(s, "clambda_async_queue_depth", function="q") == 2
    import threading
    t = threading.Thread(target=srv.invoke, args=("py", json.dumps(
        {"action": "sleep", "seconds": 3}).encode()))
    t.start()
    try:
        wait_until(lambda: val(parse(scrape(srv)), "clambda_concurrent_executions",
                               function="py") == 1, what="one running invocation")
        s = parse(scrape(srv))
        assert val(s, "clambda_environments_alive", function="py") == 1
        assert val(s, "clambda_environments_idle", function="py") == 0
    finally:
        t.join(TIMEOUT)


def logs_client(srv):
    boto3 = pytest.importorskip("boto3")
    return boto3.client("logs", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_logs_api_boto3(serve):
    srv = serve({"py": PY, "other": PY})
    h, _ = invoke_json(srv, "py", {"action": "log", "text": "marker-one"})
    rid = h["x-amzn-requestid"]
    invoke_json(srv, "py", {"action": "log", "text": "marker-two"})
    c = logs_client(srv)
    groups = c.describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/aws/lambda/py"]
    assert groups[0]["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/py:*"
    streams = c.describe_log_streams(logGroupName="/aws/lambda/py")["logStreams"]
    assert len(streams) == 1
    name = streams[0]["logStreamName"]
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", name)

    ev = c.get_log_events(logGroupName="/aws/lambda/py", logStreamName=name,
                          startFromHead=True)
    msgs = [e["message"] for e in ev["events"]]
    text = srv.log_text("py")
    assert msgs == text.splitlines()  # every line, in order
    assert f"START RequestId: {rid} Version: $LATEST" in msgs and "marker-one" in msgs
    # paging forward one event at a time gives the same events, then a repeated token
    got, token = [], None
    for _ in range(len(msgs) + 2):
        kw = {"nextToken": token} if token else {"startFromHead": True}
        r = c.get_log_events(logGroupName="/aws/lambda/py", logStreamName=name, limit=1, **kw)
        if r["nextForwardToken"] == token:
            break
        got += [e["message"] for e in r["events"]]
        token = r["nextForwardToken"]
    assert got == msgs

    f = c.filter_log_events(logGroupName="/aws/lambda/py", filterPattern="marker-two")
    assert [e["message"] for e in f["events"]] == ["marker-two"]
    assert f["events"][0]["logStreamName"] == name
    pages = list(c.get_paginator("filter_log_events").paginate(
        logGroupName="/aws/lambda/py", PaginationConfig={"PageSize": 2}))
    assert len(pages) > 2
    assert [e["message"] for p in pages for e in p["events"]] == msgs
    ts = [e["timestamp"] for p in pages for e in p["events"]]
    assert ts == sorted(ts)
    later = c.filter_log_events(logGroupName="/aws/lambda/py", startTime=ts[-1] + 1)
    assert later["events"] == []

    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.filter_log_events(logGroupName="/aws/lambda/nope")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_log_events(logGroupName="/aws/lambda/py", logStreamName="no/such/stream")
    with pytest.raises(c.exceptions.InvalidParameterException):
        c.filter_log_events(logGroupName="/aws/lambda/py", nextToken="garbage")


def test_logs_api_errors_raw(serve):
    srv = serve({"py": PY})
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    for target, body, typ in [("Logs_20140328.Nope", b"{}", "UnknownOperationException"),
                              ("Logs_20140328.FilterLogEvents", b"[1", "SerializationException"),
                              ("Logs_20140328.FilterLogEvents", b"{}",
                               "InvalidParameterException"),
                              ("Logs_20140328.FilterLogEvents",
                               b'{"logGroupName":"/aws/lambda/py","limit":0}',
                               "InvalidParameterException"),
                              ("Logs_20140328.DescribeLogStreams",
                               b'{"logGroupName":"/aws/lambda/py","orderBy":"Size"}',
                               "InvalidParameterException"),
                              ("Logs_20140328.GetLogEvents", b'{"logGroupName":"/aws/lambda/py"}',
                               "InvalidParameterException"),
                              ("Logs_20140328.GetLogEvents",
                               b'{"logGroupName":"/aws/lambda/../../etc","logStreamName":"x"}',
                               "ResourceNotFoundException")]:
        conn.request("POST", "/", body=body, headers={
            "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
        r = conn.getresponse()
        doc = json.loads(r.read())
        assert r.status == 400 and doc["__type"] == typ and r.getheader("x-amzn-ErrorType") == typ
    conn.close()
    # clients that go away while their request is being served (on a worker thread)
    import socket
    invoke_json(srv, "py", {"action": "count"})
    body = b'{"logGroupName":"/aws/lambda/py"}'
    for _ in range(20):
        sk = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
        sk.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.FilterLogEvents\r\n"
                   b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        sk.close()
    # metering follows the answer (AWS answers at /response)
    wait_until(lambda: val(parse(scrape(srv)), "clambda_invocations_total", function="py",
                           outcome="success") == 1, what="the invocation to be metered")


def test_bad_log_flags():
    for flag in ("--log-max-bytes", "--log-retain-bytes"):
        r = subprocess.run([str(clambda_path()), "serve", flag, "-1"], capture_output=True,
                           timeout=TIMEOUT)
        assert r.returncode == 2 and f"invalid value for {flag}".encode() in r.stderr


def test_logs_aws_cli(serve):
    srv = serve({"py": PY})
    invoke_json(srv, "py", {"action": "log", "text": "cli-marker"})
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
               AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run(["aws", "--endpoint-url", srv.endpoint, "logs", "filter-log-events",
                          "--log-group-name", "/aws/lambda/py", "--filter-pattern", "cli-marker",
                          "--output", "json"],
                         env=env, capture_output=True, timeout=TIMEOUT, check=True)
    doc = json.loads(out.stdout)
    assert [e["message"] for e in doc["events"]] == ["cli-marker"]


def read_until(proc, pattern, timeout=TIMEOUT):
    """Reads proc's stdout lines until one matches pattern; returns everything read."""
    buf, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if r:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            if re.search(pattern, buf.decode(errors="replace")):
                return buf.decode()
    raise AssertionError(f"no {pattern!r} in clambda logs output: {buf!r}")


def test_clambda_logs_and_follow(serve):
    srv = serve({"py": PY})
    h, _ = invoke_json(srv, "py", {"action": "log", "text": "first-marker"})
    rid = h["x-amzn-requestid"]
    cl = str(clambda_path())
    out = subprocess.run([cl, "logs", "py", "--endpoint-url", srv.endpoint, "--since", "1h"],
                         capture_output=True, timeout=TIMEOUT, check=True).stdout.decode()
    lines = out.splitlines()
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ first-marker", x)
               for x in lines), out
    assert any(f"REPORT RequestId: {rid}" in x for x in lines)
    # the operation failed (exit 1; 2 is a usage error: docs/cli.md)
    bad = subprocess.run([cl, "logs", "nope", "--endpoint-url", srv.endpoint],
                         capture_output=True, timeout=TIMEOUT)
    assert bad.returncode == 1 and b"ResourceNotFoundException" in bad.stderr

    p = subprocess.Popen([cl, "logs", "py", "--follow", "--endpoint-url", srv.endpoint],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = read_until(p, r"first-marker")
        h2, _ = invoke_json(srv, "py", {"action": "log", "text": "second-marker"})
        seen += read_until(p, rf"REPORT RequestId: {h2['x-amzn-requestid']}")
        assert seen.count("first-marker") == 1  # nothing printed twice
        assert seen.count("second-marker") == 1
    finally:
        p.terminate()
        p.wait(TIMEOUT)
        p.stdout.close()
        p.stderr.close()


def test_rotation(serve):
    srv = serve({"py": PY}, args=["--log-max-bytes", "4000", "--log-retain-bytes", "12000"])
    for _ in range(16):
        invoke_json(srv, "py", {"action": "flood", "lines": 50, "width": 60})
    files = srv.log_files("py")
    parts = [f for f in files if re.search(r"\.\d+\.log$", f.name)]
    assert parts, files
    for f in files:
        assert f.stat().st_size <= 4000, (f, f.stat().st_size)
    # everything but the file being written fits in the retained total
    closed = [f for f in files if not os.access(f, os.W_OK) or f.stat().st_mode & 0o200 == 0]
    assert sum(f.stat().st_size for f in closed) <= 12000
    assert sum(f.stat().st_size for f in files) <= 12000 + 4000
    # the first parts were pruned (part 0 is gone); the rest read back in order
    assert all(re.search(r"\.\d+\.log$", f.name) for f in files), files
    c = logs_client(srv)
    pages = c.get_paginator("filter_log_events").paginate(logGroupName="/aws/lambda/py")
    msgs = [e["message"] for p in pages for e in p["events"]]
    text = "".join(f.read_text() for f in sorted(
        files, key=lambda f: int(re.search(r"\.(\d+)\.log$", f.name).group(1))
        if re.search(r"\.(\d+)\.log$", f.name) else 0))
    assert msgs == text.splitlines()
    assert msgs[-2].startswith("END RequestId") and msgs[-1].startswith("REPORT RequestId")
    nums = [int(m.split(" ")[0]) for m in msgs if re.fullmatch(r"\d+ x+", m)]
    assert nums[-1] == 49
    # metering rolled over with the same cap, and no record was lost
    recs = metering(srv, "py")
    assert (srv.state_dir / "metering" / "py.jsonl.1").exists()
    assert len(recs) == 16 and all(r["outcome"] == "success" for r in recs)
    for r in recs:
        check_record(r, X86)


def test_back_to_back_invokes_log_and_meter_in_order(serve):
    """Invokes on one keep-alive connection, each sent the moment the previous answer came:
    END, REPORT and the metering record are written after the caller's answer (at the end of
    the loop's turn, or before the next invocation's START), and still in order, complete."""
    srv = serve({"py": PY})
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    rids = []
    for i in range(30):
        c.request("POST", "/2015-03-31/functions/py/invocations",
                  json.dumps({"action": "log", "text": f"line {i}"}).encode())
        r = c.getresponse()
        r.read()
        assert r.status == 200
        rids.append(r.getheader("x-amzn-RequestId"))
    c.close()
    wait_until(lambda: srv.log_text("py").count("\nREPORT RequestId: ") == 30,
               what="30 REPORT lines")
    lines = srv.log_text("py").splitlines()
    lines = lines[next(i for i, ln in enumerate(lines) if ln.startswith("START")):]  # after init
    want = []
    for i, rid in enumerate(rids):
        want += [f"START RequestId: {rid} Version: $LATEST", f"line {i}",
                 f"END RequestId: {rid}", f"REPORT RequestId: {rid}"]
    assert [ln.split("\t")[0] for ln in lines] == want
    wait_until(lambda: len(metering(srv, "py")) == 30, what="30 metering records")
    assert [r["requestId"] for r in metering(srv, "py")] == rids
