# SPDX-License-Identifier: MIT
"""clambda serve, execution environments: timeouts, crashes, init errors, warm reuse, scale to
zero, concurrency, throttling, logs and the runtime's environment, with the Python fixture
runtime (runtimes/pyrt) and the examples."""

import base64
import json
import re
import socket
import threading
import time

import pytest

from conftest import (TIMEOUT, example_path, invoke_json, runtime_alive, runtime_dir,
                      serve_isolation, wait_until)

PY = runtime_dir("pyrt")


def test_timeout(serve):
    srv = serve({"py": PY}, sets=["py.timeout=1"])
    _, first = invoke_json(srv, "py", {"action": "count"})
    t0 = time.monotonic()
    h, body = invoke_json(srv, "py", {"action": "sleep", "seconds": 30})
    assert time.monotonic() - t0 < 10
    assert h["x-amz-function-error"] == "Unhandled"
    rid = h["x-amzn-requestid"]
    assert body == {"errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {rid} Error: Task timed out after 1.00 seconds"}
    srv.wait_log("py", rf"REPORT RequestId: {rid}\t.*Status: timeout")
    srv.wait_log("py", rf"Z {rid} Task timed out after 1.00 seconds$")
    wait_until(lambda: not runtime_alive(first), what="the timed-out runtime to die")
    _, after = invoke_json(srv, "py", {"action": "count"})
    assert after["count"] == 1 and after["stream"] != first["stream"]


def test_crash_mid_invoke(serve):
    srv = serve({"py": PY})
    h, body = invoke_json(srv, "py", {"action": "exit", "code": 7})
    rid = h["x-amzn-requestid"]
    assert h["x-amz-function-error"] == "Unhandled"
    assert body == {"errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: "
                                    "exit status 7"}
    _, after = invoke_json(srv, "py", {"action": "count"})
    assert after["count"] == 1
    srv.wait_log("py", rf"REPORT RequestId: {rid}\t.*Status: error\tError Type: Runtime.ExitError")


def test_init_error_suppressed_retry(serve, tmp_path):
    """AWS re-runs a failed on-demand init inside the invocation that waited for it
    ("suppressed init"): the caller gets the result of the second init's runtime."""
    if serve_isolation() == "full":
        pytest.skip("the marker file must be shared by two environments: under full isolation "
                    "each has its own /tmp and sees no host path")
    marker = tmp_path / "marker"
    srv = serve({"py": PY}, sets=["py.env.INIT_MODE=fail_first", f"py.env.INIT_MARKER={marker}"])
    st, h, raw = srv.invoke("py", json.dumps({"action": "count"}).encode(),
                            headers={"X-Amz-Log-Type": "Tail"})
    assert st == 200 and "x-amz-function-error" not in h, raw
    body = json.loads(raw)
    assert body["count"] == 1
    rid = h["x-amzn-requestid"]
    tail = base64.b64decode(h["x-amz-log-result"]).decode()
    # the failed init, then START, the second init's output and the invocation, in that order
    assert re.search(r"init: failing on purpose\n(?:.*\n)*INIT_REPORT Init Duration: [\d.]+ ms\t"
                     r"Phase: init\tStatus: error\tError Type: Runtime.InitFailed\n(?:.*\n)*"
                     rf"START RequestId: {rid} Version: \$LATEST\n(?:.*\n)*init done pid="
                     rf"{body['pid']}\n(?:.*\n)*END RequestId: {rid}\n", tail), tail
    # the retried init is part of the invocation's Duration: no Init Duration
    report = srv.wait_log("py", rf"REPORT RequestId: {rid}\t.*").group(0)
    assert "Init Duration" not in report
    assert "Phase: invoke" not in srv.log_text("py")
    _, again = invoke_json(srv, "py", {"action": "count"})
    assert again["count"] == 2 and again["pid"] == body["pid"]


def test_init_error_twice(serve):
    srv = serve({"py": PY}, sets=["py.env.INIT_MODE=error"])
    h, body = invoke_json(srv, "py", {"action": "count"})
    assert h["x-amz-function-error"] == "Unhandled"
    assert body == {"errorMessage": "init failed on purpose", "errorType": "InitFailed"}
    for phase in ("init", "invoke"):
        srv.wait_log("py", rf"INIT_REPORT Init Duration: [\d.]+ ms\tPhase: {phase}\t"
                           r"Status: error\tError Type: Runtime.InitFailed$")
    rid = h["x-amzn-requestid"]
    srv.wait_log("py", rf"REPORT RequestId: {rid}\t.*Status: error\tError Type: "
                       r"Runtime.InitFailed")


def test_init_exit(serve):
    srv = serve({"py": PY}, sets=["py.env.INIT_MODE=exit"])
    for _ in range(2):  # every invoke re-inits, twice (the retry inside the invoke)
        h, body = invoke_json(srv, "py", {})
        rid = h["x-amzn-requestid"]
        assert body == {"errorType": "Runtime.ExitError",
                        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: "
                                        "exit status 3"}
    assert len(srv.log_files("py")) == 4
    log = srv.log_text("py")
    assert len(re.findall(r"Phase: init\tStatus: error\tError Type: Runtime.ExitError", log)) == 2
    assert len(re.findall(r"Phase: invoke\tStatus: error\tError Type: Runtime.ExitError",
                          log)) == 2


def test_init_timeout(serve):
    """The first init gets --init-timeout; the retried one runs inside the invocation and
    its function timeout."""
    srv = serve({"py": PY}, sets=["py.env.INIT_MODE=hang", "py.timeout=2"],
                args=["--init-timeout", "1"])
    t0 = time.monotonic()
    h, body = invoke_json(srv, "py", {})
    assert time.monotonic() - t0 >= 2.9
    rid = h["x-amzn-requestid"]
    assert body == {"errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {rid} Error: Task timed out after 2.00 seconds"}
    srv.wait_log("py", r"INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: timeout$")
    srv.wait_log("py", r"INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: timeout$")
    srv.wait_log("py", rf"REPORT RequestId: {rid}\t.*Status: timeout")


def test_warm_reuse_and_report(serve):
    srv = serve({"py": PY}, sets=["py.memory=256"])
    results = [invoke_json(srv, "py", {"action": "count"})[1] for _ in range(5)]
    assert [r["count"] for r in results] == [1, 2, 3, 4, 5]
    assert len({r["pid"] for r in results}) == 1
    assert len(srv.log_files("py")) == 1
    srv.wait_log("py", r"(?:REPORT.*\n(?:.*\n)*){5}")
    reports = re.findall(r"^REPORT RequestId: (\S+)\tDuration: (\d+\.\d\d) ms\t"
                         r"Billed Duration: (\d+) ms\tMemory Size: (\d+) MB\t"
                         r"Max Memory Used: (\d+) MB\t(Init Duration: [\d.]+ ms\t)?$",
                         srv.log_text("py"), re.M)
    assert len(reports) == 5
    assert reports[0][5] and not any(r[5] for r in reports[1:])  # only the cold start
    for _, dur, billed, mem, used, _ in reports:
        assert mem == "256"
        assert 1 <= int(used) < 256  # measured, not the configured size
        assert int(billed) >= float(dur)


def test_scale_to_zero(serve):
    srv = serve({"py": PY}, args=["--keep-warm", "1"])
    _, a = invoke_json(srv, "py", {"action": "count"})
    wait_until(lambda: not runtime_alive(a), what="the idle runtime to be reaped")
    _, b = invoke_json(srv, "py", {"action": "count"})
    assert b["count"] == 1 and b["stream"] != a["stream"]


def parallel(srv, n, payload):
    results = [None] * n

    def run(i):
        results[i] = srv.invoke("py", json.dumps(payload).encode())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    return results, time.monotonic() - t0


def test_eight_concurrent_environments(serve):
    srv = serve({"py": PY}, sets=["py.timeout=30"])
    results, elapsed = parallel(srv, 8, {"action": "sleep", "seconds": 2})
    envs = set()
    for st, h, body in results:
        assert st == 200 and "x-amz-function-error" not in h, body
        envs.add(json.loads(body)["stream"])
    assert len(envs) == 8
    assert elapsed < 8, f"8 x 2 s sleeps took {elapsed:.1f} s: not concurrent"


def test_throttle_reserved_concurrency(serve):
    srv = serve({"py": PY}, sets=["py.reserved=1", "py.timeout=30"])
    results, _ = parallel(srv, 3, {"action": "sleep", "seconds": 3})
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 429, 429], statuses
    for st, h, body in results:
        if st == 429:
            assert h["x-amzn-errortype"] == "TooManyRequestsException"
            assert json.loads(body) == {
                "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                "Type": "User", "message": "Rate Exceeded."}


def test_throttle_boto3(serve):
    srv = serve({"py": PY}, sets=["py.reserved=0"], args=["--throttle-wait-ms", "100"])
    c = srv.boto3()
    with pytest.raises(c.exceptions.TooManyRequestsException) as ei:
        c.invoke(FunctionName="py", Payload=b"{}")
    assert ei.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_server_wide_limit(serve):
    srv = serve({"py": PY}, sets=["py.timeout=30"], args=["--max-concurrency", "2"])
    results, _ = parallel(srv, 3, {"action": "sleep", "seconds": 3})
    assert sorted(r[0] for r in results) == [200, 200, 429]
    body = next(json.loads(r[2]) for r in results if r[0] == 429)
    assert body["Reason"] == "ConcurrentInvocationLimitExceeded"


def test_waiting_invoke_gets_freed_environment(serve):
    srv = serve({"py": PY}, sets=["py.reserved=1"], args=["--throttle-wait-ms", "5000"])
    results, _ = parallel(srv, 2, {"action": "sleep", "seconds": 0.5})
    assert [r[0] for r in results] == [200, 200]


def test_environment_variables(serve):
    srv = serve({"py": PY}, sets=["py.memory=512", "py.env.GREETING=hi",
                                  "py.env.AWS_REGION=eu-west-1", "py.env.TZ=Europe/Paris"])
    h, body = invoke_json(srv, "py", {"action": "env"})
    env, hdrs = body["env"], body["headers"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "py"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "bootstrap"
    task_root = "/var/task" if serve_isolation() == "full" else str(PY)
    assert env["LAMBDA_TASK_ROOT"] == task_root == body["cwd"]
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/py"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}",
                        env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["LANG"] == "en_US.UTF-8"
    assert env["TZ"] == "Europe/Paris"  # overridable
    assert env["GREETING"] == "hi"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert hdrs["lambda-runtime-aws-request-id"] == h["x-amzn-requestid"]
    assert hdrs["lambda-runtime-invoked-function-arn"] == \
        "arn:aws:lambda:us-east-1:000000000000:function:py"
    deadline = int(hdrs["lambda-runtime-deadline-ms"])
    assert abs(deadline - (time.time() * 1000 + 3000)) < 2000
    assert hdrs["lambda-runtime-trace-id"].startswith("Root=1-")
    log_path = srv.state_dir / "logs" / "py" / (env["AWS_LAMBDA_LOG_STREAM_NAME"] + ".log")
    assert log_path.exists()


def test_runtime_api_is_private(serve):
    srv = serve({"py": PY}, sets=["py.timeout=30"])
    results, _ = parallel(srv, 2, {"action": "env"})
    apis = {json.loads(r[2])["env"]["AWS_LAMBDA_RUNTIME_API"] for r in results}
    if serve_isolation() == "full":  # each at AWS's address, in its own network namespace
        assert apis == {"127.0.0.1:9001"}
        streams = {json.loads(r[2])["env"]["AWS_LAMBDA_LOG_STREAM_NAME"] for r in results}
        assert len(streams) == 2
    else:
        assert len(apis) == 2


def test_flooding_runtime(serve):
    srv = serve({"py": PY, "echo": example_path("echo").parent}, sets=["py.timeout=60"])
    done = []
    t = threading.Thread(target=lambda: done.append(
        srv.invoke("py", json.dumps({"action": "flood", "lines": 20000}).encode())))
    t.start()
    st, _, body = srv.invoke("echo", b'{"still":"here"}')  # other functions are served
    assert (st, body) == (200, b'{"still":"here"}')
    t.join(TIMEOUT)
    assert done and done[0][0] == 200
    srv.wait_log("py", r"^19999 x{1000}$")


def test_long_line_is_split(serve):
    srv = serve({"py": PY})
    h, _ = invoke_json(srv, "py", {"action": "flood", "lines": 1, "width": 600000})
    srv.wait_log("py", r"REPORT RequestId: " + h["x-amzn-requestid"])
    lines = srv.log_text("py").split("\n")
    assert max(len(line) for line in lines) <= 256 * 1024


def test_answer_twice_and_bad_id(serve):
    srv = serve({"py": PY})
    h, body = invoke_json(srv, "py", {"action": "twice"})
    assert body == {"first": True}
    srv.wait_log("py", r"^twice: first=202 second=403 bad=400$")
    _, after = invoke_json(srv, "py", {"action": "count"})
    assert after["count"] == 2  # same environment, still healthy


def test_error_post(serve):
    srv = serve({"py": PY})
    h, body = invoke_json(srv, "py", {"action": "error"})
    assert h["x-amz-function-error"] == "Unhandled"
    assert body == {"errorMessage": "boom", "errorType": "Boom"}


def test_oversized_response(serve):
    srv = serve({"py": PY})
    h, body = invoke_json(srv, "py", {"action": "big", "bytes": 6291557})
    assert h["x-amz-function-error"] == "Unhandled"
    assert body == {"errorMessage": "Response payload size exceeded maximum allowed payload "
                                    "size (6291556 bytes).",
                    "errorType": "Function.ResponseSizeTooLarge"}
    srv.wait_log("py", r"^big: status=413$")


def test_client_disconnects_mid_invoke(serve):
    srv = serve({"py": PY}, sets=["py.timeout=30"])
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
    body = b'{"action":"sleep","seconds":1}'
    s.sendall(b"POST /2015-03-31/functions/py/invocations HTTP/1.1\r\nHost: x\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    time.sleep(0.3)
    s.close()
    srv.wait_log("py", r"REPORT RequestId: ")
    _, after = invoke_json(srv, "py", {"action": "count"})
    assert after["count"] == 2  # the dropped invocation ran to its end in the same env


def test_shutdown_kills_runtimes(serve):
    srv = serve({"py": PY})
    _, a = invoke_json(srv, "py", {"action": "count"})
    assert srv.stop() == 0
    wait_until(lambda: not runtime_alive(a), what="the runtime to be stopped")
