# SPDX-License-Identifier: MIT
"""`clambda deploy` as a user runs it: `clambda new` -> `clambda build` -> `clambda serve --auth
sigv4 --credentials FILE` -> `clambda deploy --endpoint-url` -> `clambda invoke`, then an update
(UpdateFunctionCode + UpdateFunctionConfiguration, publish, alias, Function URL, tags). A refused
signature, role or memory size is shown with AWS's error type and message and what to do, and
nothing is half-created. --dry-run prints the requests without the secret or the zip and sends
nothing. Credentials also come from ~/.aws files and profiles."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from clitool import clambda, new_project
from conftest import example_path, is_sanitized

KEY, SECRET, ACCT = "AKIACLAMBDACLITEST01", "cli/secret+key", "123456789012"
ROLE = f"arn:aws:iam::{ACCT}:role/lambda-exec"
ENV = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET}


@pytest.fixture
def srv(serve, tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text(f"{KEY} {SECRET} {ACCT}\n")
    creds.chmod(0o600)
    return serve({}, args=["--auth", "sigv4", "--credentials", str(creds)])


def boto(srv):
    import boto3
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def names(srv):
    return sorted(f["FunctionName"] for f in boto(srv).list_functions()["Functions"])


@pytest.fixture
def echo_zip():
    z = example_path("echo").parent / "echo.zip"
    if not z.exists():
        pytest.skip(f"{z} is not built")
    return z


def test_new_build_deploy_invoke_update(srv, tmp_path):
    if is_sanitized() or shutil.which("musl-gcc") is None:
        pytest.skip("needs the plain build and musl-gcc")
    proj = new_project(tmp_path, "greeter")
    clambda("build", "--release", "--output-format", "zip", cwd=proj, check=0)
    r = clambda("deploy", "--endpoint-url", srv.endpoint, "--iam-role", ROLE, "--memory", "256",
                "--env-var", "GREETING=hi", "--tag", "team=c", cwd=proj, env=ENV, check=0)
    assert "creating greeter" in r.stderr
    assert "State=Active LastUpdateStatus=Successful" in r.stderr
    assert f"Deployed greeter: arn:aws:lambda:us-east-1:{ACCT}:function:greeter" in r.stdout
    r = clambda("invoke", "greeter", "--remote", "--endpoint-url", srv.endpoint,
                "--data", '{"name":"Ada"}', env=ENV, check=0)
    assert json.loads(r.stdout) == {"message": "Hello, Ada!"}
    cfg = boto(srv).get_function_configuration(FunctionName="greeter")
    assert (cfg["MemorySize"], cfg["Environment"]["Variables"]) == (256, {"GREETING": "hi"})
    assert (cfg["Runtime"], cfg["Handler"], cfg["Architectures"]) == \
        ("provided.al2023", "bootstrap", ["x86_64"])

    r = clambda("deploy", "--endpoint-url", srv.endpoint, "--memory", "512", "--timeout", "9",
                "--publish", "--alias", "live", "--enable-function-url", "--tag", "stage=prod",
                cwd=proj, env=ENV, check=0)
    assert "updating the code of greeter" in r.stderr
    assert "updating the configuration of greeter" in r.stderr
    assert "published version 1" in r.stderr and "alias live -> version 1" in r.stderr
    assert re.search(r"Function URL: http://\w+\.lambda-url\.us-east-1\.localhost:\d+/", r.stdout), r.stdout
    c = boto(srv)
    cfg = c.get_function_configuration(FunctionName="greeter")
    assert (cfg["MemorySize"], cfg["Timeout"]) == (512, 9)
    assert c.get_alias(FunctionName="greeter", Name="live")["FunctionVersion"] == "1"
    assert c.list_tags(Resource=cfg["FunctionArn"])["Tags"] == {"team": "c", "stage": "prod"}
    r = clambda("invoke", "greeter:live", "--remote", "--endpoint-url", srv.endpoint, env=ENV,
                check=0)
    assert json.loads(r.stdout) == {"message": "Hello, world!"}


def test_wrong_secret_is_refused_and_nothing_is_sent_after(srv, echo_zip):
    env = dict(ENV, AWS_SECRET_ACCESS_KEY="not-the-secret")
    r = clambda("deploy", "fn", "--zip-file", echo_zip, "--iam-role", ROLE,
                "--endpoint-url", srv.endpoint, env=env, check=1)
    assert "HTTP 403 InvalidSignatureException: The request signature we calculated" in r.stderr
    assert "what to do: check the secret key" in r.stderr
    assert "creating" not in r.stderr
    assert names(srv) == []


@pytest.mark.parametrize("args,expect", [
    (["--iam-role", "not-a-role-arn"], "Value 'not-a-role-arn' at 'role' failed to satisfy"),
    (["--iam-role", ROLE, "--memory", "100"],
     "Value '100' at 'memorySize' failed to satisfy constraint: Member must have value greater "
     "than or equal to 128"),
])
def test_refused_create_leaves_nothing(srv, echo_zip, args, expect):
    r = clambda("deploy", "fn", "--zip-file", echo_zip, "--endpoint-url", srv.endpoint, *args,
                env=ENV, check=1)
    assert "CreateFunction failed: HTTP 400 ValidationException" in r.stderr
    assert expect in r.stderr
    assert "what to do: fix the value named" in r.stderr
    assert "nothing was created" in r.stderr
    assert names(srv) == []


def test_create_needs_a_role(srv, echo_zip):
    r = clambda("deploy", "fn", "--zip-file", echo_zip, "--endpoint-url", srv.endpoint, env=ENV,
                check=1)
    assert "CreateFunction needs an execution role: pass --iam-role" in r.stderr
    assert names(srv) == []


def test_failed_update_says_what_exists(srv, echo_zip):
    clambda("deploy", "fn", "--zip-file", echo_zip, "--iam-role", ROLE,
            "--endpoint-url", srv.endpoint, env=ENV, check=0)
    r = clambda("deploy", "fn", "--zip-file", echo_zip, "--memory", "99999",
                "--endpoint-url", srv.endpoint, env=ENV, check=1)
    assert "UpdateFunctionConfiguration failed: HTTP 400 ValidationException" in r.stderr
    assert "what exists now: fn with the new code and its previous configuration" in r.stderr
    assert boto(srv).get_function_configuration(FunctionName="fn")["MemorySize"] == 128


def test_dry_run_sends_nothing_and_hides_secrets(srv, echo_zip):
    env = dict(ENV, AWS_SESSION_TOKEN="session-token-value")
    r = clambda("deploy", "fn", "--zip-file", echo_zip, "--iam-role", ROLE, "--dry-run",
                "--endpoint-url", srv.endpoint, env=env, check=0)
    assert f"POST {srv.endpoint}/2015-03-31/functions\n" in r.stdout
    assert "Authorization: AWS4-HMAC-SHA256 Credential=" + KEY in r.stdout
    assert "(base64 of" in r.stdout and "bytes: elided)" in r.stdout
    assert SECRET not in r.stdout + r.stderr
    assert "session-token-value" not in r.stdout + r.stderr
    assert '"Role": "' + ROLE in r.stdout
    assert names(srv) == []


def test_credentials_from_shared_files_and_profiles(srv, echo_zip, tmp_path):
    aws = tmp_path / "home" / ".aws"
    aws.mkdir(parents=True)
    (aws / "credentials").write_text(f"[default]\naws_access_key_id = wrong\n"
                                     f"aws_secret_access_key = wrong\n\n[dev]\n"
                                     f"aws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n")
    (aws / "config").write_text("[profile dev]\nregion = us-east-1\n")
    env = {"HOME": str(tmp_path / "home"), "AWS_PROFILE": "dev"}
    clambda("deploy", "fromprofile", "--zip-file", echo_zip, "--iam-role", ROLE,
            "--endpoint-url", srv.endpoint, env=env, check=0)
    alt = tmp_path / "elsewhere"
    alt.write_text(f"[ci]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n")
    env = {"HOME": str(tmp_path / "nohome"), "AWS_SHARED_CREDENTIALS_FILE": str(alt)}
    r = clambda("deploy", "fromfile", "--zip-file", echo_zip, "--iam-role", ROLE, "--profile",
                "ci", "--endpoint-url", srv.endpoint, env=env, check=0)
    assert f"credentials from {alt} [ci]" in r.stderr
    assert names(srv) == ["fromfile", "fromprofile"]
    r = clambda("deploy", "x", "--zip-file", echo_zip, "--region", "us-east-1",
                env={"HOME": str(tmp_path / "nohome")}, check=1)
    assert "no AWS credentials: set AWS_ACCESS_KEY_ID" in r.stderr
    r = clambda("deploy", "x", "--zip-file", echo_zip, "--iam-role", ROLE,
                "--endpoint-url", srv.endpoint, env={"HOME": str(tmp_path / "nohome")}, check=1)
    assert "signing with placeholder keys" in r.stderr
    assert "HTTP 403 UnrecognizedClientException" in r.stderr
    assert names(srv) == ["fromfile", "fromprofile"]


def test_local_server_without_auth_needs_no_credentials(serve, echo_zip, tmp_path):
    s = serve({})
    r = clambda("deploy", "plain", "--zip-file", echo_zip, "--iam-role", ROLE,
                "--endpoint-url", s.endpoint, env={"HOME": str(tmp_path)}, check=0)
    assert "signing with placeholder keys" in r.stderr
    r = clambda("invoke", "plain", "--endpoint-url", s.endpoint, "--data", '{"a":1}', check=0)
    assert r.stdout == '{"a":1}\n'


def test_deploy_usage_errors(tmp_path):
    clambda("deploy", "fn", "--memory", "lots", cwd=tmp_path, check=2)
    clambda("deploy", "fn", "--env-var", "NOEQUALS", cwd=tmp_path, check=2)
    clambda("deploy", "fn", "--arch", "sparc", cwd=tmp_path, check=2)
    r = clambda("deploy", cwd=tmp_path, check=2)
    assert "clambda new" in r.stderr
