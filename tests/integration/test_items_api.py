# SPDX-License-Identifier: MIT
"""examples/items-api end to end: its template.yaml served by `clambda serve --template` (the
function found in .aws-sam/build/ItemsFunction, where sam build puts it), the C function
calling dynalite (a DynamoDB implementation from npm, installed at test time into a cache dir
under the build dir, never committed) through a fault-injecting proxy, driven over HTTP.

The proxy forwards to dynalite, counts the requests and connections, checks the SigV4
credential scope's region, and on demand answers in DynamoDB's error shapes (throttling,
500, an expired session token) or drops the connection halfway through an answer: the
function must retry what the SDKs retry (throttling, 5xx, transport errors; at most 3
attempts), answer a clear 5xx for the rest, never crash, and keep at most one connection.
Under the asan preset the function is the sanitized build (examples/CMakeLists.txt), so the
same run checks it for leaks and memory errors (its stderr is in the function's log)."""
import http.client
import http.server
import json
import re
import shutil
import socket
import socketserver
import subprocess
import threading
import time

import pytest

from conftest import SOURCE_DIR, TIMEOUT, example_path, serve_isolation, wait_until
from npm_pkg import npm_package

DYNALITE = "4.0.0"
FN = "ItemsFunction"


# ---- dynalite ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dynalite():
    prefix = npm_package("dynalite", DYNALITE, "CLAMBDA_DYNALITE_CACHE", "dynalite",
                         purpose=" (a DynamoDB implementation for the items-api test)")
    script = ("const d = require(process.argv[1])({createTableMs: 0, deleteTableMs: 0});"
              "d.listen(0, '127.0.0.1', () => console.log(d.address().port));")
    proc = subprocess.Popen(["node", "-e", script, str(prefix / "node_modules" / "dynalite")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.strip().isdigit():
        proc.kill()
        proc.wait()
        pytest.fail(f"dynalite did not start: {line!r}")
    port = int(line)
    create_table(port, "ItemsTable")
    yield port
    proc.terminate()
    proc.wait(10)


def create_table(port: int, name: str):
    body = json.dumps({"TableName": name,
                       "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                       "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                       "BillingMode": "PAY_PER_REQUEST"})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    c.request("POST", "/", body, {
        "X-Amz-Target": "DynamoDB_20120810.CreateTable",
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20200101T000000Z",
        "Authorization": "AWS4-HMAC-SHA256 Credential=k/20200101/us-east-1/dynamodb/"
                         "aws4_request, SignedHeaders=host;x-amz-date, Signature=00"})
    r = c.getresponse()
    assert r.status == 200, r.read()
    r.read()
    c.close()


# ---- the fault-injecting proxy -----------------------------------------------------------------

ERRORS = {
    "throttle": (400, "com.amazonaws.dynamodb.v20120810#ThrottlingException", "Rate exceeded"),
    "pte": (400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded."),
    "500": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError",
            "Internal server error"),
    "expired": (400, "com.amazon.coral.service#ExpiredTokenException",
                "The security token included in the request is expired"),
}


class Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: int):
        self.upstream = upstream
        self.lock = threading.Lock()
        self.faults = []          # one action per request, in order; empty: forward
        self.requests = []        # (target, region of the credential scope)
        self.open_conns = 0
        self.max_open = 0
        self.conns = 0
        self.region = None        # when set, requests scoped to another region get 403
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.port = self.server_address[1]

    def reset(self, faults=(), region=None):
        with self.lock:
            self.faults = list(faults)
            self.requests = []
            self.region = region
            self.max_open = self.open_conns

    def targets(self):
        with self.lock:
            return [t for t, _ in self.requests]


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # head and body are written apart: without this, Nagle and the client's delayed ACK
        # add 40 ms to every answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.lock:
            self.server.open_conns += 1
            self.server.conns += 1
            self.server.max_open = max(self.server.max_open, self.server.open_conns)

    def finish(self):
        try:
            super().finish()
        finally:
            with self.server.lock:
                self.server.open_conns -= 1

    def log_message(self, *args):
        pass

    def error(self, status, type_, message):
        body = json.dumps({"__type": type_, "message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("x-amzn-RequestId", "PROXY")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/dynamodb/aws4_request", auth)
        region = m.group(1) if m else None
        srv = self.server
        with srv.lock:
            srv.requests.append((self.headers.get("X-Amz-Target", ""), region))
            action = srv.faults.pop(0) if srv.faults else None
            want = srv.region
        if want is not None and region != want:
            return self.error(403, "com.amazon.coral.service#InvalidSignatureException",
                              f"Credential should be scoped to a valid region, not '{region}'.")
        if action in ERRORS:
            return self.error(*ERRORS[action])
        if action == "hang":  # no answer within the function's 2 s read timeout
            time.sleep(2.5)
            self.close_connection = True
            return
        up = http.client.HTTPConnection("127.0.0.1", srv.upstream, timeout=TIMEOUT)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection")}
        up.request("POST", "/", body, headers)
        r = up.getresponse()
        data = r.read()
        up.close()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "content-length", "transfer-encoding", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if action == "drop":  # half the answer, then the connection is gone
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)


@pytest.fixture(scope="module")
def proxy(dynalite):
    p = Proxy(dynalite)
    t = threading.Thread(target=p.serve_forever, daemon=True)
    t.start()
    yield p
    p.shutdown()
    p.server_close()


# ---- the API ----------------------------------------------------------------------------------

@pytest.fixture
def api(serve, proxy, tmp_path):
    """examples/items-api/template.yaml as it is, in a directory where its Makefile-built
    function was "built" (the CMake build's bootstrap copied to .aws-sam/build/ItemsFunction)."""
    boot = example_path("items-api")
    app = tmp_path / "app"
    built = app / ".aws-sam" / "build" / FN
    built.mkdir(parents=True)
    src = SOURCE_DIR / "examples" / "items-api"
    for f in ("template.yaml", "Makefile", "main.c"):
        shutil.copy(src / f, app / f)
    shutil.copy(boot, built / "bootstrap")
    args = ["--template", str(app / "template.yaml"), "--http-listen", "127.0.0.1:0"]
    host = "127.0.0.1"
    if serve_isolation() == "full":  # the function reaches the host's proxy through NAT
        args += ["--allow-host-port", str(proxy.port)]
        host = "169.254.0.1"
    s = serve({}, sets=[f"{FN}.env.AWS_ENDPOINT_URL_DYNAMODB=http://{host}:{proxy.port}"],
              args=args)
    s.api_lines()
    proxy.reset()
    yield s
    # the function's sanitizer reports (asan preset) land in its log: a memory error aborts it
    # mid-invocation. (A leak report at its exit is not: a deliberate leak in init did not show
    # in the log when the server stopped the function.)
    s.stop()
    log = s.log_text(FN)
    for needle in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        assert needle not in log, log


def call(srv, method, path, body=None):
    """(status, headers with lower-case names, decoded JSON body or None)."""
    c = http.client.HTTPConnection("127.0.0.1", srv.api_port, timeout=TIMEOUT)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, \
            (json.loads(data) if data else None)
    finally:
        c.close()


def test_routes_are_the_templates(api):
    lines = "\n".join(api.api_lines())
    for route in ("/items/{id} [GET]", "/items/{id} [PUT]", "/items/{id} [DELETE]",
                  "/items [GET]"):
        assert f"mounting {FN} at http://127.0.0.1:{api.api_port}{route} (ItemsApi" in lines


def test_put_get_list_delete(api, proxy):
    item = {"name": "apple", "price": 1.25, "count": 3, "big": 12345678901234567890,
            "tags": ["red", "fruit"], "meta": {"organic": True, "origin": None},
            "text": "caf\u00e9 \"quoted\" \\ \n \U0001f34e"}
    st, h, got = call(api, "PUT", "/items/apple-1", item)
    assert st == 201, got
    assert h["content-type"] == "application/json"
    assert got == {"id": "apple-1", **item}
    st, _, got = call(api, "GET", "/items/apple-1")
    assert st == 200 and got == {"id": "apple-1", **item}
    # numbers keep their text exactly (DynamoDB's N), not rounded through a double
    c = http.client.HTTPConnection("127.0.0.1", api.api_port, timeout=TIMEOUT)
    c.request("GET", "/items/apple-1")
    assert b'"big":12345678901234567890' in c.getresponse().read()
    c.close()
    # more items, then the list, one page at a time
    for i in range(3):
        assert call(api, "PUT", f"/items/pear-{i}", {"n": i})[0] == 201
    st, _, page = call(api, "GET", "/items")
    assert st == 200
    assert sorted(x["id"] for x in page["items"]) == ["apple-1", "pear-0", "pear-1", "pear-2"]
    assert "next" not in page
    seen, nxt = [], None
    while True:
        st, _, page = call(api, "GET", "/items?limit=3" + (f"&next={nxt}" if nxt else ""))
        assert st == 200 and len(page["items"]) <= 3
        seen += [x["id"] for x in page["items"]]
        nxt = page.get("next")
        if nxt is None:
            break
    assert sorted(seen) == ["apple-1", "pear-0", "pear-1", "pear-2"]
    # delete: 204, then the item is gone and a second delete is a 404
    st, _, got = call(api, "DELETE", "/items/apple-1")
    assert st == 204 and got is None
    assert call(api, "GET", "/items/apple-1")[:3:2] == (404, {"message": "no such item"})
    assert call(api, "DELETE", "/items/apple-1")[0] == 404
    for i in range(3):
        assert call(api, "DELETE", f"/items/pear-{i}")[0] == 204
    assert call(api, "GET", "/items")[2] == {"items": []}
    # all on one kept-alive connection to DynamoDB
    assert proxy.max_open <= 1 and proxy.open_conns <= 1


def test_conditional_write(api, proxy):
    assert call(api, "PUT", "/items/c1", {"v": 1})[0] == 201
    st, _, got = call(api, "PUT", "/items/c1", {"v": 2})
    assert st == 409
    assert got["error"] == "ConditionalCheckFailedException" and "overwrite=1" in got["message"]
    assert call(api, "GET", "/items/c1")[2] == {"id": "c1", "v": 1}  # unchanged
    st, _, got = call(api, "PUT", "/items/c1?overwrite=1", {"v": 2, "id": "c1"})
    assert st == 200 and got == {"id": "c1", "v": 2}
    assert call(api, "GET", "/items/c1")[2] == {"id": "c1", "v": 2}
    # the condition is DynamoDB's: one PutItem each, no read first
    assert proxy.targets().count("DynamoDB_20120810.PutItem") == 3
    assert call(api, "DELETE", "/items/c1")[0] == 204


def test_missing_items(api):
    st, _, got = call(api, "GET", "/items/nothing")
    assert (st, got) == (404, {"message": "no such item"})
    assert call(api, "DELETE", "/items/nothing")[0] == 404
    # routes the API does not have are API Gateway's own 404
    assert call(api, "POST", "/items/x", {})[0] == 404


@pytest.mark.parametrize("body,needle", [
    ("{bad", "not valid JSON"),
    ("", "must be a JSON object"),
    ("[1,2]", "must be a JSON object"),
    ('"text"', "must be a JSON object"),
    ('{"a":1} trailing', "not valid JSON"),
    ('{"a":1} {"b":2}', "not valid JSON"),
    ('{"a":1}\x00{"b":2}', "not valid JSON"),
    ('{"id":"other"}', "\"id\" in the body must be the id of the path"),
    ('{"id":5}', "\"id\" in the body must be the id of the path"),
    ('{"a":"\\u0000"}', "\\u0000"),
    ('{"a":' + "[" * 40 + "]" * 40 + "}", "32 levels"),
])
def test_bad_json(api, proxy, body, needle):
    st, _, got = call(api, "PUT", "/items/b1", body)
    assert st == 400, got
    assert needle in got["message"] and got["error"] == "BadRequest"
    assert "DynamoDB_20120810.PutItem" not in proxy.targets()  # refused before any call
    assert call(api, "GET", "/items/b1")[0] == 404


def test_bad_limit_and_a_value_dynamodb_refuses(api):
    for q in ("limit=0", "limit=101", "limit=x", "limit="):
        st, _, got = call(api, "GET", f"/items?{q}")
        assert st == 400 and "limit" in got["message"], (q, got)
    # DynamoDB's own refusal of an item (over its 400 KB) is the client's 400, with its message
    st, _, got = call(api, "PUT", "/items/huge", {"s": "x" * 500_000})
    assert st == 400 and got["error"] == "ValidationException", got
    assert "size" in got["message"]
    assert call(api, "GET", "/items/huge")[0] == 404


@pytest.mark.parametrize("faults,attempts", [
    (["throttle"], 2), (["pte", "pte"], 3), (["500"], 2), (["500", "throttle"], 3),
    (["drop"], 2),
])
def test_retried_faults_succeed(api, proxy, faults, attempts):
    assert call(api, "PUT", "/items/r1?overwrite=1", {"v": 1})[0] == 200
    proxy.reset(faults)
    st, _, got = call(api, "GET", "/items/r1")
    assert st == 200 and got == {"id": "r1", "v": 1}
    assert proxy.targets() == ["DynamoDB_20120810.GetItem"] * attempts
    assert proxy.max_open <= 1


@pytest.mark.parametrize("fault,status,error", [
    ("throttle", 503, "ThrottlingException"),
    ("pte", 503, "ProvisionedThroughputExceededException"),
    ("500", 502, "InternalServerError"),
    ("drop", 502, "DynamoDBUnavailable"),
])
def test_faults_past_the_retries_are_5xx(api, proxy, fault, status, error):
    proxy.reset([fault] * 3)
    st, h, got = call(api, "GET", "/items/r2")
    assert st == status, got
    assert got["error"] == error and "DynamoDB" in got["message"]
    if status == 503:
        assert h.get("retry-after") == "1"
    assert proxy.targets() == ["DynamoDB_20120810.GetItem"] * 3  # the SDKs' 3 attempts
    # the function is alive and its connection is good again
    assert call(api, "GET", "/items/r2")[0] == 404
    assert proxy.max_open <= 1 and proxy.open_conns <= 1
    api.wait_log(FN, r"GetItem: .* \(HTTP \d+, 3 attempts")


def test_no_answer_is_a_504(api, proxy):
    proxy.reset(["hang"] * 3)
    st, _, got = call(api, "GET", "/items/h1")
    assert st == 504 and got["error"] == "Timeout", got
    assert proxy.targets() == ["DynamoDB_20120810.GetItem"] * 3
    assert call(api, "GET", "/items/h1")[0] == 404


def test_expired_token_and_wrong_region_are_not_retried(api, proxy):
    proxy.reset(["expired"])
    st, _, got = call(api, "PUT", "/items/x1", {"v": 1})
    assert st == 502
    assert got["error"] == "ExpiredTokenException" and "expired" in got["message"]
    assert proxy.targets() == ["DynamoDB_20120810.PutItem"]
    # the server's region is us-east-1: a DynamoDB that wants eu-west-1 refuses the signature
    proxy.reset(region="eu-west-1")
    st, _, got = call(api, "GET", "/items/x1")
    assert st == 502
    assert got["error"] == "InvalidSignatureException" and "region" in got["message"]
    assert proxy.targets() == ["DynamoDB_20120810.GetItem"]
    assert proxy.requests[0][1] == "us-east-1"
    proxy.reset()
    assert call(api, "GET", "/items/x1")[0] == 404


def test_missing_table_is_a_500(api, proxy, dynalite):
    # the function's TABLE_NAME is the template's: DynamoDB loses that table
    body = json.dumps({"TableName": "ItemsTable"})
    c = http.client.HTTPConnection("127.0.0.1", dynalite, timeout=TIMEOUT)
    c.request("POST", "/", body, {
        "X-Amz-Target": "DynamoDB_20120810.DeleteTable",
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20200101T000000Z",
        "Authorization": "AWS4-HMAC-SHA256 Credential=k/20200101/us-east-1/dynamodb/"
                         "aws4_request, SignedHeaders=host;x-amz-date, Signature=00"})
    assert c.getresponse().status == 200
    c.close()
    try:
        def gone():
            st, _, got = call(api, "GET", "/items/t1")
            return st == 500 and got["error"] == "ResourceNotFoundException"
        wait_until(gone, what="GetItem on a deleted table to be a 500")
        st, _, got = call(api, "GET", "/items/t1")
        assert "table ItemsTable not found" in got["message"]
    finally:
        time.sleep(0.1)
        create_table(dynalite, "ItemsTable")
