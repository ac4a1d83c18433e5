# SPDX-License-Identifier: MIT
"""The AWS SDK for JavaScript v3 (@aws-sdk/client-lambda from npm) against `clambda serve`:
CreateFunction from the echo example's zip, Invoke, ListFunctions and DeleteFunction.
The package is installed at test time with npm into <build>/node-sdk (never committed);
without node >= 18, npm or the registry, the test skips and says why."""

import json
import subprocess

import pytest

from conftest import example_path
from npm_pkg import npm_package

PACKAGE = "@aws-sdk/client-lambda"
VERSION = "3.1162.0"

SCRIPT = r"""
const path = require('path');
const fs = require('fs');
const sdk = require(path.join(process.argv[2], 'node_modules', '@aws-sdk', 'client-lambda'));
const [endpoint, zipPath] = [process.argv[3], process.argv[4]];
const c = new sdk.LambdaClient({endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: {accessKeyId: 'test', secretAccessKey: 'test'}});
(async () => {
  const out = {};
  const created = await c.send(new sdk.CreateFunctionCommand({
    FunctionName: 'fromnode', Runtime: 'provided.al2023', Handler: 'bootstrap',
    Role: 'arn:aws:iam::123456789012:role/lambda-role',
    Code: {ZipFile: fs.readFileSync(zipPath)}, MemorySize: 256}));
  out.created = {arn: created.FunctionArn, state: created.State, size: created.CodeSize,
                 sha: created.CodeSha256, status: created.$metadata.httpStatusCode};
  const inv = await c.send(new sdk.InvokeCommand({FunctionName: 'fromnode',
    Payload: Buffer.from(JSON.stringify({from: 'node'}))}));
  out.invoke = {status: inv.StatusCode, payload: Buffer.from(inv.Payload).toString(),
                version: inv.ExecutedVersion};
  const list = await c.send(new sdk.ListFunctionsCommand({}));
  out.list = list.Functions.map(f => f.FunctionName);
  const del = await c.send(new sdk.DeleteFunctionCommand({FunctionName: 'fromnode'}));
  out.deleted = del.$metadata.httpStatusCode;
  try {
    await c.send(new sdk.GetFunctionCommand({FunctionName: 'fromnode'}));
    out.after = 'found';
  } catch (e) {
    out.after = e.name;
  }
  process.stdout.write(JSON.stringify(out));
})().catch(e => { process.stderr.write(String(e.stack || e)); process.exit(1); });
"""


@pytest.fixture(scope="module")
def sdk_prefix():
    prefix = npm_package(PACKAGE, VERSION, "CLAMBDA_NODE_SDK_CACHE", "node-sdk")
    (prefix / "lambda_sdk.js").write_text(SCRIPT)
    return prefix


def test_node_sdk_create_invoke_list_delete(serve, sdk_prefix):
    zpath = example_path("echo").parent / "echo.zip"
    if not zpath.exists():
        pytest.skip(f"{zpath} is not built")
    srv = serve({})
    r = subprocess.run(["node", str(sdk_prefix / "lambda_sdk.js"), str(sdk_prefix),
                        srv.endpoint, str(zpath)], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["created"]["status"] == 201 and out["created"]["state"] == "Pending"  # AWS's create answer
    assert out["created"]["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:fromnode"
    assert out["created"]["size"] == zpath.stat().st_size
    assert out["invoke"] == {"status": 200, "payload": '{"from":"node"}', "version": "$LATEST"}
    assert out["list"] == ["fromnode"]
    assert out["deleted"] == 204
    assert out["after"] == "ResourceNotFoundException"
