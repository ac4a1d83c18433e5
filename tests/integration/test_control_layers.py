# SPDX-License-Identifier: MIT
"""Layers through the control plane: PublishLayerVersion, GetLayerVersion,
GetLayerVersionByArn, ListLayers, ListLayerVersions, DeleteLayerVersion with boto3 and both aws
CLI versions; validation and not-found errors as botocore reports them; a restart keeps them."""

import base64
import hashlib
import io
import json
import urllib.request
import zipfile

import pytest

from awscli import clis, run
from conftest import Server
from test_control_config import _unchecked

LAYER = "arn:aws:lambda:us-east-1:000000000000:layer:"
NOT_FOUND = "The resource you requested does not exist."


def layer_zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o644 << 16  # as AWS, modes are kept: 0600 is unreadable
            z.writestr(info, data)
    return buf.getvalue()


def test_publish_get_list_delete(serve):
    srv = serve({})
    c = srv.boto3()
    z = layer_zip({"lib/a.txt": "one"})
    r = c.publish_layer_version(LayerName="libs", Description="first", Content={"ZipFile": z},
                                CompatibleRuntimes=["provided.al2023"],
                                CompatibleArchitectures=["x86_64"], LicenseInfo="MIT")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["LayerArn"] == LAYER + "libs" and r["LayerVersionArn"] == LAYER + "libs:1"
    assert r["Version"] == 1 and r["Description"] == "first" and r["LicenseInfo"] == "MIT"
    assert r["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(z).digest()).decode()
    assert r["Content"]["CodeSize"] == len(z)
    assert r["CompatibleRuntimes"] == ["provided.al2023"]
    assert r["CompatibleArchitectures"] == ["x86_64"]
    assert len(r["CreatedDate"]) == len("2026-11-26T22:00:00.000+0000")
    r2 = c.publish_layer_version(LayerName=LAYER + "libs", Content={"ZipFile": z},
                                 CompatibleRuntimes=["provided.al2"])
    assert r2["Version"] == 2 and r2["Description"] == ""
    c.publish_layer_version(LayerName="other", Content={"ZipFile": layer_zip({"x": "y"})})
    g = c.get_layer_version(LayerName="libs", VersionNumber=1)
    for k in ("LayerVersionArn", "Content", "CreatedDate", "Description", "Version"):
        assert g[k] == r[k], k
    assert c.get_layer_version_by_arn(Arn=LAYER + "libs:2")["Version"] == 2
    ls = c.list_layers()["Layers"]
    assert [(x["LayerName"], x["LatestMatchingVersion"]["Version"]) for x in ls] == \
        [("libs", 2), ("other", 1)]
    assert ls[0]["LayerArn"] == LAYER + "libs"
    assert "Content" not in ls[0]["LatestMatchingVersion"]
    ls = c.list_layers(CompatibleRuntime="provided.al2023")["Layers"]
    assert [(x["LayerName"], x["LatestMatchingVersion"]["Version"]) for x in ls] == [("libs", 1)]
    p1 = c.list_layers(MaxItems=1)
    assert [x["LayerName"] for x in p1["Layers"]] == ["libs"] and p1["NextMarker"]
    p2 = c.list_layers(MaxItems=1, Marker=p1["NextMarker"])
    assert [x["LayerName"] for x in p2["Layers"]] == ["other"] and "NextMarker" not in p2
    vs = c.list_layer_versions(LayerName="libs")["LayerVersions"]
    assert [v["Version"] for v in vs] == [2, 1]
    assert vs[1]["LayerVersionArn"] == LAYER + "libs:1"
    v1 = c.list_layer_versions(LayerName="libs", MaxItems=1)
    assert [v["Version"] for v in v1["LayerVersions"]] == [2]
    v2 = c.list_layer_versions(LayerName="libs", MaxItems=1, Marker=v1["NextMarker"])
    assert [v["Version"] for v in v2["LayerVersions"]] == [1]
    assert [v["Version"] for v in c.list_layer_versions(
        LayerName="libs", CompatibleRuntime="provided.al2")["LayerVersions"]] == [2]
    assert c.list_layer_versions(LayerName="nosuch")["LayerVersions"] == []
    d = c.delete_layer_version(LayerName="libs", VersionNumber=2)
    assert d["ResponseMetadata"]["HTTPStatusCode"] == 204
    c.delete_layer_version(LayerName="libs", VersionNumber=2)  # AWS: idempotent
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.get_layer_version(LayerName="libs", VersionNumber=2)
    assert ei.value.response["Error"]["Message"] == NOT_FOUND
    r3 = c.publish_layer_version(LayerName="libs", Content={"ZipFile": z})
    assert r3["Version"] == 3  # never reused


def test_layer_errors(serve):
    srv = serve({})
    c = srv.boto3()
    u = _unchecked(srv)
    z = layer_zip({"a": "b"})
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.publish_layer_version(LayerName="bad", Content={"ZipFile": b"not a zip"})
    assert ei.value.response["Error"]["Message"].startswith("Could not unzip uploaded file")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.publish_layer_version(LayerName="s3", Content={"S3Bucket": "bucket", "S3Key": "k"})
    assert "S3 Error Code: NoSuchBucket" in ei.value.response["Error"]["Message"]
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.publish_layer_version(LayerName="bad name", Content={"ZipFile": z})
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.publish_layer_version(LayerName="rt", Content={"ZipFile": z},
                                CompatibleRuntimes=["cobol"])
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.publish_layer_version(LayerName="ar", Content={"ZipFile": z},
                                CompatibleArchitectures=["sparc"])
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.publish_layer_version(LayerName="nc")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.get_layer_version(LayerName="x", VersionNumber=0)
    assert ei.value.response["Error"] == {  # AWS's answer (conformance.json)
        "Code": "InvalidParameterValueException", "Message": "Layer Version Cannot be less than 1"}
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_layer_version(LayerName="x", VersionNumber=1)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_layer_version_by_arn(Arn=LAYER + "x:1")
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.get_layer_version_by_arn(Arn="arn:aws:lambda:us-east-1:000000000000:function:f")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.list_layers(CompatibleRuntime="cobol")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    # regression: a long filter value is quoted whole (it was cut at 63 bytes)
    long_rt = "cobol" * 40
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.list_layers(CompatibleRuntime=long_rt)
    assert f"Value '{long_rt}' at 'compatibleRuntime'" in ei.value.response["Error"]["Message"]
    assert c.list_layers()["Layers"] == []


def test_layers_survive_restart(tmp_path):
    state = tmp_path / "state"
    s1 = Server(state, {})
    try:
        r = s1.boto3().publish_layer_version(LayerName="keep",
                                             Content={"ZipFile": layer_zip({"f": "1"})})
    finally:
        assert s1.stop() == 0
    s2 = Server(state, {})
    try:
        c = s2.boto3()
        g = c.get_layer_version(LayerName="keep", VersionNumber=1)
        assert g["CreatedDate"] == r["CreatedDate"]
        for k in ("CodeSha256", "CodeSize"):
            assert g["Content"][k] == r["Content"][k], k
        # Content.Location is signed anew by each server (test_control_download.py)
        assert urllib.request.urlopen(g["Content"]["Location"]).read() == layer_zip({"f": "1"})
        assert c.publish_layer_version(LayerName="keep", Content={"ZipFile": layer_zip(
            {"f": "2"})})["Version"] == 2
    finally:
        assert s2.stop() == 0


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aws_cli_layers(serve, tmp_path, version):
    cli = clis().get(version)
    if cli is None:
        pytest.skip(f"aws CLI {version} is not installed")
    srv = serve({})
    zp = tmp_path / "l.zip"
    zp.write_bytes(layer_zip({"bin/tool": "#!/bin/sh\n"}))
    h = str(tmp_path)

    def ok(args):
        rc, out, err = run(cli, srv.endpoint, args, home=h)
        assert rc == 0, (args, err)
        return out

    out = ok(["publish-layer-version", "--layer-name", "cl", "--zip-file", f"fileb://{zp}",
              "--compatible-runtimes", "provided.al2023"])
    assert out["LayerVersionArn"] == LAYER + "cl:1"
    assert ok(["get-layer-version", "--layer-name", "cl", "--version-number", "1"])[
        "Version"] == 1
    assert [x["LayerName"] for x in ok(["list-layers"])["Layers"]] == ["cl"]
    assert [v["Version"] for v in ok(["list-layer-versions", "--layer-name", "cl"])[
        "LayerVersions"]] == [1]
    ok(["delete-layer-version", "--layer-name", "cl", "--version-number", "1"])
    rc, out, err = run(cli, srv.endpoint, ["get-layer-version", "--layer-name", "cl",
                                           "--version-number", "1"], home=h)
    assert rc != 0 and "ResourceNotFoundException" in err


def probe_zip() -> bytes:
    from conftest import probe_path
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, probe_path().read_bytes())
    return buf.getvalue()


def publish_two(c):
    a = c.publish_layer_version(LayerName="base", Content={"ZipFile": layer_zip(
        {"data/who.txt": "base", "data/base-only.txt": "kept"})})
    b = c.publish_layer_version(LayerName="over", Content={"ZipFile": layer_zip(
        {"data/who.txt": "over"})})
    return a, b


def create_with_layers(c, name, arns):
    from test_control_functions import ROLE
    return c.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                             Role=ROLE, Code={"ZipFile": probe_zip()}, Layers=arns)


def invoke_text(c, name, payload):
    out = c.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    return out["Payload"].read().decode()


def test_function_layers_config_and_errors(serve):
    srv = serve({}, args=["--isolation", "none"])
    c = srv.boto3()
    a, b = publish_two(c)
    arns = [a["LayerVersionArn"], b["LayerVersionArn"]]
    r = create_with_layers(c, "withl", arns)
    want = [{"Arn": a["LayerVersionArn"], "CodeSize": a["Content"]["CodeSize"]},
            {"Arn": b["LayerVersionArn"], "CodeSize": b["Content"]["CodeSize"]}]
    assert r["Layers"] == want
    assert c.get_function_configuration(FunctionName="withl")["Layers"] == want
    # isolation none has no /opt: the merged directory is named by CLAMBDA_OPT_DIR
    opt = invoke_text(c, "withl", "getenv CLAMBDA_OPT_DIR")
    assert opt.startswith("/") and opt != "(unset)"
    assert invoke_text(c, "withl", f"cat {opt}/data/who.txt") == "over"
    assert invoke_text(c, "withl", f"cat {opt}/data/base-only.txt") == "kept"
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        create_with_layers(c, "six", [a["LayerVersionArn"]] * 6)
    assert ei.value.response["Error"]["Message"] == "Cannot reference more than 5 layers."
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        create_with_layers(c, "gone", [LAYER + "nosuch:1"])
    assert ei.value.response["Error"]["Message"] == \
        f"Layer version {LAYER}nosuch:1 does not exist."
    u = _unchecked(srv)
    with pytest.raises(u.exceptions.ClientError) as ei:
        from test_control_functions import ROLE
        u.create_function(FunctionName="badarn", Runtime="provided.al2023",
                          Handler="bootstrap", Role=ROLE, Code={"ZipFile": probe_zip()},
                          Layers=["not-an-arn"])
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    for n in ("six", "gone", "badarn"):
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            c.get_function(FunctionName=n)
    assert "Layers" not in create_with_layers(c, "nolayers", [])


def test_function_layers_survive_restart(tmp_path):
    state = tmp_path / "state"
    s1 = Server(state, {}, args=["--isolation", "none"])
    try:
        c = s1.boto3()
        a, b = publish_two(c)
        r = create_with_layers(c, "keep", [b["LayerVersionArn"], a["LayerVersionArn"]])
    finally:
        assert s1.stop() == 0
    s2 = Server(state, {}, args=["--isolation", "none"])
    try:
        c = s2.boto3()
        assert c.get_function_configuration(FunctionName="keep")["Layers"] == r["Layers"]
        opt = invoke_text(c, "keep", "getenv CLAMBDA_OPT_DIR")
        assert invoke_text(c, "keep", f"cat {opt}/data/who.txt") == "base"  # order matters
    finally:
        assert s2.stop() == 0


def test_layer_files_under_opt_full_isolation(serve):
    from conftest import full_isolation_skip_reason
    why = full_isolation_skip_reason()
    if why:
        pytest.skip(why)
    srv = serve({}, args=["--isolation", "full"])
    c = srv.boto3()
    a, b = publish_two(c)
    create_with_layers(c, "inopt", [a["LayerVersionArn"], b["LayerVersionArn"]])
    assert invoke_text(c, "inopt", "cat /opt/data/who.txt") == "over"
    assert invoke_text(c, "inopt", "cat /opt/data/base-only.txt") == "kept"
    assert invoke_text(c, "inopt", "getenv CLAMBDA_OPT_DIR") == "(unset)"
    create_with_layers(c, "noopt", [])
    assert invoke_text(c, "noopt", "cat /opt/data/who.txt") == \
        "error: No such file or directory"


def test_update_function_configuration_layers(serve):
    srv = serve({}, args=["--isolation", "none"])
    c = srv.boto3()
    a, b = publish_two(c)
    create_with_layers(c, "upd", [a["LayerVersionArn"]])
    opt = invoke_text(c, "upd", "getenv CLAMBDA_OPT_DIR")
    assert invoke_text(c, "upd", f"cat {opt}/data/who.txt") == "base"
    r = c.update_function_configuration(FunctionName="upd", Layers=[a["LayerVersionArn"],
                                                                    b["LayerVersionArn"]])
    assert [x["Arn"] for x in r["Layers"]] == [a["LayerVersionArn"], b["LayerVersionArn"]]
    c.get_waiter("function_updated_v2").wait(FunctionName="upd",
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    opt = invoke_text(c, "upd", "getenv CLAMBDA_OPT_DIR")
    assert invoke_text(c, "upd", f"cat {opt}/data/who.txt") == "over"
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        c.update_function_configuration(FunctionName="upd", Layers=[LAYER + "nosuch:3"])
    r = c.update_function_configuration(FunctionName="upd", MemorySize=256)
    assert len(r["Layers"]) == 2  # kept when not given
    r = c.update_function_configuration(FunctionName="upd", Layers=[])
    assert "Layers" not in r
    assert invoke_text(c, "upd", "getenv CLAMBDA_OPT_DIR") == "(unset)"
