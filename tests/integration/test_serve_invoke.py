# SPDX-License-Identifier: MIT
"""clambda serve, Invoke API: boto3, raw HTTP, the aws CLI and `clambda invoke` against the
examples and the Python fixture runtime (runtimes/pyrt)."""

import base64
import json
import shutil
import subprocess

import pytest

from conftest import TIMEOUT, clambda_path, example_path, runtime_dir


@pytest.fixture
def srv(serve):
    return serve({"hello": example_path("hello").parent, "echo": example_path("echo").parent,
                  "fail": example_path("fail").parent, "py": runtime_dir("pyrt")})


def test_boto3_sync_hello(srv):
    r = srv.boto3().invoke(FunctionName="hello", Payload=b"{}")
    assert r["StatusCode"] == 200
    assert r["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in r
    assert json.loads(r["Payload"].read()) == {"message": "Hello from hello!"}


def test_boto3_echo_byte_exact(srv):
    payload = json.dumps({"s": "caf\u00e9 \u2603 \U0001f600", "n": [1, 2.5, None, True],
                          "nested": {"a": "\\\"\n"}}, ensure_ascii=False).encode()
    r = srv.boto3().invoke(FunctionName="echo", Payload=payload)
    assert r["Payload"].read() == payload


def test_boto3_function_error(srv):
    r = srv.boto3().invoke(FunctionName="fail", Payload=b"{}")
    assert r["StatusCode"] == 200
    assert r["FunctionError"] == "Unhandled"
    body = json.loads(r["Payload"].read())
    assert body["errorType"] == "ValidationError"
    assert body["errorMessage"] == "the event was rejected"


def test_boto3_tail(srv):
    r = srv.boto3().invoke(FunctionName="fail", Payload=b"{}", LogType="Tail")
    log = base64.b64decode(r["LogResult"]).decode()
    rid = r["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {rid} Version: $LATEST" in log
    assert "rejecting event" in log
    assert f"END RequestId: {rid}" in log
    assert f"REPORT RequestId: {rid}\tDuration: " in log


def test_boto3_dry_run(srv):
    r = srv.boto3().invoke(FunctionName="hello", InvocationType="DryRun")
    assert r["StatusCode"] == 204


def test_boto3_not_found(srv):
    c = srv.boto3()
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.invoke(FunctionName="nope", Payload=b"{}")
    # AWS names $LATEST in Invoke's not-found ARN (recorded; conformance.json invoke-missing)
    assert ei.value.response["Error"]["Message"] == \
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST"


def test_boto3_qualifier_and_arn(srv):
    c = srv.boto3()
    r = c.invoke(FunctionName="arn:aws:lambda:us-east-1:000000000000:function:hello:$LATEST")
    assert r["StatusCode"] == 200
    r = c.invoke(FunctionName="hello", Qualifier="$LATEST")
    assert r["StatusCode"] == 200
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.invoke(FunctionName="hello", Qualifier="prod")
    assert ei.value.response["Error"]["Message"].endswith("function:hello:prod")


def test_boto3_async_event(srv, tmp_path):
    r = srv.boto3().invoke(FunctionName="py", InvocationType="Event",
                           Payload=json.dumps({"action": "log", "text": "async-marker-42"}))
    assert r["StatusCode"] == 202
    srv.wait_log("py", r"^async-marker-42$")
    srv.wait_log("py", r"^REPORT RequestId: ")


def test_client_context(srv):
    ctx = {"custom": {"k": "v"}, "env": {"x": 1}}
    r = srv.boto3().invoke(FunctionName="py", Payload=json.dumps({"action": "env"}),
                           ClientContext=base64.b64encode(json.dumps(ctx).encode()).decode())
    hdrs = json.loads(r["Payload"].read())["headers"]
    assert json.loads(hdrs["lambda-runtime-client-context"]) == ctx


def test_client_context_invalid(srv):
    st, h, body = srv.invoke("py", b"{}", {"X-Amz-Client-Context": "!!notbase64"})
    assert st == 400
    assert h["x-amzn-errortype"] == "InvalidRequestContentException"


def test_invalid_json(srv):
    st, h, body = srv.invoke("echo", b"{not json")
    assert st == 400
    assert h["x-amzn-errortype"] == "InvalidRequestContentException"
    assert json.loads(body)["message"].startswith("Could not parse request body into json")


def test_oversize_payload(srv):
    st, h, body = srv.invoke("echo", b'"' + b"a" * 6291456 + b'"')
    assert st == 413
    assert h["x-amzn-errortype"] == "RequestEntityTooLargeException"
    assert json.loads(body)["message"] == \
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    # the connection's server side is still fine
    st, _, _ = srv.invoke("hello")
    assert st == 200


def test_oversize_event_payload(srv):
    st, h, body = srv.invoke("echo", b'"' + b"a" * 1048576 + b'"',
                             {"X-Amz-Invocation-Type": "Event"})
    assert st == 413
    assert "is too large for the Event invocation type (limit 1048576 bytes)" in \
        json.loads(body)["message"]


def test_empty_payload_is_empty_object(srv):
    st, _, body = srv.invoke("echo", b"")
    assert (st, body) == (200, b"{}")


def test_unknown_operation_and_method(srv):
    import http.client
    for method, path in (("GET", "/2015-03-31/functions/echo/invocations"),
                         ("POST", "/nothing/here"),
                         ("DELETE", "/2016-08-19/account-settings"),
                         ("GET", "/2015-03-31/functions/echo/nothing")):
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
        c.request(method, path)
        r = c.getresponse()
        assert r.status == 404, (method, path)
        assert r.getheader("x-amzn-ErrorType") == "UnknownOperationException"
        assert json.loads(r.read())["Type"] == "User"
        c.close()


def test_bad_invocation_type(srv):
    st, h, _ = srv.invoke("echo", b"{}", {"X-Amz-Invocation-Type": "Sometimes"})
    assert st == 400
    assert h["x-amzn-errortype"] == "ValidationException"


def test_keep_alive_many_requests(srv):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    for i in range(50):
        c.request("POST", "/2015-03-31/functions/echo/invocations", body=b'{"i":%d}' % i)
        r = c.getresponse()
        assert r.read() == b'{"i":%d}' % i
    c.close()


def test_clambda_invoke_cli(srv):
    exe = str(clambda_path())
    r = subprocess.run([exe, "invoke", "echo", "--data", '{"x":1}', "--endpoint", srv.endpoint],
                       capture_output=True, timeout=TIMEOUT)
    assert (r.returncode, r.stdout) == (0, b'{"x":1}\n')
    r = subprocess.run([exe, "invoke", "fail", "--tail", "--endpoint", srv.endpoint],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 1
    assert b"ValidationError" in r.stdout
    assert b"REPORT RequestId:" in r.stderr
    r = subprocess.run([exe, "invoke", "nope", "--endpoint", srv.endpoint],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 1  # the operation failed (2 is for usage errors)
    assert b"ResourceNotFoundException" in r.stderr
    r = subprocess.run([exe, "invoke", "py", "--async", "--data", '{"action":"log","text":"cli-async"}',
                        "--endpoint", srv.endpoint], capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0
    srv.wait_log("py", r"^cli-async$")


def test_aws_cli(srv, tmp_path):
    aws = shutil.which("aws")
    if aws is None:
        pytest.skip("the aws CLI is not installed")
    out = tmp_path / "out.json"
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin:" +
           str(pathlib_parent(aws))}
    args = [aws, "--endpoint-url", srv.endpoint, "lambda", "invoke", "--function-name", "echo",
            "--payload", '{"via":"aws"}', str(out)]
    r = subprocess.run(args, capture_output=True, timeout=TIMEOUT, env=env)
    if r.returncode != 0 and b"base64" in r.stderr:  # CLI v2 wants this flag
        r = subprocess.run(args[:-1] + ["--cli-binary-format", "raw-in-base64-out", str(out)],
                           capture_output=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["StatusCode"] == 200
    assert out.read_bytes() == b'{"via":"aws"}'


def pathlib_parent(p):
    import os
    return os.path.dirname(p)
