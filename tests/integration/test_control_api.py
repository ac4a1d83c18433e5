# SPDX-License-Identifier: MIT
"""Control-plane API (issue 5, phase 1) over --function functions: ListFunctions with
pagination, GetFunction, GetFunctionConfiguration, GetFunctionConcurrency, GetAccountSettings,
errors exactly as botocore reports them, validation, and operations not implemented yet — with
boto3 and both aws CLI versions."""

import base64
import hashlib
import http.client
import json
import re

import pytest

from awscli import clis, run
from conftest import example_path, runtime_dir

ACCOUNT = "000000000000"
TIME_RX = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


@pytest.fixture
def srv(serve):
    return serve({"hello": example_path("hello").parent, "echo": example_path("echo").parent},
                 sets=["echo.reserved=2", "echo.env.GREETING=hi", "echo.memory=256",
                       "echo.timeout=10"],
                 args=["--max-concurrency", "10"])


def raw(srv, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def sha256_b64(path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_list_functions(srv):
    fns = srv.boto3().list_functions()["Functions"]
    assert [f["FunctionName"] for f in fns] == ["echo", "hello"]
    echo = fns[0]
    boot = example_path("echo")
    assert echo["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:echo"
    assert echo["Runtime"] == "provided.al2023"
    assert echo["Handler"] == "bootstrap"
    assert echo["CodeSize"] == boot.stat().st_size
    assert echo["CodeSha256"] == sha256_b64(boot)
    assert TIME_RX.match(echo["LastModified"])
    assert echo["Version"] == "$LATEST"
    assert echo["MemorySize"] == 256 and echo["Timeout"] == 10
    assert echo["Environment"] == {"Variables": {"GREETING": "hi"}}
    assert echo["State"] == "Active" and echo["LastUpdateStatus"] == "Successful"
    assert echo["PackageType"] == "Zip" and echo["Architectures"] == ["x86_64"]
    assert echo["EphemeralStorage"] == {"Size": 512}
    assert echo["TracingConfig"] == {"Mode": "PassThrough"}
    assert re.match(r"^[0-9a-f-]{36}$", echo["RevisionId"])
    assert "Environment" not in fns[1]


def test_get_function_and_configuration(srv):
    c = srv.boto3()
    r = c.get_function(FunctionName="echo")
    assert r["Configuration"]["FunctionName"] == "echo"
    assert r["Configuration"]["FunctionArn"].endswith(":function:echo")
    assert r["Concurrency"] == {"ReservedConcurrentExecutions": 2}
    assert "Concurrency" not in c.get_function(FunctionName="hello")
    conf = c.get_function_configuration(FunctionName="echo")
    assert conf == r["Configuration"] | {"ResponseMetadata": conf["ResponseMetadata"]}
    # qualified: by parameter, inside the name, as a partial or a full ARN
    q = c.get_function_configuration(FunctionName="echo", Qualifier="$LATEST")
    assert q["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:echo:$LATEST"
    for name in ("echo:$LATEST", f"{ACCOUNT}:function:echo",
                 f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:echo"):
        assert c.get_function(FunctionName=name)["Configuration"]["FunctionName"] == "echo"
    assert c.get_function_concurrency(FunctionName="echo")["ReservedConcurrentExecutions"] == 2
    assert "ReservedConcurrentExecutions" not in c.get_function_concurrency(FunctionName="hello")


def test_waiter_function_active(srv):
    c = srv.boto3()
    c.get_waiter("function_active_v2").wait(FunctionName="echo",
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    c.get_waiter("function_updated_v2").wait(FunctionName="echo",
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    c.get_waiter("function_exists").wait(FunctionName="hello",
                                         WaiterConfig={"Delay": 1, "MaxAttempts": 2})


def test_not_found(srv):
    c = srv.boto3()
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.get_function(FunctionName="nope")
    err = ei.value.response["Error"]
    assert err["Message"] == f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:nope"
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert ei.value.response["Type"] == "User"
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.get_function_configuration(FunctionName="echo", Qualifier="prod")
    assert ei.value.response["Error"]["Message"].endswith(":function:echo:prod")
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        c.get_function(FunctionName="echo:1", Qualifier="2")


def test_list_pagination(serve, tmp_path):
    d = example_path("hello").parent
    names = [f"fn-{i:03d}" for i in range(57)]
    s = serve({n: d for n in names})
    c = s.boto3()
    r = c.list_functions(MaxItems=1000)  # capped at 50
    assert len(r["Functions"]) == 50 and r["NextMarker"] == "fn-049"
    r2 = c.list_functions(Marker=r["NextMarker"])
    assert [f["FunctionName"] for f in r2["Functions"]] == names[50:]
    assert "NextMarker" not in r2
    seen, pages = [], 0
    for page in c.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 7}):
        assert len(page["Functions"]) <= 7
        seen += [f["FunctionName"] for f in page["Functions"]]
        pages += 1
    assert seen == names and pages == 9
    r = c.list_functions(FunctionVersion="ALL", MaxItems=3)
    assert r["NextMarker"] == "fn-002:$LATEST"  # with versions the marker names one
    r = c.list_functions(FunctionVersion="ALL", MaxItems=3, Marker=r["NextMarker"])
    assert [f["FunctionName"] for f in r["Functions"]] == names[3:6]
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        c.list_functions(Marker="not a marker")


def test_validation_errors(srv, tmp_path):
    c = srv.boto3()
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.get_function(FunctionName="bad name!")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    assert ei.value.response["Error"]["Message"].startswith(
        "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ")
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.list_functions(MaxItems=20000)
    assert ei.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '20000' at 'maxItems' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000")
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.list_functions(FunctionVersion="LATEST")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.update_function_configuration(FunctionName="echo", MemorySize=20000, Timeout=901)
    assert ei.value.response["Error"]["Message"] == (
        "2 validation errors detected: Value '901' at 'timeout' failed to satisfy constraint: "
        "Member must have value less than or equal to 900; Value '20000' at 'memorySize' failed "
        "to satisfy constraint: Member must have value less than or equal to 10240")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.update_function_configuration(FunctionName="echo",
                                        Environment={"Variables": {"AWS_REGION": "x"}})
    assert ei.value.response["Error"]["Message"].endswith(
        "Reserved keys used in this request: AWS_REGION")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.update_function_configuration(FunctionName="echo",
                                        Environment={"Variables": {"BIG": "x" * 4100}})
    assert "exceeded the 4KB limit" in ei.value.response["Error"]["Message"]


def test_not_implemented(srv, tmp_path):
    c = srv.boto3()
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.get_function_code_signing_config(FunctionName="echo")
    r = ei.value.response
    assert r["Error"]["Code"] == "NotImplementedException"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert r["Error"]["Message"].startswith(
        "GetFunctionCodeSigningConfig is not implemented by clambda yet")
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.get_layer_version_policy(LayerName="x", VersionNumber=1)
    assert ei.value.response["Error"]["Message"].startswith(
        "GetLayerVersionPolicy is not implemented")


def test_account_settings(srv):
    r = srv.boto3().get_account_settings()
    lim, use = r["AccountLimit"], r["AccountUsage"]
    assert lim["ConcurrentExecutions"] == 10
    assert lim["UnreservedConcurrentExecutions"] == 8
    assert lim["CodeSizeZipped"] == 52428800 and lim["CodeSizeUnzipped"] == 262144000
    assert use["FunctionCount"] == 2
    assert use["TotalCodeSize"] == (example_path("echo").stat().st_size +
                                    example_path("hello").stat().st_size)


def test_raw_http_shapes(srv):
    st, h, body = raw(srv, "GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A"
                                  "000000000000%3Afunction%3Aecho/configuration?Qualifier=%24LATEST")
    assert st == 200 and h["content-type"] == "application/json" and "x-amzn-requestid" in h
    assert json.loads(body)["FunctionArn"].endswith(":echo:$LATEST")
    st, h, body = raw(srv, "GET", "/2015-03-31/functions/nope")
    assert st == 404 and h["x-amzn-errortype"] == "ResourceNotFoundException"
    assert json.loads(body) == {"Type": "User", "Message": "Function not found: arn:aws:lambda:"
                                "us-east-1:000000000000:function:nope"}
    st, h, body = raw(srv, "GET", "/2015-03-31/functions/?MaxItems=0")
    assert st == 400 and h["x-amzn-errortype"] == "ValidationException"
    assert set(json.loads(body)) == {"Type", "message"}
    # every List operation reads MaxItems alike (api_page.c): a malformed one is refused, not
    # ignored (regression: ListLayers and ListLayerVersions treated it as absent)
    for path in ("/2015-03-31/functions/", "/2018-10-31/layers", "/2018-10-31/layers/l/versions"):
        st, h, _ = raw(srv, "GET", path + "?MaxItems=%zz")
        assert st == 400 and h["x-amzn-errortype"] == "InvalidParameterValueException", path
    st, h, _ = raw(srv, "PATCH", "/2015-03-31/functions/echo")
    assert st == 404 and h["x-amzn-errortype"] == "UnknownOperationException"
    st, h, _ = raw(srv, "GET", "/2015-03-31/functions/echo/bogus")
    assert st == 404 and h["x-amzn-errortype"] == "UnknownOperationException"
    st, h, _ = raw(srv, "GET", "/2015-03-31/functions/e%zzho")
    assert st == 400 and h["x-amzn-errortype"] == "ValidationException"
    st, h, body = raw(srv, "GET", "/2016-08-19/account-settings")
    assert st == 200 and json.loads(body)["AccountUsage"]["FunctionCount"] == 2


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aws_cli(srv, tmp_path, version):
    cli = clis().get(version)
    if cli is None:
        pytest.skip(f"aws CLI {version} is not installed")
    rc, out, err = run(cli, srv.endpoint, ["list-functions"], home=str(tmp_path))
    assert rc == 0, err
    assert [f["FunctionName"] for f in out["Functions"]] == ["echo", "hello"]
    rc, out, err = run(cli, srv.endpoint, ["list-functions", "--page-size", "1"],
                       home=str(tmp_path))
    assert rc == 0 and len(out["Functions"]) == 2, err
    rc, out, err = run(cli, srv.endpoint, ["get-function", "--function-name", "echo"],
                       home=str(tmp_path))
    assert rc == 0 and out["Concurrency"]["ReservedConcurrentExecutions"] == 2, err
    rc, out, err = run(cli, srv.endpoint,
                       ["get-function-configuration", "--function-name", "hello"],
                       home=str(tmp_path))
    assert rc == 0 and out["FunctionName"] == "hello", err
    rc, out, err = run(cli, srv.endpoint, ["get-account-settings"], home=str(tmp_path))
    assert rc == 0 and out["AccountUsage"]["FunctionCount"] == 2, err
    rc, out, err = run(cli, srv.endpoint, ["get-function", "--function-name", "nope"],
                       home=str(tmp_path))
    assert rc != 0
    assert "An error occurred (ResourceNotFoundException) when calling the GetFunction " in err
    assert ": Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope" in err
    rc, out, err = run(cli, srv.endpoint, ["wait", "function-active-v2", "--function-name",
                                           "echo"], home=str(tmp_path))
    assert rc == 0, err


def test_reload_shows_in_the_api(serve, tmp_path):
    """A SIGHUP reload that changes a function gives it a new RevisionId and LastModified; added
    and removed functions appear in and leave ListFunctions."""
    import signal
    import time
    py = runtime_dir("pyrt")
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"functions": {"a": {"code": str(py)}, "b": {"code": str(py)}}}))
    srv = serve({}, args=["--manifest", str(m)])
    c = srv.boto3()
    before = c.get_function_configuration(FunctionName="a")
    assert before["MemorySize"] == 128
    m.write_text(json.dumps({"functions": {"a": {"code": str(py), "memory": 512},
                                           "c": {"code": str(py)}}}))
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 60
    while "1 added, 1 replaced" not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    after = c.get_function_configuration(FunctionName="a")
    assert after["MemorySize"] == 512
    assert after["RevisionId"] != before["RevisionId"]
    assert after["LastModified"] >= before["LastModified"]
    assert [f["FunctionName"] for f in c.list_functions()["Functions"]] == ["a", "c"]


IMPLEMENTED = {"Invoke", "ListFunctions", "GetFunction", "GetFunctionConfiguration",
               "GetFunctionConcurrency", "GetAccountSettings", "CreateFunction", "DeleteFunction",
               "UpdateFunctionConfiguration", "UpdateFunctionCode",
               "TagResource", "UntagResource", "ListTags", "AddPermission", "RemovePermission",
               "GetPolicy", "CreateFunctionUrlConfig", "GetFunctionUrlConfig",
               "UpdateFunctionUrlConfig", "DeleteFunctionUrlConfig", "ListFunctionUrlConfigs",
               "PutFunctionEventInvokeConfig", "UpdateFunctionEventInvokeConfig",
               "GetFunctionEventInvokeConfig", "DeleteFunctionEventInvokeConfig",
               "ListFunctionEventInvokeConfigs", "PublishLayerVersion", "GetLayerVersion",
               "GetLayerVersionByArn", "ListLayers", "ListLayerVersions", "DeleteLayerVersion",
               "PutFunctionConcurrency", "DeleteFunctionConcurrency", "PublishVersion",
               "ListVersionsByFunction", "CreateAlias", "GetAlias", "UpdateAlias", "DeleteAlias",
               "ListAliases", "PutProvisionedConcurrencyConfig", "GetProvisionedConcurrencyConfig",
               "DeleteProvisionedConcurrencyConfig", "ListProvisionedConcurrencyConfigs"}


def test_every_model_operation_is_routed(srv):
    """Every operation of the installed botocore's Lambda model reaches its handler: implemented
    ones answer, the others 501 NotImplementedException naming that operation; none is an
    unknown path."""
    import botocore.session
    model = botocore.session.get_session().get_service_model("lambda")
    for name in model.operation_names:
        http_ = model.operation_model(name).http
        target = "echo" if http_["method"] == "GET" else "nosuch"  # nothing is changed
        path = re.sub(r"\{FunctionName\}", target, http_["requestUri"])
        path = re.sub(r"\{[A-Za-z]+\+?\}", "x1", path)
        body = b"{}" if http_["method"] in ("POST", "PUT") else None
        st, h, out = raw(srv, http_["method"], path, body)
        assert h.get("x-amzn-errortype") != "UnknownOperationException", (name, path)
        if name in IMPLEMENTED:
            # an empty body may be refused before the lookup, as AWS does (e.g.
            # PutFunctionEventInvokeConfig without settings: InvalidParameterValueException)
            assert st < 300 or h["x-amzn-errortype"] in ("ResourceNotFoundException",
                                                         "ValidationException",
                                                         "InvalidParameterValueException"), (name,
                                                                                             out)
        else:
            assert (st, h["x-amzn-errortype"]) == (501, "NotImplementedException"), (name, out)
            assert json.loads(out)["message"].startswith(f"{name} is not implemented"), name
