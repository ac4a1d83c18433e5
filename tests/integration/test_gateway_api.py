# SPDX-License-Identifier: MIT
"""clambda serve --template: the HTTP APIs and REST APIs of a SAM template served on
--http-listen (docs/gateway.md, http-events.md §1-§2, §6): route choice ({param}, {proxy+},
ANY, literal over parameter), payload formats 2.0 and 1.0 (headers, repeated query keys,
encoded characters, cookies, binary bodies both ways, stage variables), API Gateway's own
answers (404, 413, 500/502 for function errors and malformed answers, 503/504 at the
integration timeout), Lambda authorizers (simple and IAM-policy answers, identity sources,
cache), CORS, three runtimes behind one API, and SIGHUP re-reading the template."""

import json
import signal
import subprocess
import time

import pytest

from conftest import TIMEOUT, clambda_path, example_path, http_request, runtime_dir

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    Timeout: 10
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageVariables:
        color: blue
      CorsConfiguration:
        AllowOrigins: ["http://page.test"]
        AllowMethods: [GET, PUT]
        AllowHeaders: [x-custom]
        ExposeHeaders: [x-custom]
        MaxAge: 600
      Auth:
        Authorizers:
          Simple:
            FunctionArn: !GetAtt Authz.Arn
            Identity:
              Headers: [Authorization]
              ReauthorizeEvery: 300
            EnableSimpleResponses: true
            AuthorizerPayloadFormatVersion: "2.0"
          Policy:
            FunctionArn: !GetAtt AuthzIam.Arn
            Identity:
              Headers: [Authorization]
            AuthorizerPayloadFormatVersion: "2.0"
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      BinaryMediaTypes: ["image~1png"]
      Variables:
        color: red
  Py:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {py}
      Events:
        Event: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: "/event/{{id}}"}}}}
        Proxy: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: ANY, Path: "/{{proxy+}}"}}}}
        V1: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: "/v1/{{proxy+}}",
                                        PayloadFormatVersion: "1.0"}}}}
        Auth: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: "/auth/{{proxy+}}",
                                          Auth: {{Authorizer: Simple}}}}}}
        Iam: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: ANY, Path: "/iam/{{proxy+}}",
                                         Auth: {{Authorizer: Policy}}}}}}
        Slow: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: "/slow/{{proxy+}}",
                                          TimeoutInMillis: 1000}}}}
        Rest: {{Type: Api, Properties: {{RestApiId: !Ref Rest, Method: ANY, Path: "/rest/{{proxy+}}"}}}}
        RestSlow: {{Type: Api, Properties: {{RestApiId: !Ref Rest, Method: GET, Path: /rest/sleep,
                                          TimeoutInMillis: 1000}}}}
  Node:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {node}
      Events:
        Special: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: /event/special}}}}
        Node: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: /node}}}}
  C:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {c}
      Events:
        Hello: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: /hello}}}}
  Authz:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {authz}
      Environment:
        Variables:
          MODE: simple
  AuthzIam:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {authz}
      Environment:
        Variables:
          MODE: iam
"""


def write_template(tmp_path, extra=""):
    c = example_path("http-api").parent
    t = tmp_path / "template.yaml"
    t.write_text(TEMPLATE.format(py=runtime_dir("pyurl"), node=runtime_dir("nodeapi"), c=c,
                                 authz=runtime_dir("pyauthz")) + extra)
    return t


@pytest.fixture
def api(serve, tmp_path):
    t = write_template(tmp_path)
    s = serve({}, args=["--template", str(t), "--http-listen", "127.0.0.1:0"])
    s.api_lines()
    s.template = t
    return s


def request(srv, path, method="GET", body=None, headers=()):
    """(status, [(name, value)], body) of one request to the API listener."""
    return http_request(srv.api_port, path, method, body, headers)


def hdr(hs, name):
    vals = [v for k, v in hs if k.lower() == name.lower()]
    return vals[0] if vals else None


def event_of(srv, path, **kw):
    st, hs, body = request(srv, path, **kw)
    assert st == 200, (st, body)
    return json.loads(body)


# ---- routes ----------------------------------------------------------------------------------

def test_routes_are_printed_at_start(api):
    lines = "\n".join(api.api_lines())
    assert f"clambda: mounting Py at http://127.0.0.1:{api.api_port}/event/{{id}} [GET]" in lines
    assert "/rest/{proxy+} [ANY]" in lines and "/hello [GET]" in lines


def test_the_most_specific_route_wins(api):
    ev = event_of(api, "/event/42")
    assert ev["routeKey"] == "GET /event/{id}" and ev["pathParameters"] == {"id": "42"}
    # a literal segment beats a parameter: another function (Node) answers
    assert json.loads(request(api, "/event/special")[2])["runtime"] == "node"
    # a method the parameter route lacks falls to ANY /{proxy+}
    ev = event_of(api, "/event/7", method="DELETE")
    assert ev["routeKey"] == "ANY /{proxy+}" and ev["pathParameters"] == {"proxy": "event/7"}


def test_unknown_path_is_api_gateways_404(api):
    st, hs, body = request(api, "/")  # {proxy+} takes one segment or more
    assert st == 404 and json.loads(body) == {"message": "Not Found"}
    assert hdr(hs, "Content-Type") == "application/json"


def test_three_runtimes_behind_one_api(api):
    st, _, body = request(api, "/hello?name=api")
    assert st == 200 and body == b"hello api"  # libclambda (examples/http-api)
    assert json.loads(request(api, "/node")[2]) == {"runtime": "node", "path": "/node",
                                                    "method": "GET"}
    assert event_of(api, "/event/1")["version"] == "2.0"  # Python


# ---- payload 2.0 -----------------------------------------------------------------------------

def test_v2_event(api):
    ev = event_of(api, "/event/a%20b?x=1&x=2&e=%C3%A9%26&flag",
                  headers=[("X-Multi", "one"), ("X-Multi", "two"), ("Cookie", "c1=a; c2=b"),
                           ("User-Agent", "test-agent")])
    assert ev["rawPath"] == "/event/a%20b"
    assert ev["rawQueryString"] == "x=1&x=2&e=%C3%A9%26&flag"
    assert ev["queryStringParameters"] == {"x": "1,2", "e": "é&", "flag": ""}
    assert ev["pathParameters"] == {"id": "a b"}
    assert ev["headers"]["x-multi"] == "one,two" and "cookie" not in ev["headers"]
    assert ev["cookies"] == ["c1=a", "c2=b"]
    assert ev["stageVariables"] == {"color": "blue"}
    ctx = ev["requestContext"]
    assert ctx["stage"] == "$default" and ctx["routeKey"] == "GET /event/{id}"
    assert ctx["http"]["method"] == "GET" and ctx["http"]["userAgent"] == "test-agent"
    assert ev["isBase64Encoded"] is False and "body" not in ev


def test_v2_cookies_and_binary(api):
    st, hs, body = request(api, "/cookies")
    assert st == 200 and body == b"ok"
    assert [v for k, v in hs if k.lower() == "set-cookie"] == ["a=1; Max-Age=60", "b=2"]
    data = bytes(range(256))
    st, hs, body = request(api, "/binary", "POST", data, [("Content-Type", "image/png")])
    assert st == 200 and body == data and hdr(hs, "Content-Type") == "image/png"
    # a text body arrives as text; a bare JSON answer is inferred as 200 application/json
    st, hs, body = request(api, "/raw", "POST", b'"just a string"',
                           [("Content-Type", "application/json")])
    assert st == 200 and body == b'"just a string"'
    assert hdr(hs, "Content-Type") == "application/json"


# ---- payload 1.0 -----------------------------------------------------------------------------

def test_v1_event_of_a_rest_api(api):
    ev = event_of(api, "/rest/event?k=1&k=2&s=%2F",
                  headers=[("X-Multi", "one"), ("X-Multi", "two")])
    assert ev["resource"] == "/rest/{proxy+}" and ev["path"] == "/rest/event"
    assert ev["httpMethod"] == "GET"
    assert ev["headers"]["X-Multi"] == "two"  # the last value
    assert ev["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert ev["queryStringParameters"] == {"k": "2", "s": "/"}
    assert ev["multiValueQueryStringParameters"] == {"k": ["1", "2"], "s": ["/"]}
    assert ev["pathParameters"] == {"proxy": "event"}
    assert ev["stageVariables"] == {"color": "red"}
    assert ev["body"] is None and ev["isBase64Encoded"] is False
    ctx = ev["requestContext"]
    assert ctx["stage"] == "Prod" and ctx["path"] == "/Prod/rest/event"
    assert ctx["resourcePath"] == "/rest/{proxy+}" and ctx["httpMethod"] == "GET"
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"


def test_v1_empty_collections_are_null(api):
    ev = event_of(api, "/v1/event")
    assert ev["queryStringParameters"] is None
    assert ev["multiValueQueryStringParameters"] is None
    assert ev["stageVariables"] == {"color": "blue"}  # an HTTP API at 1.0


def test_v1_binary_by_binary_media_types(api):
    data = bytes(range(256))
    st, _, body = request(api, "/rest/binary", "POST", data, [("Content-Type", "image/png")])
    assert st == 200 and body == data  # base64 in, isBase64Encoded answer decoded
    st, _, body = request(api, "/rest/event", "POST", b"plain", [("Content-Type", "text/plain")])
    ev = json.loads(body)
    assert ev["body"] == "plain" and ev["isBase64Encoded"] is False


def test_v1_multi_value_headers_out(api):
    st, hs, body = request(api, "/rest/v1cookies")
    assert st == 202 and body == b"v1"
    assert [v for k, v in hs if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert [v for k, v in hs if k.lower() == "x-many"] == ["x", "y"]
    assert hdr(hs, "X-One") == "1"


# ---- API Gateway's own answers -----------------------------------------------------------------

def test_function_errors_and_malformed_answers(api):
    st, _, body = request(api, "/error", "POST")
    assert (st, json.loads(body)) == (500, {"message": "Internal Server Error"})
    st, _, body = request(api, "/rest/error", "POST")
    assert (st, json.loads(body)) == (502, {"message": "Internal server error"})
    # 1.0 infers nothing: a bare string or a bad statusCode is a malformed proxy response
    st, _, body = request(api, "/rest/raw", "POST", b'"text"', [("Content-Type", "text/plain")])
    assert (st, json.loads(body)) == (502, {"message": "Internal server error"})
    st, _, body = request(api, "/bad")
    assert (st, json.loads(body)) == (500, {"message": "Internal Server Error"})


def test_integration_timeout(api):
    t0 = time.monotonic()
    st, _, body = request(api, "/slow/sleep?s=3")
    assert (st, json.loads(body)) == (503, {"message": "Service Unavailable"})
    st, _, body = request(api, "/rest/sleep?s=3")
    assert (st, json.loads(body)) == (504, {"message": "Endpoint request timed out"})
    assert time.monotonic() - t0 < 5  # answered at the 1 s TimeoutInMillis, twice


def test_payload_limits(api):
    big = b"x" * (7 * 1024 * 1024)  # over Lambda's 6 MB, under API Gateway's 10 MB
    st, _, body = request(api, "/raw", "POST", big, [("Content-Type", "text/plain")])
    assert (st, json.loads(body)) == (413, {"message": "Request Entity Too Large"})
    st, _, body = request(api, "/raw", "POST", b"y" * (11 * 1024 * 1024))
    assert st == 413
    assert request(api, "/event/1")[0] == 200  # and the listener goes on


# ---- authorizers ------------------------------------------------------------------------------

def test_simple_authorizer_allow_deny_missing_and_cache(api):
    st, _, body = request(api, "/auth/event")
    assert (st, json.loads(body)) == (401, {"message": "Unauthorized"})
    st, _, body = request(api, "/auth/event", headers=[("Authorization", "deny-1")])
    assert (st, json.loads(body)) == (403, {"message": "Forbidden"})
    ev = event_of(api, "/auth/event", headers=[("Authorization", "allow-1")])
    first = ev["requestContext"]["authorizer"]["lambda"]
    assert first["who"] == "allow-1"
    # the same identity again: the cached answer (ReauthorizeEvery 300), not a new call
    ev = event_of(api, "/auth/event?again", headers=[("Authorization", "allow-1")])
    assert ev["requestContext"]["authorizer"]["lambda"] == first
    ev = event_of(api, "/auth/event", headers=[("Authorization", "allow-2")])
    assert ev["requestContext"]["authorizer"]["lambda"]["calls"] > first["calls"]


def test_policy_authorizer(api):
    ev = event_of(api, "/iam/event", headers=[("Authorization", "allow-x")])
    assert ev["requestContext"]["authorizer"]["lambda"]["who"] == "allow-x"
    assert request(api, "/iam/event", headers=[("Authorization", "deny-x")])[0] == 403
    # a policy that allows only GET routes
    assert request(api, "/iam/event", headers=[("Authorization", "get-only")])[0] == 200
    st, _, _ = request(api, "/iam/event", "PUT", b"", [("Authorization", "get-only")])
    assert st == 403
    st, _, body = request(api, "/iam/event", headers=[("Authorization", "boom")])
    assert (st, json.loads(body)) == (500, {"message": "Internal Server Error"})
    st, _, body = request(api, "/iam/event", headers=[("Authorization", "junk")])
    assert st == 500


# ---- CORS -------------------------------------------------------------------------------------

def test_cors_preflight_and_headers(api):
    st, hs, body = request(api, "/event/1", "OPTIONS", headers=[
        ("Origin", "http://page.test"), ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "x-custom")])
    assert st == 204 and body == b""
    assert hdr(hs, "Access-Control-Allow-Origin") == "http://page.test"
    assert "PUT" in hdr(hs, "Access-Control-Allow-Methods")
    assert hdr(hs, "Access-Control-Allow-Headers") == "x-custom"
    assert hdr(hs, "Access-Control-Max-Age") == "600"
    st, hs, _ = request(api, "/event/1", headers=[("Origin", "http://page.test")])
    assert st == 200 and hdr(hs, "Access-Control-Allow-Origin") == "http://page.test"
    assert hdr(hs, "Access-Control-Expose-Headers") == "x-custom"
    st, hs, _ = request(api, "/event/1", headers=[("Origin", "http://evil.test")])
    assert st == 200 and hdr(hs, "Access-Control-Allow-Origin") is None


# ---- SIGHUP -----------------------------------------------------------------------------------

def test_sighup_rereads_the_template(api):
    assert request(api, "/event/1", "DELETE")[0] == 200  # ANY /{proxy+} first
    text = api.template.read_text().replace('Path: "/{proxy+}"', 'Path: "/only/{proxy+}"')
    text += """\
  Added:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {node}
      Events:
        Added: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: /added}}}}
""".format(node=runtime_dir("nodeapi"))
    api.template.write_text(text)
    api.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        st, _, body = request(api, "/added")
        if st == 200 and b"node" in body:
            break
        time.sleep(0.1)
    assert json.loads(body)["runtime"] == "node"
    assert request(api, "/event/1", "DELETE")[0] == 404  # the old /{proxy+} is gone
    # the new function is the registry's: the control plane sees it
    names = [f["FunctionName"] for f in api.boto3().list_functions()["Functions"]]
    assert "Added" in names


def test_http_listen_usage_errors(tmp_path):
    """A bad --http-listen is a usage error naming it (regression: error messages named the
    option next to it in the table), and a port in use fails the start."""
    for bad in ("nope", "127.0.0.1:99999", ":80"):
        r = subprocess.run([str(clambda_path()), "serve", "--state-dir", str(tmp_path / "s"),
                            "--http-listen", bad], capture_output=True, timeout=30)
        assert r.returncode == 2 and b"invalid value for --http-listen: " + bad.encode() in \
            r.stderr, r.stderr
