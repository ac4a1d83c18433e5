# SPDX-License-Identifier: MIT
"""The examples, unchanged (their deployment zips), against an independent Runtime API
implementation: @vercel/fun, a local Lambda environment on npm. Its `provided` runtime unzips
the package, starts ./bootstrap with AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port> (the AWS form),
serves next/response/error/init-error with Node's own HTTP/1.1 server (chunked bodies and
trailers included) and freezes the process with SIGSTOP between invocations, as AWS does.

@vercel/fun is installed at test time with npm into a cache dir under the build dir (never
committed); without npm, node >= 18 or the registry, these tests skip and say why."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import signal
import subprocess

import pytest

from conftest import example_path
from npm_pkg import npm_package

PACKAGE = "@vercel/fun"
VERSION = "1.3.6"  # pinned: the tests know this version's behaviour

# Invokes a function from a deployment zip once per payload; one JSON line per result.
DRIVER = r"""
const path = require('path');
const fs = require('fs');
const fun = require(path.join(process.argv[2], 'node_modules', '@vercel/fun'));
(async () => {
  const job = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const fn = await fun.createFunction({
    Code: { ZipFile: fs.readFileSync(job.zip) },
    Handler: 'bootstrap', Runtime: 'provided', FunctionName: job.name,
    MemorySize: 128, Timeout: 30,
  });
  try {
    for (const p of job.payloads) {
      const r = await fn.invoke({ InvocationType: 'RequestResponse',
                                  Payload: Buffer.from(p, 'base64').toString('utf8') });
      const payload = Buffer.isBuffer(r.Payload) ? r.Payload : Buffer.from(String(r.Payload));
      process.stdout.write(JSON.stringify({ status: r.StatusCode,
        functionError: r.FunctionError || null, payload: payload.toString('base64') }) + '\n');
    }
  } finally {
    await fn.destroy().catch(e => process.stderr.write('destroy: ' + e + '\n'));
  }
})().catch(e => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
"""


@pytest.fixture(scope="module")
def fun_prefix():
    prefix = npm_package(PACKAGE, VERSION, "CLAMBDA_INDEPENDENT_CACHE", "independent-rapi",
                         purpose=", the independent Runtime API implementation", timeout=300)
    (prefix / "driver.js").write_text(DRIVER)
    return prefix


def invoke(fun_prefix: pathlib.Path, tmp_path, example: str, payloads: list,
           timeout: float = 120) -> list:
    """Runs the example's zip under @vercel/fun; returns one result dict per payload."""
    zpath = example_path(example).parent / f"{example}.zip"
    if not zpath.exists():
        pytest.skip(f"{zpath} is not built")
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"zip": str(zpath), "name": "indep",
                               "payloads": [base64.b64encode(p).decode() for p in payloads]}))
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"), DEBUG="")
    # Its own session: the bootstraps @vercel/fun starts (and may leave SIGSTOPped) are in
    # our process group, which is killed whatever happens.
    proc = subprocess.Popen(["node", str(fun_prefix / "driver.js"), str(fun_prefix), str(job)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"@vercel/fun run timed out\n{err.decode(errors='replace')}")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    log = err.decode(errors="replace")
    assert proc.returncode == 0, f"driver failed ({proc.returncode}):\n{log}"
    results = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    assert len(results) == len(payloads), log
    for r in results:
        r["payload"] = base64.b64decode(r["payload"])
        r["log"] = log
    return results


def test_hello(fun_prefix, tmp_path):
    for r in invoke(fun_prefix, tmp_path, "hello", [b"{}", b'{"x":1}', b"{}"]):
        assert (r["status"], r["functionError"]) == (200, None), r["log"]
        assert json.loads(r["payload"]) == {"message": "Hello from indep!"}


def test_echo(fun_prefix, tmp_path):
    payloads = [b'{"a":1}', '{"s":"caf\u00e9 \u20ac \U0001F600"}'.encode(), b"[]",
                b'"' + b"x" * (1 << 20) + b'"', b'{"nested":{"deep":[1,2,{"k":null}]}}']
    results = invoke(fun_prefix, tmp_path, "echo", payloads)
    for p, r in zip(payloads, results):
        assert r["functionError"] is None, r["log"]
        assert r["payload"] == p


def test_fail(fun_prefix, tmp_path):
    for r in invoke(fun_prefix, tmp_path, "fail", [b"{}", b"{}"]):
        assert r["functionError"] == "Handled", r["log"]
        doc = json.loads(r["payload"])
        assert doc["errorType"] == "ValidationError"
        assert doc["stackTrace"] == ["main.c:validate", "main.c:handler"]
        assert doc["errorMessage"]


def test_http_api_function_url_event(fun_prefix, tmp_path):
    from conftest import FIXTURES_DIR
    fx = FIXTURES_DIR / "function-url.json"
    if not fx.exists():
        pytest.skip(f"{fx} does not exist")
    r = invoke(fun_prefix, tmp_path, "http-api", [fx.read_bytes()])[0]
    assert r["functionError"] is None, r["log"]
    doc = json.loads(r["payload"])
    assert (doc["statusCode"], doc["body"]) == (200, "hello World")
    assert doc["headers"]["Content-Type"] == "text/plain; charset=utf-8"


def test_stream(fun_prefix, tmp_path):
    results = invoke(fun_prefix, tmp_path, "stream", [b'{"chunks":3}', b"{}", b'{"chunks":1}'])
    for n, r in zip((3, 5, 1), results):
        assert r["functionError"] is None, r["log"]
        assert r["payload"] == "".join(f"chunk {i} of {n}\n" for i in range(1, n + 1)).encode()
