# SPDX-License-Identifier: MIT
"""clambda serve with Node's official runtime interface client, aws-lambda-ric from npm (the
runtime AWS's own Node images use): a handler served through a `bootstrap` that runs the RIC,
invoked synchronously, with a thrown error and with a timeout.

aws-lambda-ric builds a native addon (aws-lambda-cpp and curl from bundled sources) in its
install scripts, so it is installed at test time with scripts allowed, into a cache dir under
the build dir (never committed). It needs node, npm, cmake, make, g++, autoconf, automake,
libtool and unzip (scripts/install-deps.sh). Without them, or without registry access, the
tests skip and say why."""
import json

import pytest

from npm_pkg import npm_package

PACKAGE = "aws-lambda-ric"
VERSION = "4.0.2"
NATIVE_TOOLS = ("cmake", "make", "g++", "autoconf", "automake", "libtoolize", "unzip")

HANDLER = """\
exports.handler = async (event, context) => {
  if (event.action === "fail") {
    throw new TypeError("node failed on purpose");
  }
  if (event.action === "sleep") {
    await new Promise((r) => setTimeout(r, event.ms));
  }
  return { hello: event.name || "node", rid: context.awsRequestId,
           fn: context.functionName, remaining: context.getRemainingTimeInMillis() > 0 };
};
"""


@pytest.fixture(scope="module")
def ric():
    prefix = npm_package(PACKAGE, VERSION, "CLAMBDA_NODE_RIC_CACHE", "node-ric", timeout=1800,
                         native_tools=NATIVE_TOOLS,
                         ready=lambda p: (p / "node_modules" / ".bin" / PACKAGE).exists())
    return prefix / "node_modules" / ".bin" / PACKAGE


@pytest.fixture
def srv(serve, ric, tmp_path):
    code = tmp_path / "node-fn"
    code.mkdir()
    (code / "index.js").write_text(HANDLER)
    boot = code / "bootstrap"
    # The documented way: the RIC binary with the handler as its argument, from the task root.
    boot.write_text(f'#!/bin/sh\nexec "{ric}" "$_HANDLER"\n')
    boot.chmod(0o755)
    return serve({"node": code}, sets=["node.handler=index.handler", "node.timeout=2"])


def test_node_ric_sync(srv):
    c = srv.boto3()
    r = c.invoke(FunctionName="node", Payload=json.dumps({"name": "ric"}).encode())
    assert "FunctionError" not in r
    body = json.loads(r["Payload"].read())
    assert body == {"hello": "ric", "rid": r["ResponseMetadata"]["RequestId"], "fn": "node",
                    "remaining": True}
    r2 = c.invoke(FunctionName="node", Payload=b"{}")  # warm
    assert json.loads(r2["Payload"].read())["hello"] == "node"
    assert len(srv.log_files("node")) == 1


def test_node_ric_error(srv):
    r = srv.boto3().invoke(FunctionName="node", Payload=b'{"action":"fail"}')
    assert r["FunctionError"] == "Unhandled"
    body = json.loads(r["Payload"].read())
    assert body["errorType"] == "TypeError"
    assert body["errorMessage"] == "node failed on purpose"
    # the environment survives a handled error
    r = srv.boto3().invoke(FunctionName="node", Payload=b"{}")
    assert "FunctionError" not in r


def test_node_ric_timeout(srv):
    r = srv.boto3().invoke(FunctionName="node", Payload=b'{"action":"sleep","ms":10000}')
    assert r["FunctionError"] == "Unhandled"
    body = json.loads(r["Payload"].read())
    rid = r["ResponseMetadata"]["RequestId"]
    assert body == {"errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {rid} Error: Task timed out after 2.00 seconds"}
    r = srv.boto3().invoke(FunctionName="node", Payload=b"{}")  # a fresh environment
    assert json.loads(r["Payload"].read())["hello"] == "node"
