# SPDX-License-Identifier: MIT
"""Code downloads: GetFunction's Code.Location and GetLayerVersion's Content.Location are
presigned URLs of the kept zip, as on AWS. Downloaded with urllib (no SigV4, also when the
server requires it), bytes and SHA-256 equal to what was uploaded; a tampered or expired URL
answers 403, an unknown package 404; the aws CLI v2 shows the Location."""

import base64
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from awscli import clis, run
from conftest import TIMEOUT, build_dir, example_path
from test_control_auth import creds_file, client, KEY1, SECRET1  # noqa: F401 (fixture)
from test_control_functions import create, make_zip
from test_control_layers import layer_zip

PREFIX = "/clambda/code/"


def fetch(url: str):
    """GET url without any signing: (status, headers, body)."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def check_location(srv, loc: str, data: bytes):
    """loc is a presigned URL of srv that downloads exactly data."""
    u = urllib.parse.urlsplit(loc)
    assert (u.scheme, u.netloc) == ("http", f"127.0.0.1:{srv.port}"), loc
    assert u.path == PREFIX + hashlib.sha256(data).hexdigest() + ".zip"
    q = urllib.parse.parse_qs(u.query)
    assert set(q) == {"X-Clambda-Expires", "X-Clambda-Signature"}
    assert len(q["X-Clambda-Signature"][0]) == 64
    st, h, body = fetch(loc)
    assert st == 200, body
    assert h["Content-Type"] == "application/zip"
    assert body == data


def test_get_function_location_downloads_the_zip(serve):
    srv = serve({})
    c = srv.boto3()
    z = make_zip("echo")
    r = create(c, "dl", z)
    g = c.get_function(FunctionName="dl")
    assert g["Code"]["RepositoryType"] == "S3"
    loc = g["Code"]["Location"]
    check_location(srv, loc, z)
    assert b64sha(fetch(loc)[2]) == r["CodeSha256"] == g["Configuration"]["CodeSha256"]
    assert len(z) == g["Configuration"]["CodeSize"]
    # A published version keeps its zip after $LATEST changes.
    c.publish_version(FunctionName="dl")
    z2 = make_zip("hello")
    c.update_function_code(FunctionName="dl", ZipFile=z2)
    check_location(srv, c.get_function(FunctionName="dl")["Code"]["Location"], z2)
    check_location(srv, c.get_function(FunctionName="dl", Qualifier="1")["Code"]["Location"], z)
    # Kept as <state-dir>/code/<sha256hex>.zip, beside the extracted tree.
    kept = srv.state_dir / "code" / (hashlib.sha256(z).hexdigest() + ".zip")
    assert kept.read_bytes() == z and kept.with_suffix("").is_dir()


def test_tampered_unknown_and_other_methods(serve):
    srv = serve({})
    c = srv.boto3()
    z = make_zip("echo")
    create(c, "dl", z)
    loc = c.get_function(FunctionName="dl")["Code"]["Location"]
    u = urllib.parse.urlsplit(loc)
    q = urllib.parse.parse_qs(u.query)
    sig, exp = q["X-Clambda-Signature"][0], int(q["X-Clambda-Expires"][0])

    def url(path=u.path, expires=exp, signature=sig):
        return f"{srv.endpoint}{path}?X-Clambda-Expires={expires}&X-Clambda-Signature={signature}"

    for bad in (url(signature=("0" if sig[0] != "0" else "1") + sig[1:]),
                url(expires=exp + 3600),
                url(signature=""),
                f"{srv.endpoint}{u.path}",
                url(path=PREFIX + "0" * 64 + ".zip")):
        st, h, body = fetch(bad)
        assert st == 403, (bad, body)
        assert h["x-amzn-ErrorType"] == "AccessDeniedException"
        assert "signature of this code download URL does not match" in json.loads(body)["message"]
    for path in (PREFIX + "nothing", PREFIX + "../clambda.db", PREFIX):
        st, h, body = fetch(url(path=path))
        assert st == 404, (path, body)
        assert h["x-amzn-ErrorType"] == "ResourceNotFoundException"
    # A well-signed URL whose zip is gone (removed by hand): 404.
    kept = srv.state_dir / "code" / (hashlib.sha256(z).hexdigest() + ".zip")
    kept.unlink()
    st, h, body = fetch(loc)
    assert st == 404 and b"not on this server" in body
    # and GetFunction stops answering a Location for it.
    assert "Code" not in c.get_function(FunctionName="dl")
    # One that cannot be read (a directory in its place): 500, the reason in the server's log.
    kept.mkdir()
    st, h, body = fetch(loc)
    assert st == 500 and h["x-amzn-ErrorType"] == "ServiceException", body
    assert "could not be read" in json.loads(body)["Message"]


def test_directory_function_has_no_location(serve):
    srv = serve({"hello": example_path("hello").parent})
    g = srv.boto3().get_function(FunctionName="hello")
    assert "Code" not in g and g["Configuration"]["FunctionName"] == "hello"


def test_zip_file_function_has_a_location(serve, tmp_path):
    z = make_zip("hello")
    (tmp_path / "f.zip").write_bytes(z)
    srv = serve({"fromzip": tmp_path / "f.zip"})
    loc = srv.boto3().get_function(FunctionName="fromzip")["Code"]["Location"]
    check_location(srv, loc, z)


def test_expired_url(serve, tmp_path, monkeypatch):
    b = build_dir()
    shim = b / "tests" / "integration" / "libtimeshift.so" if b else None
    if shim is None or not shim.exists():
        pytest.skip("libtimeshift.so is not built")
    shift = tmp_path / "shift"
    monkeypatch.setenv("LD_PRELOAD", str(shim))
    monkeypatch.setenv("CLAMBDA_TEST_TIMESHIFT_FILE", str(shift))
    srv = serve({})
    monkeypatch.delenv("LD_PRELOAD")
    c = srv.boto3()
    z = make_zip("echo")
    create(c, "dl", z)
    loc = c.get_function(FunctionName="dl")["Code"]["Location"]
    shift.write_text("560")  # still inside the 10 minutes
    assert fetch(loc)[0] == 200
    shift.write_text("601")
    st, h, body = fetch(loc)
    assert st == 403 and h["x-amzn-ErrorType"] == "AccessDeniedException"
    assert json.loads(body)["message"].startswith("Request has expired")
    # A new GetFunction (at the shifted time) gives a URL that works again.
    check_location(srv, c.get_function(FunctionName="dl")["Code"]["Location"], z)


def test_layer_location_downloads_the_zip(serve):
    srv = serve({})
    c = srv.boto3()
    z = layer_zip({"lib/a.txt": "one"})
    p = c.publish_layer_version(LayerName="libs", Content={"ZipFile": z})
    check_location(srv, p["Content"]["Location"], z)
    g = c.get_layer_version(LayerName="libs", VersionNumber=1)
    check_location(srv, g["Content"]["Location"], z)
    assert b64sha(fetch(g["Content"]["Location"])[2]) == g["Content"]["CodeSha256"]
    arn = "arn:aws:lambda:us-east-1:000000000000:layer:libs:1"
    check_location(srv, c.get_layer_version_by_arn(Arn=arn)["Content"]["Location"], z)
    # Functions still get the layer's files (the stored document keeps the directory).
    create(c, "withlayer", make_zip("echo"), Layers=[arn])
    assert c.get_function(FunctionName="withlayer")["Configuration"]["Layers"][0]["Arn"] == arn


def test_download_needs_no_sigv4(serve, creds_file):  # noqa: F811 (fixture)
    srv = serve({}, args=["--auth", "sigv4", "--credentials", str(creds_file)])
    c = client(srv, KEY1, SECRET1)
    z = make_zip("echo")
    create(c, "dl", z)
    loc = c.get_function(FunctionName="dl")["Code"]["Location"]
    check_location(srv, loc, z)
    # Everything else still needs a signature.
    st, _, _ = fetch(f"{srv.endpoint}/2015-03-31/functions/dl")
    assert st == 403


def test_large_zip_streams(serve):
    """An 8 MB zip goes out in many chunks (flow control, reads on the thread pool) and the
    server answers other requests meanwhile."""
    srv = serve({})
    c = srv.boto3()
    big = layer_zip({"bootstrap": example_path("echo").read_bytes(),
                     "blob": os.urandom(8 << 20)})  # incompressible
    assert len(big) > 8 << 20
    create(c, "big", big)
    loc = c.get_function(FunctionName="big")["Code"]["Location"]
    with urllib.request.urlopen(loc, timeout=TIMEOUT) as r:
        head = r.read(1 << 16)  # the download is open, the rest not read yet
        assert c.get_function(FunctionName="big")["Configuration"]["FunctionName"] == "big"
        body = head + r.read()
    assert body == big


@pytest.mark.skipif("v2" not in clis(), reason="aws CLI v2 is not installed")
def test_aws_cli_v2_get_function_location(serve, tmp_path):
    srv = serve({})
    z = make_zip("echo")
    create(srv.boto3(), "dl", z)
    v2 = clis()["v2"]
    rc, out, err = run(v2, srv.endpoint, ["get-function", "--function-name", "dl"],
                       home=str(tmp_path))
    assert rc == 0, err
    assert out["Code"]["RepositoryType"] == "S3"
    check_location(srv, out["Code"]["Location"], z)
    # aws lambda get-function --query Code.Location: the way AWS's docs fetch a function's code
    rc, loc, err = run(v2, srv.endpoint, ["get-function", "--function-name", "dl",
                                          "--query", "Code.Location"], home=str(tmp_path))
    assert rc == 0, err
    check_location(srv, loc, z)
    if shutil.which("curl"):
        dest = pathlib.Path(tmp_path) / "f.zip"
        subprocess.run(["curl", "-sSf", "-o", str(dest), loc], check=True, timeout=TIMEOUT)
        assert dest.read_bytes() == z


def test_s3_code_function_has_a_location(serve):
    """Code given as S3Bucket/S3Key (the local bucket directory) is kept and downloadable too."""
    srv = serve({})
    z = make_zip("hello")
    path = srv.state_dir / "buckets" / "bkt" / "f.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(z)
    c = srv.boto3()
    create(c, "froms3", None, Code={"S3Bucket": "bkt", "S3Key": "f.zip"})
    check_location(srv, c.get_function(FunctionName="froms3")["Code"]["Location"], z)
