# SPDX-License-Identifier: MIT
"""clambda serve, Function URLs (docs/gateway.md, http-events.md §2-§3): URL configs made with
boto3 are served on the public listener by Host (<id>.lambda-url.<region>.localhost) and by
path (/lambda-url/<function>/...); payload 2.0 events, response inference, cookies, binary
bodies, streamed answers read as they come, CORS, AWS_IAM, errors and limits. Also the HTTP
surface AWS clients rely on: Date on every answer, Retry-After on 429, reserved concurrency 0
throttled at once."""

import email.utils
import http.client
import json
import os
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import TIMEOUT, example_path, http_request, runtime_dir

KEY, SECRET, ACCT = "AKIACLAMBDATEST00001", "secret-one", "111111111111"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def srv(serve):
    return serve({"u": runtime_dir("pyurl"), "st": runtime_dir("pyurl"),
                  "z": runtime_dir("pyurl")},
                 sets=["u.timeout=2", "z.reserved=0"])


def make_url(srv, name, **kw):
    """CreateFunctionUrlConfig; raw JSON when InvokeMode is given (older botocore models lack
    it)."""
    kw.setdefault("AuthType", "NONE")
    if "InvokeMode" not in kw:
        return srv.boto3().create_function_url_config(FunctionName=name, **kw)["FunctionUrl"]
    st, _, body = request(f"{srv.endpoint}/2021-10-31/functions/{name}/url", "POST",
                          body=json.dumps(kw).encode(),
                          headers=[("Content-Type", "application/json")])
    assert st == 201, body
    return json.loads(body)["FunctionUrl"]


def request(url, method="GET", body=None, headers=(), port=None):
    """One request to url through 127.0.0.1 (the Host is url's own, so that *.localhost names
    need no resolver): (status, [(name, value)], body)."""
    u = urllib.parse.urlsplit(url)
    return http_request(port or u.port, u.path + ("?" + u.query if u.query else ""), method,
                        body, headers, host=u.netloc)


def header(hs, name):
    vals = [v for k, v in hs if k.lower() == name.lower()]
    return vals[0] if vals else None


def test_function_url_is_the_working_address(srv):
    url = make_url(srv, "u")
    assert url.startswith("http://") and url.endswith(f".lambda-url.us-east-1.localhost:"
                                                      f"{srv.port}/")
    st, hs, body = request(url + "event")
    assert st == 200, body
    ev = json.loads(body)
    url_id = url.split("//")[1].split(".")[0]
    assert ev["requestContext"]["apiId"] == ev["requestContext"]["domainPrefix"] == url_id
    # the path form reaches the same function
    with OPENER.open(f"{srv.endpoint}/lambda-url/u/event", timeout=TIMEOUT) as r:
        assert r.status == 200 and json.loads(r.read())["rawPath"] == "/event"


def test_event_payload_format_2(srv):
    url = make_url(srv, "u")
    st, _, body = request(url + "event?k=1&k=2&e=%2F%20x&plain=a", headers=[
        ("X-Multi", "a"), ("X-Multi", "b"), ("Cookie", "c1=v1; c2=v2"),
        ("User-Agent", "gw-test/1.0")])
    assert st == 200, body
    ev = json.loads(body)
    assert ev["version"] == "2.0" and ev["routeKey"] == "$default"
    assert ev["rawPath"] == "/event"
    assert ev["rawQueryString"] == "k=1&k=2&e=%2F%20x&plain=a"
    assert ev["queryStringParameters"] == {"k": "1,2", "e": "/ x", "plain": "a"}
    assert ev["headers"]["x-multi"] == "a,b"
    assert "cookie" not in ev["headers"] and ev["cookies"] == ["c1=v1", "c2=v2"]
    assert all(k == k.lower() for k in ev["headers"])
    assert ev["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert ev["headers"]["x-forwarded-proto"] == "http"
    assert ev["headers"]["x-forwarded-port"] == str(srv.port)
    assert "body" not in ev and ev["isBase64Encoded"] is False
    rc = ev["requestContext"]
    assert rc["routeKey"] == "$default" and rc["stage"] == "$default"
    assert rc["accountId"] == "000000000000"
    assert rc["domainName"].endswith(".lambda-url.us-east-1.localhost")
    assert rc["http"] == {"method": "GET", "path": "/event", "protocol": "HTTP/1.1",
                          "sourceIp": "127.0.0.1", "userAgent": "gw-test/1.0"}
    assert rc["requestId"] and isinstance(rc["timeEpoch"], int)
    assert "authorizer" not in rc


def test_head_gets_no_body(srv):
    url = make_url(srv, "u")
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection("127.0.0.1", u.port, timeout=TIMEOUT)
    for _ in range(2):  # the connection stays usable after a HEAD
        c.request("HEAD", "/cookies", headers={"Host": u.netloc})
        r = c.getresponse()
        assert r.status == 200 and r.read() == b"" and r.getheader("X-Custom") == "v"
    c.request("GET", "/cookies", headers={"Host": u.netloc})
    assert c.getresponse().read() == b"ok"
    c.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_methods_and_text_bodies(srv, method):
    make_url(srv, "u")
    st, _, body = request(f"{srv.endpoint}/lambda-url/u/event/a%20b", method,
                          body=b'{"x": "\xc3\xa9"}', headers=[("Content-Type",
                                                                "application/json")])
    assert st == 200, body
    ev = json.loads(body)
    assert ev["requestContext"]["http"]["method"] == method
    assert ev["rawPath"] == "/event/a%20b"
    assert ev["body"] == '{"x": "\u00e9"}' and ev["isBase64Encoded"] is False


def test_binary_bodies_both_ways(srv):
    url = make_url(srv, "u")
    data = bytes(range(256)) * 4
    st, hs, body = request(url + "binary", "POST", body=data,
                           headers=[("Content-Type", "application/octet-stream")])
    assert st == 200 and header(hs, "Content-Type") == "image/png"
    assert body == data
    st, _, body = request(url + "event", "POST", body=b"\x00\xff",
                          headers=[("Content-Type", "image/png")])
    ev = json.loads(body)
    assert ev["isBase64Encoded"] is True and ev["body"] == "AP8="


def test_response_inference(srv):
    url = make_url(srv, "u")
    for out in (b'"Hello"', b'{"message":"hi"}', b"[1,2]"):
        st, hs, body = request(url + "raw", "POST", body=out,
                               headers=[("Content-Type", "application/json")])
        assert (st, body) == (200, out)
        assert header(hs, "Content-Type") == "application/json"
    st, _, body = request(url + "raw", "POST", body=b'{"statusCode":418,"body":"teapot"}',
                          headers=[("Content-Type", "application/json")])
    assert (st, body) == (418, b"teapot")


def test_cookies_and_headers_out(srv):
    url = make_url(srv, "u")
    st, hs, body = request(url + "cookies")
    assert (st, body) == (200, b"ok")
    assert [v for k, v in hs if k.lower() == "set-cookie"] == ["a=1; Max-Age=60", "b=2"]
    assert header(hs, "X-Custom") == "v"
    assert header(hs, "x-amzn-RequestId")


def test_errors_are_502(srv):
    url = make_url(srv, "u")
    st, _, body = request(url + "error")
    assert (st, body) == (502, b"Internal Server Error")
    st, _, body = request(url + "raw", "POST", body=b'{"statusCode":"x"}',
                          headers=[("Content-Type", "application/json")])
    assert st == 502
    st, _, _ = request(url + "sleep?s=6")  # u.timeout=2
    assert st == 502


def test_unknown_url_and_function(srv):
    st, _, body = request(f"http://0123456789abcdef.lambda-url.us-east-1.localhost:{srv.port}/",
                          port=srv.port)
    assert st == 403 and json.loads(body) == {"Message": "Forbidden"}
    st, _, _ = request(f"{srv.endpoint}/lambda-url/nosuch/")
    assert st == 403
    st, _, _ = request(f"{srv.endpoint}/lambda-url/u/")  # u has no URL config yet
    assert st == 403


def test_payload_limit_413(srv):
    url = make_url(srv, "u")
    st, _, body = request(url + "event", "POST", body=b"x" * (7 * 1024 * 1024),
                          headers=[("Content-Type", "text/plain")])
    assert st == 413, body


def test_reserved_zero_throttles_at_once_with_retry_after(srv):
    url = make_url(srv, "z")
    st, hs, body = request(url + "event")
    assert st == 429 and header(hs, "Retry-After") == "1", body
    # the Invoke API too, with AWS's error shape
    st, h, body = srv.invoke("z")
    assert st == 429 and h["retry-after"] == "1"
    assert json.loads(body)["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    c = srv.boto3()
    with pytest.raises(c.exceptions.TooManyRequestsException) as ei:
        c.invoke(FunctionName="z", Payload=b"{}")
    assert ei.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"


def test_date_header_on_every_answer(srv):
    url = make_url(srv, "u")
    answers = [request(url + "event")[1], request(f"{srv.endpoint}/lambda-url/nosuch/")[1],
               request(f"{srv.endpoint}/2015-03-31/functions")[1]]
    st, h, _ = srv.invoke("u", json.dumps({"rawPath": "/event"}).encode())
    for hs in answers + [list(h.items())]:
        d = header(hs, "Date")
        assert d and email.utils.parsedate_to_datetime(d).tzname() == "UTC", hs


def test_cors_preflight_and_headers(srv):
    cors = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["x-token"], "ExposeHeaders": ["x-custom"], "MaxAge": 300,
            "AllowCredentials": True}
    url = make_url(srv, "u", Cors=cors)
    before = srv.log_text("u").count("START RequestId")
    st, hs, body = request(url + "event", "OPTIONS", headers=[
        ("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "x-token")])
    assert st == 200 and body == b""
    assert header(hs, "Access-Control-Allow-Origin") == "https://app.example"
    assert header(hs, "Access-Control-Allow-Methods") == "GET,POST"
    assert header(hs, "Access-Control-Allow-Headers") == "x-token"
    assert header(hs, "Access-Control-Max-Age") == "300"
    assert header(hs, "Access-Control-Allow-Credentials") == "true"
    assert srv.log_text("u").count("START RequestId") == before  # not invoked
    # every answer carries them; the configured values win over the function's
    st, hs, _ = request(url + "cookies", headers=[("Origin", "https://app.example")])
    assert st == 200
    assert header(hs, "Access-Control-Allow-Origin") == "https://app.example"
    assert header(hs, "Access-Control-Expose-Headers") == "x-custom"
    assert header(hs, "Access-Control-Allow-Methods") is None
    st, hs, _ = request(url + "error", headers=[("Origin", "https://app.example")])
    assert st == 502 and header(hs, "Access-Control-Allow-Origin") == "https://app.example"
    # an origin that is not allowed gets none
    st, hs, _ = request(url + "event", headers=[("Origin", "https://other.example")])
    assert st == 200 and header(hs, "Access-Control-Allow-Origin") is None


def read_chunk(r):
    """One chunk of a chunked body from the raw socket file (None at the end)."""
    n = int(r.fp.readline().split(b";")[0], 16)
    if n == 0:
        return None
    data = r.fp.read(n)
    r.fp.readline()
    return data


def test_streamed_with_prelude_read_incrementally(srv, tmp_path):
    url = make_url(srv, "st", InvokeMode="RESPONSE_STREAM")
    gate = tmp_path / "gate"
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection("127.0.0.1", u.port, timeout=TIMEOUT)
    c.request("GET", "/stream?gate=" + urllib.parse.quote(str(gate)), headers={"Host": u.netloc})
    r = c.getresponse()
    assert r.status == 201
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert r.getheader("Content-Type") == "text/plain" and r.getheader("x-streamed") == "yes"
    assert r.getheader("Set-Cookie") == "s=1"
    r.chunked = False  # read the chunks ourselves: the first must come before the gate opens
    assert read_chunk(r) == b"one;"
    gate.touch()
    rest = b""
    while (ch := read_chunk(r)) is not None:
        rest += ch
    assert rest == b"two"
    c.close()


def test_streamed_content_type_passes_through(srv):
    url = make_url(srv, "st", InvokeMode="RESPONSE_STREAM")
    st, hs, body = request(url + "stream-plain")
    assert st == 200 and header(hs, "Content-Type") == "text/csv"
    assert body == b"a,b\n1,2\n"
    # a buffered answer under RESPONSE_STREAM is still inferred / structured
    st, _, body = request(url + "cookies")
    assert (st, body) == (200, b"ok")


def test_examples_behind_a_url(serve):
    srv = serve({"api": example_path("http-api").parent, "stream": example_path("stream").parent,
                 "echo": example_path("echo").parent})
    c = srv.boto3()
    api = c.create_function_url_config(FunctionName="api", AuthType="NONE")["FunctionUrl"]
    st, hs, body = request(api + "hello?name=URL")
    assert (st, body) == (200, b"hello URL")
    assert header(hs, "Content-Type").startswith("text/plain")
    st, hs, body = request(api + "cookie")
    assert st == 200 and len([k for k, _ in hs if k.lower() == "set-cookie"]) == 2
    st, hs, body = request(api + "headers", headers=[("x-test", "1"), ("Cookie", "session=s1")])
    assert json.loads(body) == {"x-test": "1", "session": "s1"}
    st, hs, body = request(api + "echo", "POST", body=bytes(range(256)),
                           headers=[("Content-Type", "application/octet-stream")])
    assert (st, body) == (200, bytes(range(256)))
    st, _, _ = request(api + "nothing")
    assert st == 404
    s = make_url(srv, "stream", InvokeMode="RESPONSE_STREAM")
    st, hs, body = request(s)
    assert st == 200 and header(hs, "Content-Type") == "text/plain" and body
    # echo returns the event itself: a JSON object without statusCode, so it is the body
    e = c.create_function_url_config(FunctionName="echo", AuthType="NONE")["FunctionUrl"]
    st, hs, body = request(e + "x")
    assert st == 200 and json.loads(body)["rawPath"] == "/x"


def test_aws_iam(serve, tmp_path):
    botocore = pytest.importorskip("botocore")
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    creds = tmp_path / "credentials"
    creds.write_text(f"{KEY} {SECRET} {ACCT}\n")
    creds.chmod(0o600)
    srv = serve({"u": runtime_dir("pyurl")}, args=["--auth", "sigv4", "--credentials",
                                                   str(creds)])
    import boto3
    c = boto3.client("lambda", endpoint_url=srv.endpoint, region_name="us-east-1",
                     aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    url = c.create_function_url_config(FunctionName="u", AuthType="AWS_IAM")["FunctionUrl"]
    st, _, body = request(url + "event")
    assert st == 403 and json.loads(body) == {"Message": "Forbidden"}

    def signed(key, secret):
        req = AWSRequest("GET", url + "event?a=1", headers={"Host": urllib.parse.urlsplit(
            url).netloc})
        SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(req)
        return request(url + "event?a=1", headers=[(k, v) for k, v in req.headers.items()
                                                   if k.lower() != "host"])

    st, _, body = signed(KEY, "wrong-secret")
    assert st == 403
    st, _, body = signed(KEY, SECRET)
    assert st == 200, body
    iam = json.loads(body)["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == KEY and iam["accountId"] == ACCT
    assert botocore  # imported for the signer


def test_url_follows_update_and_delete(srv):
    c = srv.boto3()
    url = make_url(srv, "u")
    assert request(url + "event")[0] == 200
    c.update_function_url_config(FunctionName="u", AuthType="AWS_IAM")
    assert request(url + "event")[0] == 403
    c.delete_function_url_config(FunctionName="u")
    assert request(url + "event")[0] == 403
    assert os.environ.get("CLAMBDA_BUILD_DIR")


def test_sam_template_functions_and_url(serve, tmp_path):
    """--template: the functions of a SAM template are served (Globals applied), and their
    FunctionUrlConfig is stored and answers at once."""
    import re
    import shutil
    import time
    shutil.copytree(runtime_dir("pyurl"), tmp_path / "fn")
    tpl = tmp_path / "template.yaml"
    tpl.write_text("Transform: AWS::Serverless-2016-10-31\n"
                   "Globals:\n  Function:\n    Timeout: 7\n"
                   "Resources:\n"
                   "  Web:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                   "      FunctionName: web\n      CodeUri: fn/\n      Handler: bootstrap\n"
                   "      Runtime: provided.al2023\n      MemorySize: 256\n"
                   "      FunctionUrlConfig:\n        AuthType: NONE\n"
                   "        Cors: {AllowOrigins: ['*']}\n")
    srv = serve({}, args=["--template", str(tpl)])
    cfg = srv.boto3().get_function_configuration(FunctionName="web")
    assert (cfg["Timeout"], cfg["MemorySize"]) == (7, 256)
    url = srv.boto3().get_function_url_config(FunctionName="web")["FunctionUrl"]
    assert url.endswith(f".lambda-url.us-east-1.localhost:{srv.port}/")
    deadline = time.monotonic() + TIMEOUT
    while not re.search(r"function URL of web: " + re.escape(url), srv.stderr()):
        assert time.monotonic() < deadline, srv.stderr()
        time.sleep(0.05)
    st, hs, body = request(url + "event", headers=[("Origin", "https://x.example")])
    assert st == 200 and json.loads(body)["rawPath"] == "/event"
    assert header(hs, "Access-Control-Allow-Origin") == "*"


def test_alias_url_host_and_path_forms(srv):
    c = srv.boto3()
    v = c.publish_version(FunctionName="u")["Version"]
    c.create_alias(FunctionName="u", Name="live", FunctionVersion=v)
    url = c.create_function_url_config(FunctionName="u", Qualifier="live",
                                       AuthType="NONE")["FunctionUrl"]
    st, _, body = request(url + "event")
    assert st == 200 and json.loads(body)["rawPath"] == "/event"
    # path form: "live" is the qualifier (u:live has a URL) ...
    st, _, body = request(f"{srv.endpoint}/lambda-url/u/live/event")
    assert st == 200 and json.loads(body)["rawPath"] == "/event"
    # ... "event" is not (no URL for u:event): without an unqualified URL there is none at all
    assert request(f"{srv.endpoint}/lambda-url/u/event/x")[0] == 403
    make_url(srv, "u")
    st, _, body = request(f"{srv.endpoint}/lambda-url/u/event/x")
    assert st == 200 and json.loads(body)["rawPath"] == "/event/x"


def test_function_url_follows_the_listeners_port(srv):
    """A config made before a restart on another port (a stored one, `clambda watch`) answers
    with the port the client reaches the API through now (regression: it kept the old one)."""
    url = make_url(srv, "u")
    assert f":{srv.port}/" in url
    for path in ("/2021-10-31/functions/u/url", "/2021-10-31/functions/u/urls"):
        st, _, body = http_request(srv.port, path, host="127.0.0.1:12345")
        assert st == 200, body
        doc = json.loads(body)
        got = doc["FunctionUrl"] if "FunctionUrl" in doc else doc["FunctionUrlConfigs"][0][
            "FunctionUrl"]
        assert got == url.replace(f":{srv.port}/", ":12345/")
