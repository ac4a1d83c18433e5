# SPDX-License-Identifier: MIT
"""--auth sigv4: every request (invoke included) is verified against the credentials file
before dispatch; the access key's account id shows in ARNs. Right and wrong keys with boto3 and
both aws CLI versions, a tampered body, a skewed date, a missing signature, and the refusal to
listen off loopback without authentication."""

import datetime
import http.client
import json
import re
import subprocess
from unittest import mock

import pytest

from awscli import clis, run
from conftest import TIMEOUT, clambda_path, example_path

KEY1, SECRET1, ACCT1 = "AKIACLAMBDATEST00001", "s3cr3t/one+key", "111111111111"
KEY2, SECRET2, ACCT2 = "AKIACLAMBDATEST00002", "another-secret", "222222222222"
SIG_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service "
                "documentation for details.")


@pytest.fixture
def creds_file(tmp_path):
    p = tmp_path / "credentials"
    p.write_text(f"# test keys\n{KEY1} {SECRET1} {ACCT1}\n{KEY2}\t{SECRET2}\t{ACCT2}\n")
    p.chmod(0o600)
    return p


@pytest.fixture
def srv(serve, creds_file):
    return serve({"hello": example_path("hello").parent, "echo": example_path("echo").parent},
                 args=["--auth", "sigv4", "--credentials", str(creds_file)])


def client(srv, key, secret):
    import boto3
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def signed(srv, method, path, body=b"", when=None, key=KEY1, secret=SECRET1):
    """A request signed by botocore's SigV4Auth (optionally at another time): (url, headers)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method=method, url=srv.endpoint + path, data=body,
                     headers={"Content-Type": "application/json"})
    auth = SigV4Auth(Credentials(key, secret), "lambda", "us-east-1")
    if when is None:
        auth.add_auth(req)
    else:
        with mock.patch("botocore.auth.datetime") as d:
            d.datetime.utcnow.return_value = when
            d.datetime.now.return_value = when.replace(tzinfo=datetime.timezone.utc)
            d.timezone = datetime.timezone
            auth.add_auth(req)
    return dict(req.headers.items())


def send(srv, method, path, body, headers):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def test_right_keys_and_accounts(srv):
    fns = client(srv, KEY1, SECRET1).list_functions()["Functions"]
    assert fns[0]["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCT1}:function:echo"
    conf = client(srv, KEY2, SECRET2).get_function_configuration(FunctionName="hello")
    assert conf["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCT2}:function:hello"
    r = client(srv, KEY1, SECRET1).invoke(FunctionName="echo", Payload=b'{"x":1}')
    assert r["StatusCode"] == 200 and r["Payload"].read() == b'{"x":1}'
    # a signed request whose path holds percent-encoded ARN characters
    r = client(srv, KEY1, SECRET1).get_function(
        FunctionName=f"arn:aws:lambda:us-east-1:{ACCT1}:function:hello:$LATEST")
    assert r["Configuration"]["FunctionName"] == "hello"


def test_wrong_secret(srv):
    c = client(srv, KEY1, "wrong")
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.list_functions()
    e = ei.value.response
    assert e["Error"]["Code"] == "InvalidSignatureException"
    assert e["Error"]["Message"] == SIG_MISMATCH
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.invoke(FunctionName="echo", Payload=b"{}")
    assert ei.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_unknown_key(srv):
    c = client(srv, "AKIANOTKNOWN00000000", SECRET1)
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.get_account_settings()
    e = ei.value.response["Error"]
    assert e["Code"] == "UnrecognizedClientException"
    assert e["Message"] == "The security token included in the request is invalid."


def test_tampered_body(srv):
    body = b'{"x":1}'
    h = signed(srv, "POST", "/2015-03-31/functions/echo/invocations", body)
    st, _, out = send(srv, "POST", "/2015-03-31/functions/echo/invocations", body, h)
    assert st == 200 and out == body
    st, hd, out = send(srv, "POST", "/2015-03-31/functions/echo/invocations", b'{"x":2}', h)
    assert st == 403 and hd["x-amzn-errortype"] == "InvalidSignatureException"
    assert json.loads(out) == {"message": SIG_MISMATCH}


def test_skewed_date(srv):
    when = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    h = signed(srv, "GET", "/2015-03-31/functions/", when=when)
    st, hd, out = send(srv, "GET", "/2015-03-31/functions/", None, h)
    assert st == 403 and hd["x-amzn-errortype"] == "InvalidSignatureException"
    msg = json.loads(out)["message"]
    assert re.match(r"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z "
                    r"\(\d{8}T\d{6}Z - 5 min\.\)$", msg), msg
    h = signed(srv, "GET", "/2015-03-31/functions/",
               when=datetime.datetime.utcnow() + datetime.timedelta(minutes=20))
    st, hd, out = send(srv, "GET", "/2015-03-31/functions/", None, h)
    assert st == 403 and json.loads(out)["message"].startswith("Signature not yet current: ")


def test_missing_and_malformed_auth(srv):
    st, hd, out = send(srv, "POST", "/2015-03-31/functions/echo/invocations", b"{}", {})
    assert st == 403 and hd["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert json.loads(out) == {"message": "Missing Authentication Token"}
    st, hd, out = send(srv, "GET", "/2015-03-31/functions/", None,
                       {"Authorization": "Bearer x", "X-Amz-Date": "20260101T000000Z"})
    assert st == 403 and hd["x-amzn-errortype"] == "IncompleteSignatureException"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aws_cli_keys(srv, tmp_path, version):
    cli = clis().get(version)
    if cli is None:
        pytest.skip(f"aws CLI {version} is not installed")
    rc, out, err = run(cli, srv.endpoint, ["list-functions"], KEY2, SECRET2, home=str(tmp_path))
    assert rc == 0, err
    assert out["Functions"][1]["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCT2}:function:hello"
    rc, out, err = run(cli, srv.endpoint, ["get-account-settings"], KEY2, "bad",
                       home=str(tmp_path))
    assert rc != 0 and "(InvalidSignatureException)" in err and SIG_MISMATCH in err
    rc, out, err = run(cli, srv.endpoint, ["get-account-settings"], "AKIANOTKNOWN00000000",
                       "x", home=str(tmp_path))
    assert rc != 0 and "(UnrecognizedClientException)" in err


def serve_cmd(tmp_path, *args):
    return [str(clambda_path()), "serve", "--state-dir", str(tmp_path / "state"), *args]


def test_refuses_public_listener_without_auth(tmp_path, creds_file):
    r = subprocess.run(serve_cmd(tmp_path, "--listen", "0.0.0.0:0"), capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 2
    assert b"refusing to listen on 0.0.0.0 without authentication" in r.stderr
    assert r.stdout == b""
    r = subprocess.run(serve_cmd(tmp_path, "--listen", "[::]:0", "--auth", "none"),
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 2 and b"refusing to listen on :: without" in r.stderr
    r = subprocess.run(serve_cmd(tmp_path, "--auth", "sigv4"), capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 2 and b"--auth sigv4 needs --credentials FILE" in r.stderr
    bad = tmp_path / "bad"
    bad.write_text("onlyonefield\n")
    r = subprocess.run(serve_cmd(tmp_path, "--auth", "sigv4", "--credentials", str(bad),
                                 "--listen", "127.0.0.1:0"), capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 1 and b"bad:1: expected ACCESS_KEY_ID" in r.stderr


def test_public_listener_with_auth(tmp_path, creds_file):
    p = subprocess.Popen(serve_cmd(tmp_path, "--listen", "0.0.0.0:0", "--auth", "sigv4",
                                   "--credentials", str(creds_file),
                                   "--function", f"hello={example_path('hello').parent}"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode()
        m = re.match(r"clambda: listening on http://0\.0\.0\.0:(\d+)", line)
        assert m, line
        c = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=TIMEOUT)
        c.request("GET", "/2015-03-31/functions/")
        r = c.getresponse()
        assert r.status == 403 and r.getheader("x-amzn-ErrorType") == \
            "MissingAuthenticationTokenException"
        c.close()
    finally:
        p.terminate()
        assert p.wait(30) == 0
        p.stdout.close()
        p.stderr.close()


def test_logs_api_and_metrics_need_signatures(srv):
    """The CloudWatch Logs API on the same listener is signed for service "logs" by its
    clients; /metrics is not an AWS API and is refused without a signature too."""
    import boto3
    from botocore.config import Config
    client(srv, KEY1, SECRET1).invoke(FunctionName="hello", Payload=b"{}")
    logs = boto3.client("logs", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id=KEY1, aws_secret_access_key=SECRET1,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    groups = logs.describe_log_groups()["logGroups"]
    assert "/aws/lambda/hello" in [g["logGroupName"] for g in groups]
    bad = boto3.client("logs", endpoint_url=srv.endpoint, region_name="us-east-1",
                       aws_access_key_id=KEY1, aws_secret_access_key="wrong",
                       config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    with pytest.raises(bad.exceptions.ClientError) as ei:
        bad.describe_log_groups()
    assert ei.value.response["Error"]["Code"] == "InvalidSignatureException"
    st, hd, _ = send(srv, "GET", "/metrics", None, {})
    assert st == 403 and hd["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    st, _, body = send(srv, "GET", "/metrics", None, signed(srv, "GET", "/metrics"))
    assert st == 200 and b"clambda_" in body
