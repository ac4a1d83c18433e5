# SPDX-License-Identifier: MIT
"""Code uploads (CreateFunction, UpdateFunctionCode, PublishLayerVersion) are verified, parsed
and extracted on libuv's thread pool, and the operation finishes on the loop: invocations are
answered while a large package is being extracted, concurrent creates of one name give one 201
and 409s, a client that leaves mid-upload costs nothing, and signatures are still checked."""

import base64
import concurrent.futures
import http.client
import io
import json
import select
import socket
import time
import zipfile
import zipfile

import pytest

from conftest import example_path
from test_control_auth import KEY1, SECRET1, SIG_MISMATCH, client, creds_file, send, signed  # noqa: F401
from test_control_functions import ROLE, create, make_zip, zip_with_data

TIMEOUT = 120


def big_zip(unzipped_mb: int) -> bytes:
    """A small zip (zeros compress well) whose extraction writes unzipped_mb MB."""
    return zip_with_data(bytes(unzipped_mb << 20), zipfile.ZIP_DEFLATED)


def create_body(name: str, zip_bytes: bytes) -> bytes:
    return json.dumps({"FunctionName": name, "Runtime": "provided.al2023",
                       "Handler": "bootstrap", "Role": ROLE,
                       "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()}}).encode()


def test_invokes_answered_while_extracting(serve):
    srv = serve({"echo": example_path("echo").parent})
    assert srv.invoke("echo", b'{"warm":1}')[0] == 200
    body = create_body("big", big_zip(120))
    up = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    up.request("POST", "/2015-03-31/functions", body=body,
               headers={"Content-Type": "application/json"})
    time.sleep(0.05)  # the body (about 0.2 MB) is in; extracting 120 MB takes far longer
    answered_first = 0
    for i in range(5):
        assert srv.invoke("echo", json.dumps({"i": i}).encode())[0] == 200
        if not select.select([up.sock], [], [], 0)[0]:
            answered_first += 1
    r = up.getresponse()
    out = r.read()
    assert r.status == 201, out
    assert json.loads(out)["CodeSize"] == len(base64.b64decode(json.loads(body)["Code"]["ZipFile"]))
    # with the extraction on the loop, the create's answer came before any invoke's
    assert answered_first > 0, "no invoke was answered while the upload was being extracted"
    assert srv.invoke("big")[0] == 200


def test_concurrent_creates_of_one_name(serve):
    srv = serve({})
    zips = [make_zip("hello"), make_zip("echo")]
    clients = [srv.boto3() for _ in range(6)]  # botocore sessions are not thread-safe

    def one(i):
        c = clients[i]
        try:
            create(c, "race", zips[i % 2])
            return 201
        except c.exceptions.ResourceConflictException as e:
            assert e.response["Error"]["Message"] == "Function already exist: race"
            return 409

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = sorted(pool.map(one, range(6)))
    assert codes == [201] + [409] * 5
    assert [f["FunctionName"] for f in srv.boto3().list_functions()["Functions"]] == ["race"]
    assert srv.invoke("race")[0] == 200


def test_client_gone_mid_upload(serve):
    srv = serve({"echo": example_path("echo").parent})
    body = create_body("left", big_zip(60))
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
    s.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\n"
              + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    s.close()  # gone before the answer: the job finishes on its own and answers nobody
    time.sleep(0.5)
    st, _, out = srv.invoke("echo", b'{"after":1}')
    assert (st, out) == (200, b'{"after":1}')
    c = srv.boto3()
    names = {f["FunctionName"] for f in c.list_functions()["Functions"]}
    assert names <= {"echo", "left"}
    # the server is consistent either way: a create of the name now gives 201 or 409
    try:
        create(c, "left", make_zip())
    except c.exceptions.ResourceConflictException:
        assert "left" in names


def test_uploads_keep_their_order_rules(serve):
    """Validation still comes before the package's own errors, as on AWS."""
    srv = serve({})
    c = srv.boto3()
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.create_function(FunctionName="bad name", Runtime="provided.al2023",
                          Handler="bootstrap", Role=ROLE, Code={"ZipFile": b"not a zip"})
    assert ei.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        create(c, "ok", b"not a zip")
    st, hd, out = send(srv, "POST", "/2015-03-31/functions", b"{not json", {})
    assert st == 400 and hd["x-amzn-errortype"] == "InvalidRequestContentException"
    st, hd, out = send(srv, "PUT", "/2015-03-31/functions/none/code", b"", {})
    assert st == 400 and hd["x-amzn-errortype"] == "InvalidRequestContentException"


def test_upload_signatures_checked(serve, creds_file):  # noqa: F811
    srv = serve({}, args=["--auth", "sigv4", "--credentials", str(creds_file)])
    body = create_body("signed", make_zip())
    h = signed(srv, "POST", "/2015-03-31/functions", body)
    tampered = body.replace(b'"signed"', b'"signeX"')
    st, hd, out = send(srv, "POST", "/2015-03-31/functions", tampered, h)
    assert st == 403 and hd["x-amzn-errortype"] == "InvalidSignatureException"
    assert json.loads(out) == {"message": SIG_MISMATCH}
    st, _, out = send(srv, "POST", "/2015-03-31/functions", body, h)
    assert st == 201, out
    c = client(srv, KEY1, "wrong")
    with pytest.raises(c.exceptions.ClientError) as ei:
        c.update_function_code(FunctionName="signed", ZipFile=make_zip("echo"))
    assert ei.value.response["Error"]["Code"] == "InvalidSignatureException"
    ok = client(srv, KEY1, SECRET1)
    r = ok.update_function_code(FunctionName="signed", ZipFile=make_zip("echo"))
    assert r["FunctionArn"].split(":")[4] == "111111111111"
    assert [f["FunctionName"] for f in ok.list_functions()["Functions"]] == ["signed"]


def test_concurrent_extractions_keep_the_umask(serve):
    """Regression: libarchive's disk writer flips the process umask to 0 and back around each
    entry; two extractions on two pool threads could leave the server at umask 0 for good (and
    directories that zips create implicitly world-writable). Extractions now take turns."""
    srv = serve({})
    clients = [srv.boto3() for _ in range(6)]

    def zip_with_dirs(i):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o755 << 16
            z.writestr(info, example_path("hello").read_bytes())
            for j in range(1500):  # entries in directories the zip does not list
                z.writestr(f"lib{i}/d{j}/f.txt", f"{i}-{j}")
        return buf.getvalue()

    zips = [zip_with_dirs(i) for i in range(6)]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: create(clients[i], f"u{i}", zips[i]), range(6)))
    status = open(f"/proc/{srv.proc.pid}/status").read()
    assert "Umask:\t0022" in status, status
    for d in (srv.state_dir / "code").rglob("*"):
        if d.is_dir():
            assert d.stat().st_mode & 0o002 == 0, d
