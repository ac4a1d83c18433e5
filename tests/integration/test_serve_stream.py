# SPDX-License-Identifier: MIT
"""clambda serve, InvokeWithResponseStream: boto3's event-stream parser over PayloadChunk and
InvokeComplete events, from libclambda's streaming example, a raw-socket streaming runtime
(runtimes/pystream: spaced chunks, error trailers, large bodies) and buffered runtimes."""
import base64
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import TIMEOUT, example_path, runtime_dir


@pytest.fixture
def srv(serve):
    return serve({"stream": example_path("stream").parent, "echo": example_path("echo").parent,
                  "fail": example_path("fail").parent, "pys": runtime_dir("pystream")},
                 sets=["pys.timeout=60"])


def has_boto3_stream(srv) -> bool:
    return hasattr(srv.boto3(), "invoke_with_response_stream")


def invoke_stream(srv, name, payload=b"{}", log_type=None):
    """boto3's invoke_with_response_stream when this botocore has it (>= 1.29.108); else the
    same request over raw HTTP, parsed by botocore's own event-stream decoder
    (botocore.eventstream.EventStreamBuffer, which checks both CRCs), shaped like boto3's."""
    if has_boto3_stream(srv):
        kw = {"LogType": log_type} if log_type else {}
        return srv.boto3().invoke_with_response_stream(FunctionName=name, Payload=payload, **kw)
    import http.client
    from botocore.eventstream import EventStreamBuffer
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    c.request("POST", f"/2021-11-15/functions/{name}/response-streaming-invocations",
              body=payload, headers={"X-Amz-Log-Type": log_type} if log_type else {})
    r = c.getresponse()
    assert r.status == 200, r.read()

    def events():
        buf = EventStreamBuffer()
        while True:
            piece = r.read1(65536)
            if not piece:
                break
            buf.add_data(piece)
            for m in buf:
                assert m.headers[":message-type"] == "event"
                if m.headers[":event-type"] == "PayloadChunk":
                    yield {"PayloadChunk": {"Payload": m.payload}}
                else:
                    yield {"InvokeComplete": json.loads(m.payload)}
        c.close()

    return {"StatusCode": r.status, "ExecutedVersion": r.getheader("X-Amz-Executed-Version"),
            "ResponseStreamContentType": r.getheader("Content-Type"),
            "ResponseMetadata": {"RequestId": r.getheader("x-amzn-RequestId")},
            "EventStream": events()}


BOTO3_SCRIPT = r"""
import json, sys
import boto3
from botocore.config import Config
c = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="x",
                 config=Config(retries={"max_attempts": 1}))
if not hasattr(c, "invoke_with_response_stream"):
    sys.exit(77)
r = c.invoke_with_response_stream(FunctionName=sys.argv[2], Payload=sys.argv[3].encode(),
                                  LogType="Tail")
out = {"status": r["StatusCode"], "chunks": [], "complete": None}
for ev in r["EventStream"]:
    if "PayloadChunk" in ev:
        out["chunks"].append(ev["PayloadChunk"]["Payload"].decode())
    elif "InvokeComplete" in ev:
        out["complete"] = ev["InvokeComplete"]
print(json.dumps(out))
"""


def test_boto3_invoke_with_response_stream(srv):
    """boto3's own invoke_with_response_stream, with whichever Python on this machine has a
    boto3 new enough (this interpreter's, else the python3 first in PATH)."""
    import sys
    tried = []
    for py in dict.fromkeys([sys.executable, shutil.which("python3")]):
        if py is None:
            continue
        for name, payload, want in (("stream", '{"chunks": 3}',
                                     "chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n"),
                                    ("pys", '{"chunks": ["a", "b"], "error": true}', "ab")):
            p = subprocess.run([py, "-c", BOTO3_SCRIPT, srv.endpoint, name, payload],
                               capture_output=True, text=True, timeout=TIMEOUT)
            if p.returncode != 0:
                tried.append(f"{py}: exit {p.returncode} {p.stderr.strip()[-200:]}")
                break
            out = json.loads(p.stdout)
            assert out["status"] == 200
            assert "".join(out["chunks"]) == want
            assert out["complete"] is not None and "LogResult" in out["complete"]
            if name == "pys":
                assert out["complete"]["ErrorCode"] == "MidStream"
                assert out["complete"]["ErrorDetails"] == "failed mid-stream"
            else:
                assert not out["complete"].get("ErrorCode")
        else:
            return
    pytest.skip("no Python here has a boto3 with invoke_with_response_stream (botocore >= "
                "1.29.108): " + "; ".join(tried))


def collect(resp):
    chunks, complete = [], None
    for ev in resp["EventStream"]:
        if "PayloadChunk" in ev:
            chunks.append(ev["PayloadChunk"]["Payload"])
        elif "InvokeComplete" in ev:
            assert complete is None
            complete = ev["InvokeComplete"]
    return chunks, complete


def test_stream_example_chunks(srv):
    r = invoke_stream(srv, "stream", json.dumps({"chunks": 4}).encode())
    assert r["StatusCode"] == 200
    assert r["ExecutedVersion"] == "$LATEST"
    assert r["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    chunks, complete = collect(r)
    assert b"".join(chunks) == b"".join(b"chunk %d of 4\n" % i for i in range(1, 5))
    assert complete is not None
    assert not complete.get("ErrorCode")


def test_stream_buffered_runtime_is_one_chunk(srv):
    payload = json.dumps({"k": "v\u00e9"}).encode()
    chunks, complete = collect(invoke_stream(srv, "echo", payload))
    assert chunks == [payload]
    assert not complete.get("ErrorCode")


def test_stream_first_chunk_before_last_is_produced(srv, tmp_path):
    gate = tmp_path / "gate"
    ev = {"chunks": ["first;", "second;", "last"], "gate": str(gate)}
    t0 = time.monotonic()
    r = invoke_stream(srv, "pys", json.dumps(ev).encode())
    it = iter(r["EventStream"])
    first = next(it)
    # The runtime holds every chunk after the first until the gate exists: the caller can
    # only see this one if the server forwards as chunks arrive (it would wait 30 s else).
    assert first["PayloadChunk"]["Payload"] == b"first;"
    assert not gate.exists()
    assert time.monotonic() - t0 < 20
    gate.touch()
    rest, complete = [], None
    for e in it:
        if "PayloadChunk" in e:
            rest.append(e["PayloadChunk"]["Payload"])
        else:
            complete = e["InvokeComplete"]
    assert b"".join(rest) == b"second;last"
    assert complete is not None and not complete.get("ErrorCode")


def test_stream_error_trailers(srv):
    ev = {"chunks": ["partial "], "error": True}
    chunks, complete = collect(invoke_stream(srv, "pys", json.dumps(ev).encode()))
    assert b"".join(chunks) == b"partial "
    assert complete["ErrorCode"] == "MidStream"
    assert complete["ErrorDetails"] == "failed mid-stream"


def test_stream_truncated_by_runtime(srv):
    ev = {"chunks": ["before the cut"], "truncate": True}
    chunks, complete = collect(invoke_stream(srv, "pys", json.dumps(ev).encode()))
    assert b"".join(chunks) == b"before the cut"
    assert complete["ErrorCode"] == "Runtime.TruncatedResponse"
    # the environment is still usable
    chunks, complete = collect(invoke_stream(srv, "pys", json.dumps({"chunks": ["ok"]}).encode()))
    assert chunks == [b"ok"] and not complete.get("ErrorCode")


def test_stream_function_error_and_tail(srv):
    r = invoke_stream(srv, "fail", b"{}", log_type="Tail")
    chunks, complete = collect(r)
    assert chunks == []
    assert complete["ErrorCode"] == "ValidationError"
    assert complete["ErrorDetails"] == "the event was rejected"
    log = base64.b64decode(complete["LogResult"]).decode()
    rid = r["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {rid}" in log and f"REPORT RequestId: {rid}" in log


def test_stream_large_body_beyond_buffered_limit(srv):
    n = 8 * 1024 * 1024  # over the 6 MB buffered limit: streaming is not capped there
    chunks, complete = collect(invoke_stream(srv, "pys", json.dumps({"big": n}).encode()))
    body = b"".join(chunks)
    assert len(body) == n and body == b"z" * n
    assert not complete.get("ErrorCode")


def test_stream_slow_reader_gets_everything(srv):
    """A caller that reads slowly: the server pauses the runtime instead of buffering, and
    every byte still arrives in order."""
    import http.client
    n = 4 * 1024 * 1024
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    c.request("POST", "/2021-11-15/functions/pys/response-streaming-invocations",
              body=json.dumps({"big": n}).encode())
    r = c.getresponse()
    assert r.status == 200
    assert r.getheader("Content-Type") == "application/vnd.amazon.eventstream"
    data = b""
    while True:
        piece = r.read1(65536)
        if not piece:
            break
        data += piece
        if len(data) < 1024 * 1024:
            time.sleep(0.05)
    c.close()
    # Decode the frames by hand (prelude, CRCs) as a second, independent parser.
    import zlib
    import struct
    off, payload, types = 0, b"", []
    while off < len(data):
        total, hlen, pcrc = struct.unpack(">III", data[off:off + 12])
        assert zlib.crc32(data[off:off + 8]) == pcrc
        assert zlib.crc32(data[off:off + total - 4]) == struct.unpack(
            ">I", data[off + total - 4:off + total])[0]
        hdrs, h = {}, data[off + 12:off + 12 + hlen]
        while h:
            nl = h[0]
            name = h[1:1 + nl].decode()
            assert h[1 + nl] == 7
            vl = struct.unpack(">H", h[2 + nl:4 + nl])[0]
            hdrs[name] = h[4 + nl:4 + nl + vl].decode()
            h = h[4 + nl + vl:]
        assert hdrs[":message-type"] == "event"
        types.append(hdrs[":event-type"])
        if hdrs[":event-type"] == "PayloadChunk":
            assert hdrs[":content-type"] == "application/octet-stream"
            payload += data[off + 12 + hlen:off + total - 4]
        else:
            assert hdrs[":content-type"] == "application/json"
        off += total
    assert types[-1] == "InvokeComplete" and types.count("InvokeComplete") == 1
    assert payload == b"z" * n


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_stream_stalled_reader_bounds_server_memory(srv):
    """A caller that stops reading while the runtime streams 64 MB: the server pauses the
    runtime instead of queueing the stream, so its memory grows by far less than 64 MB."""
    import http.client
    n = 64 * 1024 * 1024
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    # warm the function first, so the runtime's start does not count
    chunks, _ = collect(invoke_stream(srv, "pys", json.dumps({"big": 1}).encode()))
    assert b"".join(chunks) == b"z"
    before = rss_kb(srv.proc.pid)
    c.request("POST", "/2021-11-15/functions/pys/response-streaming-invocations",
              body=json.dumps({"big": n}).encode())
    r = c.getresponse()
    assert r.status == 200
    peak = before
    for _ in range(20):  # 2 s of not reading
        time.sleep(0.1)
        peak = max(peak, rss_kb(srv.proc.pid))
    assert peak - before < 24 * 1024, (before, peak)
    total = 0
    while True:
        piece = r.read1(1 << 20)
        if not piece:
            break
        total += len(piece)
    c.close()
    assert total > n  # every byte, plus the event framing


def test_plain_invoke_of_streaming_runtime_is_buffered(srv):
    r = srv.boto3().invoke(FunctionName="stream", Payload=json.dumps({"chunks": 3}).encode())
    assert r["Payload"].read() == b"chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n"


def stream_raw(srv, name, payload=b"{}", headers=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    try:
        c.request("POST", f"/2021-11-15/functions/{name}/response-streaming-invocations",
                  body=payload, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def test_stream_bad_requests(srv):
    st, h, body = stream_raw(srv, "nope")
    assert st == 404 and h["x-amzn-errortype"] == "ResourceNotFoundException"
    st, h, body = stream_raw(srv, "stream", headers={"X-Amz-Invocation-Type": "Event"})
    assert st == 400 and h["x-amzn-errortype"] == "ValidationException"
    st, h, body = stream_raw(srv, "stream", headers={"X-Amz-Invocation-Type": "DryRun"})
    assert st == 204
    st, h, body = stream_raw(srv, "stream", b"{not json")
    assert st == 400 and h["x-amzn-errortype"] == "InvalidRequestContentException"
    st, h, body = stream_raw(srv, "stream", b"x" * (6291456 + 1))
    assert st == 413 and h["x-amzn-errortype"] == "RequestEntityTooLargeException"


def test_aws_cli_invoke_with_response_stream(srv, tmp_path):
    """With the first aws CLI on this machine (PATH, then Debian's) that has the command."""
    reasons, aws = [], None
    for cand in dict.fromkeys([shutil.which("aws"), "/usr/bin/aws"]):
        if cand is None or not os.path.exists(cand):
            continue
        h = subprocess.run([cand, "lambda", "invoke-with-response-stream", "help"],
                           capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
                           env={**os.environ, "PAGER": "cat", "MANPAGER": "cat"})
        if h.returncode == 0:
            aws = cand
            break
        v = subprocess.run([cand, "--version"], capture_output=True, text=True,
                           timeout=TIMEOUT)
        reasons.append(f"{cand} ({(v.stdout or v.stderr).split()[0]}): exit {h.returncode}")
    if aws is None:
        pytest.skip("no aws CLI here has `lambda invoke-with-response-stream`: " +
                    "; ".join(reasons or ["aws CLI not installed"]))
    out = tmp_path / "out"
    p = subprocess.run([aws, "--endpoint-url", srv.endpoint, "lambda",
                        "invoke-with-response-stream", "--function-name", "stream",
                        "--cli-binary-format", "raw-in-base64-out",
                        "--payload", '{"chunks": 2}', str(out)],
                       capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
                       env={**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                            "AWS_DEFAULT_REGION": "us-east-1"})
    assert p.returncode == 0, p.stderr
    assert b"chunk 1 of 2" in out.read_bytes() + p.stdout
