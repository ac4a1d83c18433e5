# SPDX-License-Identifier: MIT
"""clambda serve, large Invoke payloads: from 64 KB their JSON check (and, with --auth sigv4,
their signature) runs on the thread pool (front/routes.c, invoke/payload.c). The answers must
be those the loop gave before (the same 400 InvalidRequestContentException with jansson's
message), big and small invokes must interleave with each one getting its own answer, and a
client that leaves while its payload is being checked must not hurt the server."""

import json
import socket
import threading

import pytest

from conftest import example_path

KEY, SECRET, ACCT = "AKIACLAMBDATEST00001", "s3cr3t/one+key", "111111111111"

# Invalid payloads over 64 KB and the messages the server gave when it checked them on the
# loop with json_loadb (measured with the build before the change, commit 2724325).
INVALID = [
    (b'{"big": "' + b"x" * 100000 + b'", }',
     "string or '}' expected near '}': line 1 column 100013"),
    (b'["' + b"y" * 100000 + b'\xff"]', "unable to decode byte 0xff: line 1 column 100002"),
    (b'{"a": "' + b"z" * 70000 + b'"}\n{"b": 1}', "end of file expected near '{': line 2 column 1"),
]
PREFIX = "Could not parse request body into json: Could not parse payload into json: "


@pytest.fixture
def srv(serve):
    return serve({"echo": example_path("echo").parent})


@pytest.fixture
def auth_srv(serve, tmp_path):
    p = tmp_path / "credentials"
    p.write_text(f"{KEY} {SECRET} {ACCT}\n")
    p.chmod(0o600)
    return serve({"echo": example_path("echo").parent},
                 args=["--auth", "sigv4", "--credentials", str(p)])


def lambda_client(srv, key="test", secret="test"):
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"},
                                      read_timeout=120))


def test_invalid_large_payload_same_answer(srv):
    for payload, message in INVALID:
        st, h, body = srv.invoke("echo", payload)
        assert st == 400
        assert h["x-amzn-errortype"] == "InvalidRequestContentException"
        assert json.loads(body)["message"] == PREFIX + message
    c = lambda_client(srv)
    with pytest.raises(c.exceptions.InvalidRequestContentException) as ei:
        c.invoke(FunctionName="echo", Payload=INVALID[0][0])
    assert ei.value.response["Error"]["Message"] == PREFIX + INVALID[0][1]


def test_invalid_large_payload_signed(auth_srv):
    """Signature and JSON check on the thread pool: a good signature gets the JSON verdict, a
    bad one the signature's refusal, as on the loop."""
    c = lambda_client(auth_srv, KEY, SECRET)
    with pytest.raises(c.exceptions.InvalidRequestContentException) as ei:
        c.invoke(FunctionName="echo", Payload=INVALID[0][0])
    assert ei.value.response["Error"]["Message"] == PREFIX + INVALID[0][1]
    good = json.dumps({"blob": "q" * 200000}).encode()
    r = c.invoke(FunctionName="echo", Payload=good)
    assert r["StatusCode"] == 200 and r["Payload"].read() == good
    bad = lambda_client(auth_srv, KEY, "wrong-secret")
    with pytest.raises(bad.exceptions.ClientError) as ei:
        bad.invoke(FunctionName="echo", Payload=good)
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert ei.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_big_and_small_invokes_interleave(srv):
    big = json.dumps({"blob": "b" * (5 * 1024 * 1024)}).encode()
    errors = []

    def big_invokes():
        c = lambda_client(srv)
        try:
            for i in range(3):
                r = c.invoke(FunctionName="echo", Payload=big)
                if r["Payload"].read() != big:
                    errors.append(f"big invoke {i}: wrong payload")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    t = threading.Thread(target=big_invokes)
    t.start()
    c = lambda_client(srv)
    n = 0
    while t.is_alive() or n < 20:
        payload = json.dumps({"i": n}).encode()
        r = c.invoke(FunctionName="echo", Payload=payload)
        assert r["Payload"].read() == payload
        n += 1
    t.join()
    assert errors == []


def test_client_gone_while_checked(srv):
    """The job owns the body it checks: the connection may close under it."""
    body = b'["' + b"g" * (3 * 1024 * 1024) + b'"]'
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        s.close()
    st, _, out = srv.invoke("echo", b'{"after": true}')
    assert st == 200 and out == b'{"after": true}'
