# SPDX-License-Identifier: MIT
"""Code from a local bucket directory (--code-bucket-dir, default <state-dir>/buckets): the
S3Bucket/S3Key of CreateFunction, UpdateFunctionCode and PublishLayerVersion name the file
DIR/BUCKET/KEY. boto3 and the aws CLI v2 (`--code S3Bucket=...,S3Key=...`); AWS's errors for
missing buckets and keys and bad names; keys and symlinks that would leave the bucket."""

import base64
import hashlib
import io
import os
import subprocess
import zipfile

import pytest

from awscli import clis, run
from conftest import clambda_path
from test_control_functions import ROLE, make_zip

NO_BUCKET = ("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: "
             "The specified bucket does not exist")
NO_KEY = ("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The "
          "specified key does not exist.")


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def put(bucket_dir, bucket, key, data: bytes):
    path = bucket_dir / bucket / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def create(c, name, code, **kw):
    return c.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                             Role=ROLE, Code=code, **kw)


def error(ei):
    return ei.value.response["Error"]["Code"], ei.value.response["Error"]["Message"]


def test_create_and_update_from_default_bucket_dir(serve):
    srv = serve({})
    buckets = srv.state_dir / "buckets"
    assert buckets.is_dir()  # made at start, ready to be filled
    hello, echo = make_zip("hello"), make_zip("echo")
    put(buckets, "deploy-bucket", "fns/hello.zip", hello)
    put(buckets, "deploy-bucket", "fns/echo.zip", echo)
    c = srv.boto3()
    r = create(c, "froms3", {"S3Bucket": "deploy-bucket", "S3Key": "fns/hello.zip"})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["CodeSha256"] == sha(hello) and r["CodeSize"] == len(hello)
    assert r["State"] == "Pending"  # as AWS's create answer; Active at the next read
    out = c.invoke(FunctionName="froms3", Payload=b'{"a":1}')["Payload"].read()
    assert b"hello" in out.lower()
    u = c.update_function_code(FunctionName="froms3", S3Bucket="deploy-bucket",
                               S3Key="fns/echo.zip", S3ObjectVersion="null")
    assert u["CodeSha256"] == sha(echo) and u["CodeSize"] == len(echo)
    c.get_waiter("function_updated_v2").wait(FunctionName="froms3",
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert c.invoke(FunctionName="froms3", Payload=b'{"a":1}')["Payload"].read() == b'{"a":1}'
    d = c.update_function_code(FunctionName="froms3", S3Bucket="deploy-bucket",
                               S3Key="fns/hello.zip", DryRun=True)
    assert d["CodeSha256"] == sha(hello)
    assert c.get_function_configuration(FunctionName="froms3")["CodeSha256"] == sha(echo)


def test_s3_code_errors(serve, tmp_path):
    srv = serve({})
    buckets = srv.state_dir / "buckets"
    put(buckets, "bkt", "ok.zip", make_zip())
    (tmp_path / "secret.zip").write_bytes(make_zip())
    os.symlink(tmp_path / "secret.zip", buckets / "bkt" / "link.zip")
    os.symlink(tmp_path, buckets / "linked-bucket")
    c = srv.boto3()
    cases = [
        ({"S3Bucket": "nobucket", "S3Key": "ok.zip"}, "InvalidParameterValueException", NO_BUCKET),
        ({"S3Bucket": "bkt", "S3Key": "nokey.zip"}, "InvalidParameterValueException", NO_KEY),
        ({"S3Bucket": "s3://bkt", "S3Key": "ok.zip"}, "ValidationException",
         "1 validation error detected: Value 's3://bkt' at 'code.s3Bucket' failed to satisfy "
         "constraint: Member must satisfy regular expression pattern: "
         "^[0-9A-Za-z\\.\\-_]*(?<!\\.)$"),
        ({"S3Bucket": "bkt", "S3Key": "ok.zip", "S3ObjectVersion": "3HL4kqtJlcpXroDTDmJ"},
         "InvalidParameterValueException", "Error occurred while GetObject. S3 Error Code: "
         "InvalidArgument. S3 Error Message: Invalid version id specified"),
        ({"S3Bucket": "bkt", "S3Key": "../../secret.zip"}, "InvalidParameterValueException",
         "clambda cannot read S3Key '../../secret.zip'"),
        ({"S3Bucket": "bkt", "S3Key": "/etc/passwd"}, "InvalidParameterValueException",
         "clambda cannot read S3Key '/etc/passwd'"),
        ({"S3Bucket": "bkt", "S3Key": "link.zip"}, "InvalidParameterValueException",
         "clambda does not follow symlinks"),
        ({"S3Bucket": "linked-bucket", "S3Key": "secret.zip"}, "InvalidParameterValueException",
         "clambda does not follow symlinks"),
        ({"S3Bucket": "bkt"}, "InvalidParameterValueException", "The code needs ZipFile"),
        ({"ZipFile": make_zip(), "S3Bucket": "bkt", "S3Key": "ok.zip"},
         "InvalidParameterValueException", "Give the code either as ZipFile or as S3Bucket"),
        ({"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/f:latest"},
         "InvalidParameterValueException", "clambda runs zip packages only: ImageUri"),
    ]
    for code, etype, message in cases:
        with pytest.raises(c.exceptions.ClientError) as ei:
            create(c, "bad", code)
        assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, code
        got_type, got = error(ei)
        assert got_type == etype, (code, got)
        assert got.startswith(message), (code, got)
    put(buckets, "bkt", "notzip.zip", b"not a zip")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        create(c, "bad", {"S3Bucket": "bkt", "S3Key": "notzip.zip"})
    assert error(ei)[1].startswith("Could not unzip uploaded file.")
    # UpdateFunctionCode names its members without a prefix
    create(c, "f", {"S3Bucket": "bkt", "S3Key": "ok.zip"})
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.update_function_code(FunctionName="f", S3Bucket="bk.", S3Key="ok.zip")
    assert error(ei)[1].startswith("1 validation error detected: Value 'bk.' at 's3Bucket'")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.update_function_code(FunctionName="f", S3Bucket="bkt", S3Key="gone.zip")
    assert error(ei)[1] == NO_KEY
    assert [f["FunctionName"] for f in c.list_functions()["Functions"]] == ["f"]


def test_layer_from_custom_bucket_dir(serve, tmp_path):
    buckets = tmp_path / "my-buckets"
    srv = serve({}, args=["--code-bucket-dir", str(buckets)])
    assert buckets.is_dir() and not (srv.state_dir / "buckets").exists()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lib/data.txt", "from the bucket")
    layer = buf.getvalue()
    put(buckets, "layers", "v1/layer.zip", layer)
    c = srv.boto3()
    r = c.publish_layer_version(LayerName="fromdir",
                                Content={"S3Bucket": "layers", "S3Key": "v1/layer.zip"})
    assert r["Version"] == 1
    assert r["Content"]["CodeSha256"] == sha(layer) and r["Content"]["CodeSize"] == len(layer)
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.publish_layer_version(LayerName="bad", Content={"S3Bucket": "layers",
                                                          "S3Key": "k" * 1025})
    assert error(ei)[1] == ("1 validation error detected: Value '" + "k" * 1025 + "' at "
                            "'content.s3Key' failed to satisfy constraint: Member must have "
                            "length less than or equal to 1024")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.publish_layer_version(LayerName="bad", Content={"S3Bucket": "nope", "S3Key": "k"})
    assert error(ei)[1] == NO_BUCKET


def test_aws_cli_v2_s3_code(serve, tmp_path):
    cli = clis().get("v2")
    if cli is None:
        pytest.skip("aws CLI v2 is not installed")
    srv = serve({})
    buckets = srv.state_dir / "buckets"
    hello, echo = make_zip("hello"), make_zip("echo")
    put(buckets, "cli-bucket", "hello.zip", hello)
    put(buckets, "cli-bucket", "echo.zip", echo)

    def aws(args):
        return run(cli, srv.endpoint, args, home=str(tmp_path))

    rc, out, err = aws(["create-function", "--function-name", "viacli", "--runtime",
                        "provided.al2023", "--handler", "bootstrap", "--role", ROLE, "--code",
                        "S3Bucket=cli-bucket,S3Key=hello.zip"])
    assert rc == 0, err
    assert out["CodeSha256"] == sha(hello) and out["State"] == "Pending"  # AWS's create answer
    rc, out, err = aws(["update-function-code", "--function-name", "viacli", "--s3-bucket",
                        "cli-bucket", "--s3-key", "echo.zip"])
    assert rc == 0, err
    assert out["CodeSha256"] == sha(echo)
    rc, out, err = aws(["wait", "function-updated-v2", "--function-name", "viacli"])
    assert rc == 0, err
    rc, out, err = aws(["publish-layer-version", "--layer-name", "clilayer", "--content",
                        "S3Bucket=cli-bucket,S3Key=hello.zip"])
    assert rc == 0, err
    assert out["Content"]["CodeSha256"] == sha(hello) and out["Version"] == 1
    rc, out, err = aws(["create-function", "--function-name", "missing", "--runtime",
                        "provided.al2023", "--handler", "bootstrap", "--role", ROLE, "--code",
                        "S3Bucket=cli-bucket,S3Key=nothere.zip"])
    assert rc != 0 and "InvalidParameterValueException" in err and "NoSuchKey" in err


def test_bad_code_bucket_dir(tmp_path):
    r = subprocess.run([str(clambda_path()), "serve", "--code-bucket-dir", ""],
                       capture_output=True, timeout=60)
    assert r.returncode == 2 and b"invalid value for --code-bucket-dir" in r.stderr
    (tmp_path / "file").write_text("x")  # a file where the directory should be made
    r = subprocess.run([str(clambda_path()), "serve", "--listen", "127.0.0.1:0", "--state-dir",
                        str(tmp_path / "state"), "--code-bucket-dir", str(tmp_path / "file/b")],
                       capture_output=True, timeout=60)
    assert r.returncode == 1 and b"--code-bucket-dir: mkdir(" in r.stderr
