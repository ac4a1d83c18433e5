# SPDX-License-Identifier: MIT
"""Configuration members clambda does not implement (VpcConfig, DeadLetterConfig, KMSKeyArn,
TracingConfig, FileSystemConfigs, ImageConfig, CodeSigningConfigArn, SnapStart, LoggingConfig):
CreateFunction and UpdateFunctionConfiguration accept them when they spell out what clambda
does and refuse anything else with the exact error, before changing anything. Also
UpdateFunctionConfiguration's Role: applied, answered, kept across a restart."""

import json

import pytest

from awscli import clis, run
from conftest import Server
from test_control_api import raw
from test_control_functions import ROLE, create, make_zip

IPV = "InvalidParameterValueException"
VE = "ValidationException"

# Every member at the value clambda behaves as (boto3's model on this machine has no
# LoggingConfig nor Ipv6AllowedForDualStack: those go through raw requests below).
DEFAULTS = dict(
    TracingConfig={"Mode": "PassThrough"},
    VpcConfig={"SubnetIds": [], "SecurityGroupIds": []},
    SnapStart={"ApplyOn": "None"},
    KMSKeyArn="",
    FileSystemConfigs=[],
    DeadLetterConfig={"TargetArn": ""},
    ImageConfig={},
)

EFS = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"
CSC = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg"

# (request members, error code, exact message)
REFUSED = [
    (dict(TracingConfig={"Mode": "Active"}), IPV,
     "clambda does not support TracingConfig Mode Active (X-Ray): use PassThrough or leave it "
     "out."),
    (dict(VpcConfig={"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}), IPV,
     "clambda does not support VpcConfig with SubnetIds or SecurityGroupIds (VPC networking): "
     "functions use the server's network; use empty SubnetIds and SecurityGroupIds or leave "
     "VpcConfig out."),
    (dict(DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}), IPV,
     "clambda does not support DeadLetterConfig TargetArn arn:aws:sqs:us-east-1:123456789012:dlq "
     "(SQS/SNS dead-letter queues): use an OnFailure destination function "
     "(PutFunctionEventInvokeConfig), an empty TargetArn or leave DeadLetterConfig out."),
    (dict(KMSKeyArn="arn:aws:kms:us-east-1:123456789012:key/k"), IPV,
     "clambda does not support KMSKeyArn (customer managed KMS keys): environment variables are "
     "kept in the server's state directory; use \"\" or leave it out."),
    (dict(FileSystemConfigs=[{"Arn": EFS, "LocalMountPath": "/mnt/efs"}]), IPV,
     "clambda does not support FileSystemConfigs (EFS mounts): use [] or leave it out."),
    (dict(ImageConfig={"Command": ["app.handler"]}), IPV,
     "clambda does not support ImageConfig (container images): functions are zip archives; "
     "leave it out."),
    (dict(SnapStart={"ApplyOn": "PublishedVersions"}), IPV,
     "clambda does not support SnapStart ApplyOn PublishedVersions: use None or leave it out."),
    (dict(TracingConfig={"Mode": "Bogus"}), VE,
     "1 validation error detected: Value 'Bogus' at 'tracingConfig.mode' failed to satisfy "
     "constraint: Member must satisfy enum value set: [Active, PassThrough]"),
    (dict(KMSKeyArn="my-key"), VE,
     "1 validation error detected: Value 'my-key' at 'kMSKeyArn' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"),
    (dict(SnapStart={"ApplyOn": "Always"}), VE,
     "1 validation error detected: Value 'Always' at 'snapStart.applyOn' failed to satisfy "
     "constraint: Member must satisfy enum value set: [PublishedVersions, None]"),
    (dict(FileSystemConfigs=[{"Arn": "efs", "LocalMountPath": "/mnt/efs"}]), VE,
     "1 validation error detected: Value 'efs' at 'fileSystemConfigs.1.member.arn' failed to "
     "satisfy constraint: Member must satisfy regular expression pattern: "
     "arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:"
     "access-point/fsap-[a-f0-9]{17}"),
    (dict(Timeout=901, TracingConfig={"Mode": "Bogus"}), VE,
     "2 validation errors detected: Value '901' at 'timeout' failed to satisfy constraint: "
     "Member must have value less than or equal to 900; Value 'Bogus' at 'tracingConfig.mode' "
     "failed to satisfy constraint: Member must satisfy enum value set: [Active, PassThrough]"),
]

# The same through raw JSON (members boto3's model here does not know): (body, code, message).
REFUSED_RAW = [
    ({"LoggingConfig": {"LogFormat": "JSON"}}, IPV,
     "clambda does not support LoggingConfig LogFormat JSON: function logs are plain text; use "
     "Text or leave it out."),
    ({"LoggingConfig": {"LogFormat": "Text", "LogGroup": "/custom/group"}}, IPV,
     "clambda does not support LoggingConfig LogGroup /custom/group: a function's logs go to "
     "/aws/lambda/m; use that or leave LogGroup out."),
    ({"LoggingConfig": {"ApplicationLogLevel": "DEBUG"}}, IPV,
     "clambda does not support LoggingConfig ApplicationLogLevel or SystemLogLevel (log-level "
     "filtering needs LogFormat JSON): leave them out."),
    ({"LoggingConfig": {"LogFormat": "Yaml"}}, VE,
     "1 validation error detected: Value 'Yaml' at 'loggingConfig.logFormat' failed to satisfy "
     "constraint: Member must satisfy enum value set: [JSON, Text]"),
    ({"VpcConfig": {"SubnetIds": [], "Ipv6AllowedForDualStack": True}}, IPV,
     "clambda does not support VpcConfig Ipv6AllowedForDualStack true (VPC networking): use "
     "false or leave it out."),
    ({"TracingConfig": "Active"}, "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'TracingConfig': "
     "expected a JSON object"),
]


def _error(ei):
    e = ei.value.response["Error"]
    return e["Code"], e["Message"]


def test_defaults_accepted(serve):
    c = serve({}).boto3()
    r = create(c, "d", make_zip(), **DEFAULTS)
    assert r["TracingConfig"] == {"Mode": "PassThrough"}
    assert r["SnapStart"]["ApplyOn"] == "None"
    u = c.update_function_configuration(FunctionName="d", Timeout=7, **DEFAULTS)
    assert u["Timeout"] == 7 and u["TracingConfig"] == {"Mode": "PassThrough"}
    create(c, "d2", make_zip(), TracingConfig={}, VpcConfig={}, DeadLetterConfig={},
           SnapStart={})


def test_defaults_accepted_raw(serve):
    srv = serve({})
    c = srv.boto3()
    create(c, "m", make_zip())
    rev = c.get_function_configuration(FunctionName="m")["RevisionId"]
    body = {"LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/m"},
            "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": [],
                          "Ipv6AllowedForDualStack": False}}
    st, _, out = raw(srv, "PUT", "/2015-03-31/functions/m/configuration", json.dumps(body))
    assert st == 200, out
    out = json.loads(out)
    assert out["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/m"}
    assert out["RevisionId"] == rev  # nothing changed


@pytest.mark.parametrize("members,code,message", REFUSED)
def test_refused_create(serve, members, code, message):
    c = serve({}).boto3()
    with pytest.raises(c.exceptions.ClientError) as ei:
        create(c, "r", make_zip(), **members)
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _error(ei) == (code, message)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName="r")


def test_refused_create_code_signing(serve):
    c = serve({}).boto3()
    with pytest.raises(c.exceptions.ClientError) as ei:
        create(c, "r", make_zip(), CodeSigningConfigArn=CSC)
    assert _error(ei) == (IPV, "clambda does not support CodeSigningConfigArn (code signing): "
                               "leave it out.")
    with pytest.raises(c.exceptions.ClientError) as ei:
        create(c, "r", make_zip(), CodeSigningConfigArn="csc")
    assert _error(ei)[0] == VE and "at 'codeSigningConfigArn'" in _error(ei)[1]
    assert c.list_functions()["Functions"] == []


def test_refused_update(serve):
    c = serve({}).boto3()
    create(c, "u", make_zip(), Timeout=5)
    before = c.get_function_configuration(FunctionName="u")
    for members, code, message in REFUSED:
        with pytest.raises(c.exceptions.ClientError) as ei:
            c.update_function_configuration(FunctionName="u", MemorySize=256, **members)
        assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert _error(ei) == (code, message), members
    after = c.get_function_configuration(FunctionName="u")
    assert after["RevisionId"] == before["RevisionId"] and after["MemorySize"] == 128


def test_refused_raw(serve):
    srv = serve({})
    c = srv.boto3()
    create(c, "m", make_zip())
    rev = c.get_function_configuration(FunctionName="m")["RevisionId"]
    for body, code, message in REFUSED_RAW:
        st, h, out = raw(srv, "PUT", "/2015-03-31/functions/m/configuration",
                         json.dumps(dict(body, Timeout=9)))
        assert (st, h["x-amzn-errortype"].split(":")[0]) == (400, code), (body, out)
        assert json.loads(out)["message"] == message
        create_body = dict(body, FunctionName="n", Runtime="provided.al2023",
                           Handler="bootstrap", Role=ROLE,
                           Code={"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="})
        st, h, out = raw(srv, "POST", "/2015-03-31/functions", json.dumps(create_body))
        assert (st, h["x-amzn-errortype"].split(":")[0]) == (400, code), (body, out)
        assert json.loads(out)["message"].replace("/aws/lambda/n", "/aws/lambda/m") == message
    g = c.get_function_configuration(FunctionName="m")
    assert g["RevisionId"] == rev and g["Timeout"] == 3
    assert [f["FunctionName"] for f in c.list_functions()["Functions"]] == ["m"]


def test_role_update_survives_restart(tmp_path):
    state = tmp_path / "state"
    new_role = "arn:aws:iam::123456789012:role/service-role/other"
    s1 = Server(state, {})
    try:
        c = s1.boto3()
        r = create(c, "k", make_zip())
        assert r["Role"] == ROLE
        with pytest.raises(c.exceptions.ClientError) as ei:
            c.update_function_configuration(FunctionName="k", Role="not-a-role")
        assert _error(ei) == (VE, "1 validation error detected: Value 'not-a-role' at 'role' "
                                  "failed to satisfy constraint: Member must satisfy regular "
                                  "expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?"
                                  "[a-zA-Z_0-9+=,.@\\-_/]+")
        assert c.get_function_configuration(FunctionName="k")["Role"] == ROLE
        u = c.update_function_configuration(FunctionName="k", Role=new_role)
        assert u["Role"] == new_role and u["RevisionId"] != r["RevisionId"]
        g = c.get_function_configuration(FunctionName="k")
        assert g["Role"] == new_role and g["RevisionId"] == u["RevisionId"]
        assert c.get_function(FunctionName="k")["Configuration"]["Role"] == new_role
        same = c.update_function_configuration(FunctionName="k", Role=new_role)
        assert same["RevisionId"] == u["RevisionId"]  # nothing changed
    finally:
        assert s1.stop() == 0
    s2 = Server(state, {})
    try:
        c = s2.boto3()
        g = c.get_function_configuration(FunctionName="k")
        assert g["Role"] == new_role and g["RevisionId"] == u["RevisionId"]
        assert c.list_functions()["Functions"][0]["Role"] == new_role
    finally:
        assert s2.stop() == 0


def test_aws_cli_v2_tracing_active(serve, tmp_path):
    cli = clis().get("v2")
    if cli is None:
        pytest.skip("aws CLI v2 is not installed")
    srv = serve({})
    create(srv.boto3(), "cli", make_zip())
    rc, out, err = run(cli, srv.endpoint, ["update-function-configuration", "--function-name",
                                           "cli", "--tracing-config", "Mode=Active"],
                       home=str(tmp_path))
    assert rc != 0
    assert "InvalidParameterValueException" in err
    assert "clambda does not support TracingConfig Mode Active (X-Ray)" in err
    rc, out, err = run(cli, srv.endpoint, ["update-function-configuration", "--function-name",
                                           "cli", "--tracing-config", "Mode=PassThrough"],
                       home=str(tmp_path))
    assert rc == 0, err
    assert out["TracingConfig"] == {"Mode": "PassThrough"}
