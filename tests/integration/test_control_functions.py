# SPDX-License-Identifier: MIT
"""CreateFunction (Code.ZipFile; S3Bucket/S3Key: test_control_s3code.py) and DeleteFunction
on the function store: boto3 and both aws CLI versions; the created function is served at
once, survives a restart, and is gone after DeleteFunction; errors as botocore reports them."""

import base64
import hashlib
import io
import os
import json
import zipfile

import pytest

from awscli import clis, run
from conftest import Server, example_path

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
CORRUPT = "Could not unzip uploaded file. Please check your file, then try to upload again."


def make_zip(example="hello") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, example_path(example).read_bytes())
    return buf.getvalue()


def create(c, name, zip_bytes, **kw):
    args = dict(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap", Role=ROLE,
                Code={"ZipFile": zip_bytes})
    args.update(kw)
    return c.create_function(**args)


def test_create_invoke_get_delete(serve):
    srv = serve({})
    c = srv.boto3()
    z = make_zip("echo")
    r = create(c, "made", z, MemorySize=256, Description="from the API",
               Environment={"Variables": {"MODE": "test"}})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["CodeSha256"] == base64.b64encode(hashlib.sha256(z).digest()).decode()
    assert r["CodeSize"] == len(z)
    assert r["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:made"
    assert r["Role"] == ROLE and r["MemorySize"] == 256 and r["Description"] == "from the API"
    assert r["State"] == "Pending" and r["Environment"] == {"Variables": {"MODE": "test"}}
    c.get_waiter("function_active_v2").wait(FunctionName="made",
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    out = c.invoke(FunctionName="made", Payload=b'{"k":"v"}')
    assert out["Payload"].read() == b'{"k":"v"}'
    g = c.get_function_configuration(FunctionName="made")
    for k in ("CodeSha256", "CodeSize", "RevisionId", "LastModified", "Description", "Role"):
        assert g[k] == r[k], k
    assert [f["FunctionName"] for f in c.list_functions()["Functions"]] == ["made"]
    with pytest.raises(c.exceptions.ResourceConflictException) as ei:
        create(c, "made", z)
    assert ei.value.response["Error"]["Message"] == "Function already exist: made"
    d = c.delete_function(FunctionName="made")
    assert d["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName="made")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.delete_function(FunctionName="made")
    assert c.list_functions()["Functions"] == []


def test_created_function_survives_restart(tmp_path):
    state = tmp_path / "state"
    s1 = Server(state, {})
    try:
        r = create(s1.boto3(), "keep", make_zip())
    finally:
        assert s1.stop() == 0
    s2 = Server(state, {})
    try:
        c = s2.boto3()
        g = c.get_function_configuration(FunctionName="keep")
        assert (g["CodeSha256"], g["RevisionId"]) == (r["CodeSha256"], r["RevisionId"])
        assert g["Role"] == ROLE  # kept in the store beside the configuration
        assert json.loads(c.invoke(FunctionName="keep")["Payload"].read()) == \
            {"message": "Hello from keep!"}
        c.delete_function(FunctionName="keep")
    finally:
        assert s2.stop() == 0
    s3 = Server(state, {})
    try:
        assert s3.boto3().list_functions()["Functions"] == []
    finally:
        assert s3.stop() == 0


def test_create_errors(serve):
    srv = serve({"hello": example_path("hello").parent})
    c = srv.boto3()
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        create(c, "bad", b"this is not a zip")
    assert ei.value.response["Error"]["Message"] == CORRUPT
    with pytest.raises(c.exceptions.ResourceConflictException):
        create(c, "hello", make_zip())
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.create_function(FunctionName="s3", Runtime="provided.al2023", Handler="bootstrap",
                          Role=ROLE, Code={"S3Bucket": "bucket", "S3Key": "k"})
    assert "S3 Error Code: NoSuchBucket" in ei.value.response["Error"]["Message"]
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.create_function(FunctionName="nort", Role=ROLE, Code={"ZipFile": make_zip()})
    assert ei.value.response["Error"]["Message"] == (
        "Runtime and Handler are mandatory parameters for functions created with deployment "
        "packages.")
    with pytest.raises(c.exceptions.ClientError) as ei:
        create(c, "big", make_zip(), MemorySize=20000)
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        create(c, "py", make_zip(), Runtime="python3.12")
    # a version that does not exist: AWS answers 204 (conformance.json
    # delete_function-missing-version-is-204)
    r = c.delete_function(FunctionName="hello", Qualifier="1")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert [f["FunctionName"] for f in c.list_functions()["Functions"]] == ["hello"]


def test_manifest_functions_are_not_deleted(serve, tmp_path):
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"functions": {"fromfile": {"code": str(example_path("hello").parent)}}}))
    srv = serve({}, args=["--manifest", str(m)])
    c = srv.boto3()
    with pytest.raises(c.exceptions.ResourceConflictException) as ei:
        c.delete_function(FunctionName="fromfile")
    assert "--manifest" in ei.value.response["Error"]["Message"]
    with pytest.raises(c.exceptions.ResourceConflictException):
        c.update_function_configuration(FunctionName="fromfile", Timeout=10)
    assert c.get_function(FunctionName="fromfile")["Configuration"]["FunctionName"] == "fromfile"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aws_cli_create_delete(serve, tmp_path, version):
    cli = clis().get(version)
    if cli is None:
        pytest.skip(f"aws CLI {version} is not installed")
    srv = serve({})
    zpath = tmp_path / "f.zip"
    zpath.write_bytes(make_zip())
    rc, out, err = run(cli, srv.endpoint, ["create-function", "--function-name", "viacli",
                                           "--runtime", "provided.al2023", "--handler",
                                           "bootstrap", "--role", ROLE, "--zip-file",
                                           f"fileb://{zpath}"], home=str(tmp_path))
    assert rc == 0, err
    assert out["FunctionName"] == "viacli" and out["State"] == "Pending"  # AWS's create answer
    rc, out, err = run(cli, srv.endpoint, ["wait", "function-active-v2", "--function-name",
                                           "viacli"], home=str(tmp_path))
    assert rc == 0, err
    rc, out, err = run(cli, srv.endpoint, ["delete-function", "--function-name", "viacli"],
                       home=str(tmp_path))
    assert rc == 0, err
    rc, out, err = run(cli, srv.endpoint, ["get-function", "--function-name", "viacli"],
                       home=str(tmp_path))
    assert rc != 0 and "ResourceNotFoundException" in err


def test_update_configuration(serve, tmp_path):
    srv = serve({})
    c = srv.boto3()
    r = create(c, "upd", make_zip("echo"), Environment={"Variables": {"A1": "x"}})
    u = c.update_function_configuration(FunctionName="upd", MemorySize=512, Timeout=30,
                                        Description="second", RevisionId=r["RevisionId"],
                                        Environment={"Variables": {"B1": "y"}})
    assert u["MemorySize"] == 512 and u["Timeout"] == 30 and u["Description"] == "second"
    assert u["Environment"] == {"Variables": {"B1": "y"}}  # replaced as a whole, as AWS does
    assert u["RevisionId"] != r["RevisionId"] and u["CodeSha256"] == r["CodeSha256"]
    assert u["LastUpdateStatus"] == "InProgress" and u["Role"] == ROLE  # AWS's update answer
    c.get_waiter("function_updated_v2").wait(FunctionName="upd",
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    g = c.get_function_configuration(FunctionName="upd")
    assert (g["MemorySize"], g["RevisionId"]) == (512, u["RevisionId"])
    assert c.invoke(FunctionName="upd", Payload=b'{"n":1}')["Payload"].read() == b'{"n":1}'
    with pytest.raises(c.exceptions.PreconditionFailedException):
        c.update_function_configuration(FunctionName="upd", Timeout=5,
                                        RevisionId=r["RevisionId"])
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.update_function_configuration(FunctionName="nope", Timeout=5)
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.update_function_configuration(FunctionName="upd", Timeout=901)
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    assert c.get_function_configuration(FunctionName="upd")["Timeout"] == 30


def test_function_concurrency(serve):
    srv = serve({}, args=["--max-concurrency", "10"])
    c = srv.boto3()
    r = create(c, "conc", make_zip("echo"))
    assert c.put_function_concurrency(FunctionName="conc", ReservedConcurrentExecutions=4)[
        "ReservedConcurrentExecutions"] == 4
    assert c.get_function_concurrency(FunctionName="conc")["ReservedConcurrentExecutions"] == 4
    assert c.get_function(FunctionName="conc")["Concurrency"] == {"ReservedConcurrentExecutions": 4}
    assert c.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 6
    g = c.get_function_configuration(FunctionName="conc")
    assert g["RevisionId"] != r["RevisionId"]  # saved as a new revision
    assert c.invoke(FunctionName="conc", Payload=b"{}")["StatusCode"] == 200
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.put_function_concurrency(FunctionName="conc", ReservedConcurrentExecutions=11)
    assert "below its minimum value" in ei.value.response["Error"]["Message"]
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.put_function_concurrency(FunctionName="nope", ReservedConcurrentExecutions=1)
    assert c.delete_function_concurrency(FunctionName="conc")["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    assert "ReservedConcurrentExecutions" not in c.get_function_concurrency(FunctionName="conc")
    assert c.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 10
    # reserved 0 throttles invokes, as on AWS (a function without warm environments: the pool
    # checks reservations when it starts one)
    create(c, "zero", make_zip("echo"))
    c.put_function_concurrency(FunctionName="zero", ReservedConcurrentExecutions=0)
    with pytest.raises(c.exceptions.TooManyRequestsException):
        c.invoke(FunctionName="zero", Payload=b"{}")


def test_update_function_code(serve, tmp_path):
    srv = serve({})
    c = srv.boto3()
    r = create(c, "code", make_zip("echo"), Environment={"Variables": {"K1": "v"}})
    assert c.invoke(FunctionName="code", Payload=b'{"a":1}')["Payload"].read() == b'{"a":1}'
    z = make_zip("hello")
    u = c.update_function_code(FunctionName="code", ZipFile=z, RevisionId=r["RevisionId"])
    assert u["CodeSha256"] == base64.b64encode(hashlib.sha256(z).digest()).decode()
    assert u["CodeSize"] == len(z) and u["RevisionId"] != r["RevisionId"]
    assert u["Environment"] == {"Variables": {"K1": "v"}} and u["Role"] == ROLE
    assert u["LastUpdateStatus"] == "InProgress"  # AWS's update answer, Successful next
    c.get_waiter("function_updated_v2").wait(FunctionName="code",
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    out = c.invoke(FunctionName="code", Payload=b'{"a":1}')["Payload"].read()
    assert out != b'{"a":1}' and b"hello" in out.lower()  # the new package runs
    assert c.get_function_configuration(FunctionName="code")["CodeSha256"] == u["CodeSha256"]
    d = c.update_function_code(FunctionName="code", ZipFile=make_zip("echo"), DryRun=True)
    assert d["CodeSha256"] != u["CodeSha256"]  # what it would be
    assert c.get_function_configuration(FunctionName="code")["CodeSha256"] == u["CodeSha256"]
    with pytest.raises(c.exceptions.PreconditionFailedException):
        c.update_function_code(FunctionName="code", ZipFile=z, RevisionId=r["RevisionId"])
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.update_function_code(FunctionName="nope", ZipFile=z)
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.update_function_code(FunctionName="code", ZipFile=b"not a zip")
    assert ei.value.response["Error"]["Message"] == CORRUPT
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.update_function_code(FunctionName="code", S3Bucket="bucket", S3Key="k.zip")
    assert "S3 Error Code: NoSuchBucket" in ei.value.response["Error"]["Message"]
    for version in ("v1", "v2"):
        cli = clis().get(version)
        if cli is None:
            continue
        zpath = tmp_path / "e.zip"
        zpath.write_bytes(make_zip("echo"))
        rc, out, err = run(cli, srv.endpoint, ["update-function-code", "--function-name", "code",
                                               "--zip-file", f"fileb://{zpath}"],
                           home=str(tmp_path))
        assert rc == 0, err
        assert out["CodeSha256"] == base64.b64encode(
            hashlib.sha256(zpath.read_bytes()).digest()).decode()
        rc, out, err = run(cli, srv.endpoint, ["wait", "function-updated-v2", "--function-name",
                                               "code"], home=str(tmp_path))
        assert rc == 0, err
    assert c.invoke(FunctionName="code", Payload=b'{"b":2}')["Payload"].read() == b'{"b":2}'


def zip_with_data(data: bytes, method=zipfile.ZIP_STORED) -> bytes:
    """A zip with hello's bootstrap and data as data.bin."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, example_path("hello").read_bytes())
        z.writestr("data.bin", data)
    return buf.getvalue()


def big_zip(payload_bytes: int) -> bytes:
    """A zip with hello's bootstrap and payload_bytes of incompressible data (stored)."""
    return zip_with_data(os.urandom(payload_bytes))


def test_code_packages_up_to_50_mb(serve):
    """Regression: code uploads were capped by the Invoke API's 6 MB body limit."""
    srv = serve({})
    c = srv.boto3()
    z = big_zip(20 * 1024 * 1024)  # 26.7 MB of base64: over the 6 MB cap of other requests
    r = create(c, "big", z)
    assert r["CodeSize"] == len(z)
    assert b"hello" in c.invoke(FunctionName="big", Payload=b"{}")["Payload"].read().lower()
    u = c.update_function_code(FunctionName="big", ZipFile=big_zip(30 * 1024 * 1024))
    assert u["CodeSize"] > 30 * 1024 * 1024
    with pytest.raises(c.exceptions.ClientError) as ei:  # zipped size over 50 MB
        c.update_function_code(FunctionName="big", ZipFile=big_zip(51 * 1024 * 1024))
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert ei.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    with pytest.raises(c.exceptions.ClientError) as ei:  # the request itself over AWS's cap
        c.update_function_code(FunctionName="big", ZipFile=big_zip(54 * 1024 * 1024))
    assert ei.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert "70167211 bytes for the UpdateFunctionCode operation" in \
        ei.value.response["Error"]["Message"]
    st, h, _ = srv.invoke("big", b"x" * (7 * 1024 * 1024))  # Invoke keeps its 6 MB cap
    assert st == 413
    assert c.get_function_configuration(FunctionName="big")["CodeSize"] == u["CodeSize"]
