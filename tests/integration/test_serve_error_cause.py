# SPDX-License-Identifier: MIT
"""clambda serve, Runtime API /error with Content-Type application/vnd.aws.lambda.error.cause+json
(runtime-api.md 5): the caller gets {errorMessage, errorType, stackTrace} re-encoded as AWS's
Go code does (errorCause and unknown members dropped, <>& escaped, empty stackTrace omitted);
an undecodable body becomes the JSON string "Invalid error body" (application/octet-stream).
The X-Ray cause header is accepted and never reaches the caller."""
import json

import pytest

from conftest import runtime_dir


@pytest.fixture
def srv(serve):
    return serve({"py": runtime_dir("pyrt")})


def post(srv, body, xray=None):
    ev = {"action": "error_cause", "body": body}
    if xray:
        ev["xray"] = xray
    st, h, out = srv.invoke("py", ev)
    assert st == 200
    assert h["x-amz-function-error"] == "Unhandled"
    return h, out


def test_error_cause_is_stripped(srv):
    body = json.dumps({"errorMessage": "a <b> & c", "errorType": "MyError",
                       "stackTrace": ["f1", "f2"], "extra": 1,
                       "errorCause": {"paths": [], "working_directory": "/var/task",
                                      "exceptions": [{"message": "m", "type": "T"}]}})
    h, out = post(srv, body)
    assert h["content-type"] == "application/json"
    assert out == (b'{"errorMessage":"a \\u003cb\\u003e \\u0026 c","errorType":"MyError",'
                   b'"stackTrace":["f1","f2"]}')
    assert json.loads(out) == {"errorMessage": "a <b> & c", "errorType": "MyError",
                               "stackTrace": ["f1", "f2"]}


def test_error_cause_missing_members_and_empty_stack(srv):
    h, out = post(srv, json.dumps({"errorType": "OnlyType", "stackTrace": []}))
    assert out == b'{"errorMessage":"","errorType":"OnlyType"}'


def test_error_cause_invalid_body(srv):
    for bad in ["not json", json.dumps({"errorMessage": 5}), json.dumps([1, 2]),
                json.dumps({"stackTrace": [1]})]:
        h, out = post(srv, bad)
        assert h["content-type"] == "application/octet-stream"
        assert out == b'"Invalid error body"'


def test_xray_error_cause_header_not_forwarded(srv):
    cause = json.dumps({"working_directory": "/x", "exceptions": [], "paths": []})
    body = json.dumps({"errorMessage": "m", "errorType": "T"})
    h, out = post(srv, body, xray=cause)
    assert out == b'{"errorMessage":"m","errorType":"T"}'
    assert not any("xray" in k for k in h)
