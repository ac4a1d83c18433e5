# SPDX-License-Identifier: MIT
"""The control plane as AWS answers it (issue 16): every row of tests/data/conformance.json
(an operation's request, AWS's status, error code and message, and where that answer comes
from) sent with boto3 to a started clambda server, and the response shapes and state
transitions of the table's "shapes": CreateFunction's Pending then Active, updates'
InProgress then Successful, passed through by botocore's function_active_v2 and
function_updated_v2 waiters."""

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


def call(c, op: str, params: dict):
    """(status, error code or None, message or None) of op with params."""
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
