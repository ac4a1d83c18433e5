# SPDX-License-Identifier: MIT
"""Per-function settings through the control plane: tags (TagResource / UntagResource /
ListTags), resource policies (AddPermission / RemovePermission / GetPolicy), function URL
configs and event invoke configs. boto3 and both aws CLI versions; every validation error and
not-found case with the code botocore reports; a restart keeps everything."""

import json

import pytest

from awscli import clis, run
from conftest import Server, example_path
from test_control_api import raw
from test_control_functions import create, make_zip

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def _unchecked(srv):
    import boto3
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(parameter_validation=False,
                                      retries={"max_attempts": 1, "mode": "standard"}))


def test_tags(serve, tmp_path):
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"functions": {"man": {"code": str(example_path("hello").parent)}}}))
    srv = serve({}, args=["--manifest", str(m)])
    c = srv.boto3()
    create(c, "t", make_zip(), Tags={"team": "core"})
    arn = ARN + "t"
    assert c.list_tags(Resource=arn)["Tags"] == {"team": "core"}
    assert c.get_function(FunctionName="t")["Tags"] == {"team": "core"}
    r = c.tag_resource(Resource=arn, Tags={"env": "dev", "team": "edge"})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert c.list_tags(Resource=arn)["Tags"] == {"env": "dev", "team": "edge"}
    c.untag_resource(Resource=arn, TagKeys=["team", "absent"])
    assert c.list_tags(Resource=arn)["Tags"] == {"env": "dev"}
    c.untag_resource(Resource=arn, TagKeys=["env"])
    assert c.list_tags(Resource=arn)["Tags"] == {}
    assert "Tags" not in c.get_function(FunctionName="t")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.tag_resource(Resource=arn, Tags={"aws:x": "1"})
    assert "reserved" in ei.value.response["Error"]["Message"]
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(51)})
    assert ei.value.response["Error"]["Message"] == \
        "Number of tags exceeds resource tag limit."
    c.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(50)})
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        c.tag_resource(Resource=arn, Tags={"one-more": "v"})
    u = _unchecked(srv)
    for bad in ({"k" * 129: "v"}, {"k": "v" * 257}, {"": "v"}):
        with pytest.raises(u.exceptions.ClientError) as ei:
            u.tag_resource(Resource=arn, Tags=bad)
        assert ei.value.response["Error"]["Code"] == "ValidationException", bad
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.list_tags(Resource=ARN + "nosuch")
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.list_tags(Resource="t")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(c.exceptions.ResourceConflictException):
        c.tag_resource(Resource=ARN + "man", Tags={"a": "b"})
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        create(c, "t2", make_zip(), Tags={"aws:reserved": "x"})
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName="t2")


def test_policy(serve):
    srv = serve({})
    c = srv.boto3()
    create(c, "p", make_zip())
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.get_policy(FunctionName="p")
    assert ei.value.response["Error"]["Message"] == "The resource you requested does not exist."
    r = c.add_permission(FunctionName="p", StatementId="s3", Action="lambda:InvokeFunction",
                         Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket",
                         SourceAccount="111122223333")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    stmt = json.loads(r["Statement"])
    assert stmt == {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "lambda:InvokeFunction", "Resource": ARN + "p",
                    "Condition": {"StringEquals": {"AWS:SourceAccount": "111122223333"},
                                  "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}}
    c.add_permission(FunctionName="p", StatementId="url", Action="lambda:InvokeFunctionUrl",
                     Principal="*", FunctionUrlAuthType="NONE")
    c.add_permission(FunctionName="p", StatementId="acct", Action="lambda:GetFunction",
                     Principal="123456789012")
    g = c.get_policy(FunctionName="p")
    pol = json.loads(g["Policy"])
    assert pol["Version"] == "2012-10-17" and pol["Id"] == "default"
    assert [s["Sid"] for s in pol["Statement"]] == ["s3", "url", "acct"]
    assert pol["Statement"][0] == stmt
    assert pol["Statement"][1]["Principal"] == "*"
    assert pol["Statement"][1]["Condition"] == \
        {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
    assert pol["Statement"][2]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    with pytest.raises(c.exceptions.ResourceConflictException) as ei:
        c.add_permission(FunctionName="p", StatementId="s3", Action="lambda:InvokeFunction",
                         Principal="sns.amazonaws.com")
    assert "already exists" in ei.value.response["Error"]["Message"]
    with pytest.raises(c.exceptions.PreconditionFailedException):
        c.add_permission(FunctionName="p", StatementId="new", Action="lambda:InvokeFunction",
                         Principal="sns.amazonaws.com", RevisionId="stale")
    with pytest.raises(c.exceptions.PreconditionFailedException):
        c.remove_permission(FunctionName="p", StatementId="url", RevisionId="stale")
    c.add_permission(FunctionName="p", StatementId="new", Action="lambda:InvokeFunction",
                     Principal="sns.amazonaws.com", RevisionId=g["RevisionId"])
    g2 = c.get_policy(FunctionName="p")
    assert g2["RevisionId"] != g["RevisionId"]
    r = c.remove_permission(FunctionName="p", StatementId="url", RevisionId=g2["RevisionId"])
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.remove_permission(FunctionName="p", StatementId="url")
    assert ei.value.response["Error"]["Message"] == \
        "Statement url is not found in resource policy."
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.add_permission(FunctionName="p", StatementId="bad id!", Action="lambda:InvokeFunction",
                         Principal="*")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    u = _unchecked(srv)
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.add_permission(FunctionName="p", StatementId="u2", Action="lambda:InvokeFunctionUrl",
                         Principal="*", FunctionUrlAuthType="BASIC")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(u.exceptions.ClientError) as ei:
        u.add_permission(FunctionName="p", StatementId="u3", Principal="*")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.add_permission(FunctionName="nosuch", StatementId="x", Action="lambda:InvokeFunction",
                         Principal="*")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_policy(FunctionName="p", Qualifier="7")
    for sid in ("s3", "acct", "new"):
        c.remove_permission(FunctionName="p", StatementId=sid)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_policy(FunctionName="p")


def test_url_config(serve):
    srv = serve({})
    c = srv.boto3()
    create(c, "u", make_zip())
    r = c.create_function_url_config(FunctionName="u", AuthType="NONE",
                                     Cors={"AllowOrigins": ["*"], "MaxAge": 60})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert r["FunctionArn"] == ARN + "u" and r["AuthType"] == "NONE"
    st, _, body = raw(srv, "GET", "/2021-10-31/functions/u/url")
    assert st == 200 and json.loads(body)["InvokeMode"] == "BUFFERED"  # old botocore drops it
    assert r["Cors"] == {"AllowOrigins": ["*"], "MaxAge": 60}
    url = r["FunctionUrl"]
    assert url.startswith("http://") and \
        url.endswith(f".lambda-url.us-east-1.localhost:{srv.port}/")
    assert len(url.split("//")[1].split(".")[0]) == 32
    with pytest.raises(c.exceptions.ResourceConflictException) as ei:
        c.create_function_url_config(FunctionName="u", AuthType="NONE")
    assert "FunctionUrlConfig exists" in ei.value.response["Error"]["Message"]
    g = c.get_function_url_config(FunctionName="u")
    assert g["FunctionUrl"] == url and g["CreationTime"] == r["CreationTime"]
    assert g["LastModifiedTime"] >= g["CreationTime"]
    st, _, body = raw(srv, "PUT", "/2021-10-31/functions/u/url",
                      json.dumps({"AuthType": "AWS_IAM", "InvokeMode": "RESPONSE_STREAM"}))
    u = json.loads(body)
    assert st == 200, u
    assert (u["AuthType"], u["InvokeMode"], u["FunctionUrl"]) == \
        ("AWS_IAM", "RESPONSE_STREAM", url)
    assert u["Cors"] == {"AllowOrigins": ["*"], "MaxAge": 60}
    st, h, body = raw(srv, "PUT", "/2021-10-31/functions/u/url",
                      json.dumps({"InvokeMode": "CHUNKED"}))
    assert (st, h["x-amzn-errortype"]) == (400, "ValidationException")
    u = c.update_function_url_config(FunctionName="u", AuthType="NONE")
    assert u["AuthType"] == "NONE" and u["LastModifiedTime"] >= g["LastModifiedTime"]
    lst = c.list_function_url_configs(FunctionName="u")["FunctionUrlConfigs"]
    assert [x["FunctionUrl"] for x in lst] == [url]
    uc = _unchecked(srv)
    with pytest.raises(uc.exceptions.ClientError) as ei:
        uc.create_function_url_config(FunctionName="u", AuthType="BASIC")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(uc.exceptions.ClientError) as ei:
        uc.create_function_url_config(FunctionName="u", AuthType="NONE", Qualifier="$LATEST")
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.create_function_url_config(FunctionName="u", AuthType="NONE", Qualifier="noalias")
    with pytest.raises(uc.exceptions.ClientError) as ei:
        uc.update_function_url_config(FunctionName="u", Cors={"MaxAge": 100000})
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    assert c.delete_function_url_config(FunctionName="u")["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    for call in (c.get_function_url_config, c.delete_function_url_config):
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            call(FunctionName="u")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.update_function_url_config(FunctionName="u", AuthType="NONE")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.create_function_url_config(FunctionName="nosuch", AuthType="NONE")
    assert c.list_function_url_configs(FunctionName="u")["FunctionUrlConfigs"] == []


def test_event_invoke_config(serve):
    srv = serve({})
    c = srv.boto3()
    create(c, "e", make_zip())
    create(c, "dest", make_zip())
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.get_function_event_invoke_config(FunctionName="e")
    assert ei.value.response["Error"]["Message"] == \
        f"The function {ARN}e:$LATEST doesn't have an EventInvokeConfig"
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.update_function_event_invoke_config(FunctionName="e", MaximumRetryAttempts=1)
    r = c.put_function_event_invoke_config(
        FunctionName="e", MaximumRetryAttempts=1, MaximumEventAgeInSeconds=3600,
        DestinationConfig={"OnFailure": {"Destination": ARN + "dest"}})
    assert r["FunctionArn"] == ARN + "e:$LATEST"
    assert (r["MaximumRetryAttempts"], r["MaximumEventAgeInSeconds"]) == (1, 3600)
    assert r["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": ARN + "dest"}}
    assert r["LastModified"].year >= 2024  # botocore parses the epoch float
    u = c.update_function_event_invoke_config(
        FunctionName="e", MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": ARN + "dest:$LATEST"}})
    assert u["MaximumRetryAttempts"] == 0 and u["MaximumEventAgeInSeconds"] == 3600
    assert u["DestinationConfig"] == {"OnSuccess": {"Destination": ARN + "dest:$LATEST"},
                                      "OnFailure": {"Destination": ARN + "dest"}}
    g = c.get_function_event_invoke_config(FunctionName="e", Qualifier="$LATEST")
    assert g["DestinationConfig"] == u["DestinationConfig"]
    p = c.put_function_event_invoke_config(FunctionName="e", MaximumEventAgeInSeconds=60)
    assert "MaximumRetryAttempts" not in p and p["MaximumEventAgeInSeconds"] == 60
    assert p["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    lst = c.list_function_event_invoke_configs(FunctionName="e")["FunctionEventInvokeConfigs"]
    assert [x["FunctionArn"] for x in lst] == [ARN + "e:$LATEST"]
    for kw in ({"MaximumRetryAttempts": 3}, {"MaximumEventAgeInSeconds": 59},
               {"MaximumEventAgeInSeconds": 21601}):
        u = _unchecked(srv)
        with pytest.raises(u.exceptions.ClientError) as ei:
            u.put_function_event_invoke_config(FunctionName="e", **kw)
        assert ei.value.response["Error"]["Code"] == "ValidationException", kw
    for dest in ("arn:aws:sqs:us-east-1:000000000000:q", "arn:aws:sns:us-east-1:000000000000:t"):
        with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
            c.put_function_event_invoke_config(
                FunctionName="e", DestinationConfig={"OnFailure": {"Destination": dest}})
        assert "only Lambda function ARNs" in ei.value.response["Error"]["Message"]
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.put_function_event_invoke_config(
            FunctionName="e", DestinationConfig={"OnSuccess": {"Destination": ARN + "dest:1"}})
    assert ei.value.response["Error"]["Message"].startswith("OnSuccess destination: ")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.put_function_event_invoke_config(FunctionName="e", Qualifier="9",
                                           MaximumRetryAttempts=1)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.put_function_event_invoke_config(FunctionName="nosuch", MaximumRetryAttempts=1)
    c.delete_function_event_invoke_config(FunctionName="e")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.delete_function_event_invoke_config(FunctionName="e")
    assert c.list_function_event_invoke_configs(FunctionName="e")[
        "FunctionEventInvokeConfigs"] == []


def test_settings_survive_restart_and_go_with_the_function(tmp_path):
    state = tmp_path / "state"
    s1 = Server(state, {})
    try:
        c = s1.boto3()
        create(c, "k", make_zip(), Tags={"a": "1"})
        c.add_permission(FunctionName="k", StatementId="s", Action="lambda:InvokeFunction",
                         Principal="*")
        url = c.create_function_url_config(FunctionName="k", AuthType="NONE")["FunctionUrl"]
        c.put_function_event_invoke_config(FunctionName="k", MaximumRetryAttempts=2)
        pol = c.get_policy(FunctionName="k")
    finally:
        assert s1.stop() == 0
    s2 = Server(state, {})
    try:
        c = s2.boto3()
        assert c.list_tags(Resource=ARN + "k")["Tags"] == {"a": "1"}
        g = c.get_policy(FunctionName="k")
        assert (g["Policy"], g["RevisionId"]) == (pol["Policy"], pol["RevisionId"])
        # the same URL id, on the port of the restarted server (the working address)
        assert c.get_function_url_config(FunctionName="k")["FunctionUrl"] == \
            url.replace(f":{s1.port}/", f":{s2.port}/")
        assert c.get_function_event_invoke_config(FunctionName="k")["MaximumRetryAttempts"] == 2
        c.delete_function(FunctionName="k")
        create(c, "k", make_zip())
        assert c.list_tags(Resource=ARN + "k")["Tags"] == {}
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            c.get_policy(FunctionName="k")
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            c.get_function_url_config(FunctionName="k")
    finally:
        assert s2.stop() == 0


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aws_cli_settings(serve, tmp_path, version):
    cli = clis().get(version)
    if cli is None:
        pytest.skip(f"aws CLI {version} is not installed")
    srv = serve({})
    create(srv.boto3(), "cli", make_zip())
    h = str(tmp_path)

    def ok(args):
        rc, out, err = run(cli, srv.endpoint, args, home=h)
        assert rc == 0, (args, err)
        return out

    ok(["tag-resource", "--resource", ARN + "cli", "--tags", "a=1,b=2"])
    assert ok(["list-tags", "--resource", ARN + "cli"])["Tags"] == {"a": "1", "b": "2"}
    ok(["untag-resource", "--resource", ARN + "cli", "--tag-keys", "a"])
    assert ok(["list-tags", "--resource", ARN + "cli"])["Tags"] == {"b": "2"}
    out = ok(["add-permission", "--function-name", "cli", "--statement-id", "s", "--action",
              "lambda:InvokeFunction", "--principal", "events.amazonaws.com"])
    assert json.loads(out["Statement"])["Sid"] == "s"
    assert json.loads(ok(["get-policy", "--function-name", "cli"])["Policy"])["Statement"][0][
        "Principal"] == {"Service": "events.amazonaws.com"}
    ok(["remove-permission", "--function-name", "cli", "--statement-id", "s"])
    out = ok(["create-function-url-config", "--function-name", "cli", "--auth-type", "NONE"])
    assert ".lambda-url.us-east-1.localhost:" in out["FunctionUrl"]
    assert ok(["get-function-url-config", "--function-name", "cli"])["AuthType"] == "NONE"
    ok(["delete-function-url-config", "--function-name", "cli"])
    out = ok(["put-function-event-invoke-config", "--function-name", "cli",
              "--maximum-retry-attempts", "0"])
    assert out["MaximumRetryAttempts"] == 0
    rc, out, err = run(cli, srv.endpoint, ["get-policy", "--function-name", "cli"], home=h)
    assert rc != 0 and "ResourceNotFoundException" in err


def dir_zip(d) -> bytes:
    import io
    import os
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for root, _, files in os.walk(d):
            for f in files:
                p = os.path.join(root, f)
                info = zipfile.ZipInfo(os.path.relpath(p, d))
                info.external_attr = (os.stat(p).st_mode & 0o777) << 16
                with open(p, "rb") as fh:
                    z.writestr(info, fh.read())
    return buf.getvalue()


def test_event_invoke_config_drives_the_queue(serve, tmp_path):
    """PutFunctionEventInvokeConfig reaches the async queue: with MaximumRetryAttempts 0 a
    failing event is tried once and its record goes to the OnFailure function."""
    from conftest import runtime_dir
    from test_serve_async import events, record_of, send, wait_events
    import time
    log, bad = tmp_path / "src.jsonl", tmp_path / "bad.jsonl"
    srv = serve({}, args=["--async-retry-delays-ms", "100,100"])
    c = srv.boto3()
    z = dir_zip(runtime_dir("pyrt"))
    create(c, "src", z, Environment={"Variables": {"EVENT_LOG": str(log)}})
    create(c, "bad", z, Environment={"Variables": {"EVENT_LOG": str(bad)}})
    c.put_function_event_invoke_config(FunctionName="src", MaximumRetryAttempts=0,
                                       DestinationConfig={"OnFailure": {"Destination":
                                                                        ARN + "bad"}})
    rid = send(srv, "src", {"action": "error"})
    rec = record_of(wait_events(bad, 1), rid)
    assert rec["requestContext"]["condition"] == "RetriesExhausted"
    assert rec["requestContext"]["approximateInvokeCount"] == 1
    time.sleep(0.5)
    assert len(events(log)) == 1  # no retry
    c.delete_function_event_invoke_config(FunctionName="src")  # back to 2 retries, no target
    rid = send(srv, "src", {"action": "error"})
    wait_events(log, 4)  # three attempts of the second event
    assert len(events(bad)) == 1
