# SPDX-License-Identifier: MIT
"""`clambda invoke`: every --data-example (and its other names) reaches a function that echoes
its event, byte for byte as AWS's shapes written into the tool; --data-file; --list-examples;
--remote signs for a server that checks signatures; exit codes 0/1/2."""

from __future__ import annotations

import json

import pytest

from clitool import clambda
from conftest import SOURCE_DIR, example_path

EXAMPLES = sorted(p.stem for p in (SOURCE_DIR / "src" / "cli" / "events" / "examples").glob(
    "*.json"))
ALIASES = {"apigw-rest": "apigw-v1", "http-api": "apigw-v2",
           "cognito-pre-signup": "cognito-user-pool-pre-signup"}
REQUIRED = {"apigw-v1", "apigw-v2", "function-url", "alb", "sqs", "sns", "s3-put", "eventbridge",
            "dynamodb-stream", "kinesis", "cloudwatch-scheduled", "cognito-user-pool-pre-signup"}


@pytest.fixture
def srv(serve):
    return serve({"echo": example_path("echo").parent})


def expected(name):
    return json.loads((SOURCE_DIR / "src" / "cli" / "events" / "examples" / f"{name}.json")
                      .read_text())


def test_list_examples():
    r = clambda("invoke", "--list-examples", check=0)
    listed = {line.split()[0] for line in r.stdout.splitlines()}
    assert listed == set(EXAMPLES) and REQUIRED <= listed
    for alias, name in ALIASES.items():
        assert f"{name}  (also {alias})" in r.stdout


@pytest.mark.parametrize("name", EXAMPLES + sorted(ALIASES))
def test_each_example_reaches_the_function(srv, name):
    r = clambda("invoke", "echo", "--data-example", name, "--endpoint-url", srv.endpoint,
                check=0)
    assert json.loads(r.stdout) == expected(ALIASES.get(name, name))


def test_example_shapes():
    assert expected("apigw-v2")["version"] == "2.0"
    assert "lambda-url" in expected("function-url")["requestContext"]["domainName"]
    assert "elb" in expected("alb")["requestContext"]
    assert expected("sqs")["Records"][0]["eventSource"] == "aws:sqs"
    assert expected("sns")["Records"][0]["EventSource"] == "aws:sns"
    assert expected("s3-put")["Records"][0]["eventName"] == "ObjectCreated:Put"
    assert expected("dynamodb-stream")["Records"][0]["eventSource"] == "aws:dynamodb"
    assert expected("kinesis")["Records"][0]["eventSource"] == "aws:kinesis"
    assert expected("cloudwatch-scheduled")["detail-type"] == "Scheduled Event"
    assert expected("cognito-user-pool-pre-signup")["triggerSource"] == "PreSignUp_SignUp"
    assert expected("apigw-v1")["httpMethod"] == "GET"


def test_data_file_and_stdin(srv, tmp_path):
    f = tmp_path / "event.json"
    f.write_text('{"from":"file"}')
    r = clambda("invoke", "echo", "--data-file", f, "--endpoint", srv.endpoint, check=0)
    assert r.stdout == '{"from":"file"}\n'
    r = clambda("invoke", "echo", "--data-file", tmp_path / "missing.json",
                "--endpoint", srv.endpoint, check=1)
    assert "missing.json: No such file or directory" in r.stderr


def test_invoke_exit_codes(srv):
    r = clambda("invoke", "nope", "--endpoint", srv.endpoint, check=1)
    assert "ResourceNotFoundException" in r.stderr
    r = clambda("invoke", "echo", "--data-example", "nosuch", check=2)
    assert "--list-examples" in r.stderr
    clambda("invoke", "echo", "--data", "{}", "--data-example", "sqs", check=2)
    clambda("invoke", check=2)


def test_remote_signs(serve, tmp_path):
    key, secret = "AKIACLAMBDACLITEST02", "invoke-secret"
    creds = tmp_path / "creds"
    creds.write_text(f"{key} {secret} 123456789012\n")
    creds.chmod(0o600)
    s = serve({"echo": example_path("echo").parent},
              args=["--auth", "sigv4", "--credentials", str(creds)])
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    r = clambda("invoke", "echo", "--remote", "--endpoint-url", s.endpoint, "--data-example",
                "sqs", env=env, check=0)
    assert json.loads(r.stdout) == expected("sqs")
    r = clambda("invoke", "echo", "--endpoint-url", s.endpoint, env=env, check=1)
    assert "MissingAuthenticationTokenException" in r.stderr
    r = clambda("invoke", "echo", "--remote", "--endpoint-url", s.endpoint,
                env=dict(env, AWS_SECRET_ACCESS_KEY="nope"), check=1)
    assert "InvalidSignatureException" in r.stderr
