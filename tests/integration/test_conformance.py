# SPDX-License-Identifier: MIT
"""The control plane as AWS answers it (issue 16): every row of tests/data/conformance.json
(an operation's request, AWS's status, error code and message, and where that answer comes
from) sent with boto3 to a started clambda server, and the response shapes and state
transitions of the table's "shapes": CreateFunction's Pending then Active, updates'
InProgress then Successful, passed through by botocore's function_active_v2 and
function_updated_v2 waiters."""

import base64
import io
import json
import pathlib
import re
import time
import zipfile

import pytest

from conftest import Server, example_path

HERE = pathlib.Path(__file__).resolve().parent
TABLE = json.loads((HERE.parent / "data" / "conformance.json").read_text())
REGION = "us-east-1"
ACCOUNT = "000000000000"
FN = "conf-fn"
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
LAYER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:conf-layer"
TEXT = {
    "{region}": REGION,
    "{account}": ACCOUNT,
    "{arn}": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function",
    "{fn}": FN,
    "{layer}": LAYER,
    "{role}": ROLE,
}
REPEAT = re.compile(r"\{(\w)\*(\d+)\}")


def make_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, example_path("hello").read_bytes())
    return buf.getvalue()


def fill(v, zip_bytes: bytes):
    """The table's placeholders replaced in v (strings, lists and maps, keys too)."""
    if isinstance(v, str):
        if v == "{zip}":
            return zip_bytes
        if v == "{badzip}":
            return b"this is not a zip file"
        for k, t in TEXT.items():
            v = v.replace(k, t)
        return REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), v)
    if isinstance(v, list):
        return [fill(x, zip_bytes) for x in v]
    if isinstance(v, dict):
        return {fill(k, zip_bytes): fill(x, zip_bytes) for k, x in v.items()}
    return v


def client(srv):
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config
    # parameter_validation off: rules botocore checks itself (min, required) reach the server
    return boto3.client("lambda", endpoint_url=srv.endpoint, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1, "mode": "standard"},
                                      read_timeout=60, parameter_validation=False))


def raw_call(c, op: str, params: dict):
    """call() for a request the installed botocore cannot serialise (a member newer than its
    model, e.g. InvokeMode in botocore 1.26): the same request built by hand from the model's
    path and the members (path labels, the rest as the JSON body)."""
    import http.client
    import urllib.parse
    http_ = c.meta.service_model.operation_model(op).http
    path, body = http_["requestUri"], {}
    for k, v in params.items():
        if "{" + k + "}" in path:
            path = path.replace("{" + k + "}", urllib.parse.quote(str(v), safe=""))
        else:
            body[k] = v
    url = urllib.parse.urlparse(c.meta.endpoint_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request(http_["method"], path, body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        out = json.loads(resp.read() or b"{}")
    finally:
        conn.close()
    if resp.status < 300:
        return resp.status, None, None
    return resp.status, resp.getheader("x-amzn-ErrorType"), out.get("message", out.get("Message"))


def call(c, op: str, params: dict):
    """(status, error code or None, message or None) of op with params."""
    members = c.meta.service_model.operation_model(op).input_shape.members
    if any(k not in members for k in params):
        return raw_call(c, op, params)
    from botocore import xform_name
    from botocore.exceptions import ClientError
    try:
        r = getattr(c, xform_name(op))(**params)
    except ClientError as e:
        err = e.response.get("Error", {})
        return e.response["ResponseMetadata"]["HTTPStatusCode"], err.get("Code"), err.get(
            "Message")
    if "Payload" in r:
        r["Payload"].read()
    return r["ResponseMetadata"]["HTTPStatusCode"], None, None


@pytest.fixture(scope="module")
def conf(tmp_path_factory):
    """A server with conf-fn (version 1, alias live -> 1) and conf-layer (versions 1-3)."""
    srv = Server(tmp_path_factory.mktemp("conf") / "state", {}, args=["--max-concurrency", "50"])
    try:
        c = client(srv)
        z = make_zip()
        c.create_function(FunctionName=FN, Runtime="provided.al2023", Handler="bootstrap",
                          Role=ROLE, Code={"ZipFile": z})
        c.get_waiter("function_active_v2").wait(FunctionName=FN,
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        assert c.publish_version(FunctionName=FN)["Version"] == "1"
        c.create_alias(FunctionName=FN, Name="live", FunctionVersion="1")
        for _ in range(3):
            c.publish_layer_version(LayerName="conf-layer", Content={"ZipFile": z})
        yield srv, c, z
    finally:
        rc = srv.stop()
        print(f"=== clambda serve (exit {rc})\n{srv.stderr()}")
    assert rc == 0, srv.stderr()


@pytest.mark.parametrize("row", TABLE["rows"], ids=[r["id"] for r in TABLE["rows"]])
def test_row(conf, row):
    srv, c, z = conf
    for op, params in row.get("before", []):
        st, code, msg = call(c, op, fill(params, z))
        assert st < 300, (op, st, code, msg)
    try:
        st, code, msg = call(c, row["op"], fill(row["params"], z))
    finally:
        for op, params in row.get("after", []):
            call(c, op, fill(params, z))
    want = (row["status"], row.get("code"))
    assert (st, code) == want, f"{row['id']}: got {st} {code}: {msg}\nsource: {row['source']}"
    if "message" in row:
        assert msg == fill(row["message"], z), row["source"]
    if "message_regex" in row:
        assert re.fullmatch(fill(row["message_regex"], z), msg or ""), (msg, row["source"])


def test_table_rows_are_unique_and_sourced():
    ids = [r["id"] for r in TABLE["rows"]]
    assert len(ids) == len(set(ids))
    for r in TABLE["rows"]:
        assert r["source"], r["id"]
        assert ("code" in r) == (r["status"] >= 400), r["id"]


# ---- shapes and states (TABLE["shapes"]) ------------------------------------------------------

PENDING_409 = ("The operation cannot be performed at this time. The function is currently in "
               "the following state: Pending")


def states_seen(c, op: str, member: str) -> list:
    """Records member of every op answer the client gets (what a waiter saw)."""
    seen = []

    def _record(http_response, parsed, **_):
        seen.append(parsed.get("Configuration", parsed).get(member))

    c.meta.events.register(f"after-call.lambda.{op}", _record)
    return seen


def raw_json(srv, method: str, path: str, body=None):
    """(status, decoded JSON answer) of one plain HTTP request to srv."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def create_conf(c, z, name):
    return c.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                             Role=ROLE, Code={"ZipFile": z})


def test_shapes_without_delay(tmp_path, monkeypatch):
    """By default the transition lasts only for the operation's own answer: CreateFunction says
    Pending, the next read says Active and an Invoke right after the create runs (clambda has
    nothing to wait for; docs/api.md)."""
    monkeypatch.delenv("CLAMBDA_TEST_STATE_DELAY_MS", raising=False)
    srv = Server(tmp_path / "state", {})
    try:
        c = client(srv)
        z = make_zip()
        # raw HTTP: the installed botocore's model may predate RuntimeVersionConfig (it then
        # drops the member), and the answer's members are what is checked here
        st, r = raw_json(srv, "POST", "/2015-03-31/functions", {
            "FunctionName": "shaped", "Runtime": "provided.al2023", "Handler": "bootstrap",
            "Role": ROLE, "Code": {"ZipFile": base64.b64encode(z).decode()}})
        assert st == 201, r
        assert (r["State"], r["StateReason"], r["StateReasonCode"]) == (
            "Pending", "The function is being created.", "Creating")
        assert "LastUpdateStatus" not in r
        assert re.fullmatch(r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}",
                            r["RuntimeVersionConfig"]["RuntimeVersionArn"])
        st, g = raw_json(srv, "GET", "/2015-03-31/functions/shaped/configuration")
        assert (g["State"], g["LastUpdateStatus"]) == ("Active", "Successful")
        assert "StateReason" not in g and "StateReasonCode" not in g
        assert g["RuntimeVersionConfig"] == r["RuntimeVersionConfig"]
        assert c.invoke(FunctionName="shaped", Payload=b"{}")["StatusCode"] == 200
        u = c.update_function_configuration(FunctionName="shaped", Description="d")
        assert (u["State"], u["LastUpdateStatus"], u["LastUpdateStatusReason"],
                u["LastUpdateStatusReasonCode"]) == (
            "Active", "InProgress", "The function is being created.", "Creating")
        g = c.get_function_configuration(FunctionName="shaped")
        assert g["LastUpdateStatus"] == "Successful" and "LastUpdateStatusReason" not in g
        v = c.publish_version(FunctionName="shaped")
        assert (v["State"], v["LastUpdateStatus"]) == ("Active", "Successful")
        st, v = raw_json(srv, "GET", "/2015-03-31/functions/shaped/configuration?Qualifier=1")
        assert v["RuntimeVersionConfig"] == r["RuntimeVersionConfig"]
        # URL configs: no Cors when none was given; Create answers no InvokeMode
        st, cu = raw_json(srv, "POST", "/2021-10-31/functions/shaped/url", {"AuthType": "NONE"})
        assert st == 201 and "InvokeMode" not in cu and "Cors" not in cu, cu
        st, gu = raw_json(srv, "GET", "/2021-10-31/functions/shaped/url")
        assert gu["InvokeMode"] == "BUFFERED" and "Cors" not in gu, gu
        st, uu = raw_json(srv, "PUT", "/2021-10-31/functions/shaped/url", {"AuthType": "AWS_IAM"})
        assert st == 200 and "InvokeMode" not in uu and uu["AuthType"] == "AWS_IAM", uu
    finally:
        assert srv.stop() == 0, srv.stderr()


def test_waiters_pass_through_pending_and_in_progress(tmp_path, monkeypatch):
    """With the test hook CLAMBDA_TEST_STATE_DELAY_MS the transitions last: botocore's
    function_active_v2 waiter sees Pending then Active, function_updated_v2 sees InProgress
    then Successful (terraform and the SDKs poll so); meanwhile Invoke and a second update
    answer AWS's 409s."""
    monkeypatch.setenv("CLAMBDA_TEST_STATE_DELAY_MS", "1500")
    srv = Server(tmp_path / "state", {})
    try:
        c = client(srv)
        z = make_zip()
        states = states_seen(c, "GetFunction", "State")
        assert create_conf(c, z, "slow")["State"] == "Pending"
        st, code, msg = call(c, "Invoke", {"FunctionName": "slow", "Payload": b"{}"})
        assert (st, code, msg) == (409, "ResourceConflictException", PENDING_409)
        st, code, msg = call(c, "UpdateFunctionConfiguration",
                             {"FunctionName": "slow", "Description": "x"})
        assert (st, code, msg) == (409, "ResourceConflictException", PENDING_409)
        c.get_waiter("function_active_v2").wait(FunctionName="slow",
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        assert states[0] == "Pending" and states[-1] == "Active", states
        g = c.get_function(FunctionName="slow")["Configuration"]
        assert "StateReason" not in g and g["LastUpdateStatus"] == "Successful"
        assert c.invoke(FunctionName="slow", Payload=b"{}")["StatusCode"] == 200

        updates = states_seen(c, "GetFunction", "LastUpdateStatus")
        u = c.update_function_configuration(FunctionName="slow", MemorySize=256)
        assert u["LastUpdateStatus"] == "InProgress"
        st, code, msg = call(c, "UpdateFunctionCode", {"FunctionName": "slow", "ZipFile": z})
        assert (st, code) == (409, "ResourceConflictException")
        assert msg == ("The operation cannot be performed at this time. An update is in "
                       f"progress for resource: arn:aws:lambda:{REGION}:{ACCOUNT}:function:slow")
        # invocations go on during an update (on the configuration in place)
        assert c.invoke(FunctionName="slow", Payload=b"{}")["StatusCode"] == 200
        c.get_waiter("function_updated_v2").wait(FunctionName="slow",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        assert updates[0] == "InProgress" and updates[-1] == "Successful", updates
        updates.clear()
        assert c.update_function_code(FunctionName="slow", ZipFile=z)["LastUpdateStatus"] == \
            "InProgress"
        c.get_waiter("function_updated_v2").wait(FunctionName="slow",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        assert updates[0] == "InProgress" and updates[-1] == "Successful", updates
    finally:
        assert srv.stop() == 0, srv.stderr()
