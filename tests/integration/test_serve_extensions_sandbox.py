# SPDX-License-Identifier: MIT
"""clambda serve --isolation full with an external extension (extensions-api.md sections 1-4,
docs/sandbox.md "Companions"): the extension from a layer's extensions/ directory starts in
the function's sandbox before the runtime, registers, sees INVOKE and SHUTDOWN, shares /tmp
with the function (it writes a file the function reads), is in the same cgroup, gets the
extension environment, and its post-invoke work does not delay the caller's answer. A
Telemetry API subscriber listening on sandbox.localdomain inside the environment's network
namespace (--network nat and isolated) receives its events. An extension that cannot start is a
LaunchError; clambda-web-adapter's layer runs an unmodified web app in the sandbox.

Both the function and the extension are Python scripts (the sandbox has the host's /usr). The
extension cannot write a host file from inside the sandbox, so it reports each step as one
"EXTLOG {json}" line on its stdout, which goes to the function's log stream. Root only."""

import base64
import io
import json
import pathlib
import re
import time
import zipfile

import pytest

from conftest import build_dir, full_isolation_skip_reason, wait_until
from ext_scripts import HEAD

HERE = pathlib.Path(__file__).resolve().parent

ROLE = "arn:aws:iam::123456789012:role/lambda-role"

FUNCTION = r'''#!/usr/bin/python3
import json, os, time, urllib.request
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def call(method, path, body=None):
    with OPENER.open(urllib.request.Request(API + path, data=body, method=method)) as r:
        return r.headers, r.read()

while True:
    headers, body = call("GET", "/invocation/next")
    rid = headers["Lambda-Runtime-Aws-Request-Id"]
    path = "/tmp/ext-" + rid  # written by the extension when it gets the INVOKE
    for _ in range(1000):
        if os.path.exists(path):
            break
        time.sleep(0.01)
    seen = open(path).read() if os.path.exists(path) else None
    out = {"rid": rid, "ext_file": seen, "cgroup": open("/proc/self/cgroup").read(),
           "pid": os.getpid(), "uid": os.getuid()}
    call("POST", "/invocation/%s/response" % rid, json.dumps(out).encode())
'''

EXTENSION = HEAD + r'''
def log(**kw):
    print("EXTLOG " + json.dumps(dict(name=NAME, t=time.time(), **kw)), flush=True)

st, h, body = call("POST", EXT_API + "/register", b'{"events": ["INVOKE", "SHUTDOWN"]}',
                   {"Lambda-Extension-Name": NAME})
log(what="register", status=st, env=sorted(os.environ), cwd=os.getcwd(), uid=os.getuid(),
    cgroup=open("/proc/self/cgroup").read())
if st != 200:
    sys.exit(1)
eid = h["lambda-extension-identifier"]
while True:
    st, h, body = call("GET", EXT_API + "/event/next", None, {"Lambda-Extension-Identifier": eid})
    if st != 200:
        log(what="next-failed", status=st)
        sys.exit(1)
    ev = json.loads(body)
    log(what="event", event=ev)
    if ev["eventType"] == "SHUTDOWN":
        log(what="exit")
        sys.exit(0)
    rid = ev["requestId"]
    with open("/tmp/.ext-" + rid, "w") as f:
        f.write("from-ext " + rid)
    os.rename("/tmp/.ext-" + rid, "/tmp/ext-" + rid)
    time.sleep(float(os.environ.get("EXT_SLOW_S", "2")))  # post-invoke work
    log(what="done", rid=rid)
'''


SUBSCRIBER = HEAD + r'''
def log(**kw):
    print("EXTLOG " + json.dumps(dict(name=NAME, **kw)), flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        log(what="telemetry", host=self.headers["Host"], records=json.loads(body))
    def log_message(self, *a):
        pass

srv = http.server.ThreadingHTTPServer(("sandbox.localdomain", 0), Handler)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
st, h, _ = call("POST", "/2020-01-01/extension/register", b'{"events": ["INVOKE"]}',
                {"Lambda-Extension-Name": NAME})
eid = h["lambda-extension-identifier"]
sub = {"schemaVersion": "2022-12-13", "types": ["platform", "function"],
       "buffering": {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25},
       "destination": {"protocol": "HTTP",
                       "URI": "http://sandbox.localdomain:%d/telemetry" % port}}
st, _, body = call("PUT", "/2022-07-01/telemetry", json.dumps(sub).encode(),
                   {"Lambda-Extension-Identifier": eid, "Content-Type": "application/json"})
log(what="subscribed", status=st, body=body.decode(), addr=socket.gethostbyname("sandbox.localdomain"))
while True:
    st, _, body = call("GET", "/2020-01-01/extension/event/next", None,
                       {"Lambda-Extension-Identifier": eid})
    if st != 200:
        sys.exit(1)
'''

PRINTER = r'''#!/usr/bin/python3
import json, os, urllib.request
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while True:
    with OPENER.open(API + "/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
    print("hello from the function " + rid, flush=True)
    req = urllib.request.Request(API + "/invocation/%s/response" % rid, data=b'{"ok":1}',
                                 method="POST")
    OPENER.open(req).read()
'''


@pytest.fixture
def full():
    why = full_isolation_skip_reason()
    if why:
        pytest.skip(why)


def _zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, data)
    return buf.getvalue()


def deploy(srv, name, env, ext=("sidecar", EXTENSION), function=FUNCTION, more=None):
    c = srv.boto3()
    files = {"extensions/" + ext[0]: ext[1]}
    files.update(more or {})
    lv = c.publish_layer_version(LayerName=name + "-ext", Content={"ZipFile": _zip(files)})
    c.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                      Role=ROLE, Code={"ZipFile": _zip({"bootstrap": function})},
                      Layers=[lv["LayerVersionArn"]], Environment={"Variables": env},
                      Timeout=30)
    c.get_waiter("function_active_v2").wait(FunctionName=name)


def ext_log(srv, name):
    return [json.loads(m) for m in re.findall(r"EXTLOG (\{.*\})", srv.log_text(name))]


def test_extension_in_the_sandbox(full, serve):
    srv = serve({}, args=["--isolation", "full"])
    deploy(srv, "fx", {"EXT_SLOW_S": "3"})
    st, h, body = srv.invoke("fx", b"{}")
    assert st == 200, body
    first = json.loads(body)
    rid = h["x-amzn-requestid"]
    # the caller has its answer while the extension still works on the invocation
    assert not [x for x in ext_log(srv, "fx") if x["what"] == "done"], srv.log_text("fx")
    # /tmp is shared: the function read what the extension wrote on INVOKE
    assert first["ext_file"] == "from-ext " + rid, first
    reg = [x for x in ext_log(srv, "fx") if x["what"] == "register"]
    assert len(reg) == 1 and reg[0]["status"] == 200, reg
    # same cgroup (memory limit, CPU share) and identity as the runtime
    assert reg[0]["cgroup"] == first["cgroup"], (reg[0]["cgroup"], first["cgroup"])
    assert re.search(r"/clambda-[0-9a-f]{8}/fx\.\d+/\d+-\d+$", first["cgroup"], re.M), first
    assert reg[0]["uid"] == first["uid"] == 993
    # the extension environment: no runtime-only variables, the Runtime API is there
    env = set(reg[0]["env"])
    assert "AWS_LAMBDA_RUNTIME_API" in env and "EXT_SLOW_S" in env, env
    assert not env & {"_HANDLER", "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV",
                      "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_LOG_GROUP_NAME"}, env
    inv = [x["event"] for x in ext_log(srv, "fx") if x["what"] == "event"]
    assert inv and inv[0]["eventType"] == "INVOKE" and inv[0]["requestId"] == rid
    wait_until(lambda: any(x["what"] == "done" for x in ext_log(srv, "fx")),
               what="the extension's post-invoke work")
    report = srv.wait_log("fx", rf"REPORT RequestId: {rid}\t.*").group(0)
    assert float(re.search(r"\tDuration: ([\d.]+) ms", report).group(1)) >= 2000, report
    text = srv.log_text("fx")
    assert re.search(r"EXTENSION\tName: sidecar\tState: Ready\tEvents: \[INVOKE, SHUTDOWN\]",
                     text), text
    # the same warm environment (and extension) serves the next sequential request
    st, h, body = srv.invoke("fx", b"{}")
    second = json.loads(body)
    assert st == 200 and second["pid"] == first["pid"], second
    assert second["ext_file"] == "from-ext " + h["x-amzn-requestid"]
    assert len([x for x in ext_log(srv, "fx") if x["what"] == "register"]) == 1
    wait_until(lambda: len([x for x in ext_log(srv, "fx") if x["what"] == "done"]) == 2,
               what="the second invocation's post-invoke work")
    # server stop: SHUTDOWN reaches the extension inside the sandbox, which exits
    assert srv.stop() == 0
    shut = [x["event"] for x in ext_log(srv, "fx")
            if x["what"] == "event" and x["event"]["eventType"] == "SHUTDOWN"]
    assert len(shut) == 1 and shut[0]["shutdownReason"] == "spindown", srv.log_text("fx")
    assert "Runtime.ExitError" not in srv.log_text("fx")
    assert any(x["what"] == "exit" for x in ext_log(srv, "fx"))


@pytest.mark.parametrize("network", ["nat", "isolated"])
def test_telemetry_subscriber_at_sandbox_localdomain(full, serve, network):
    srv = serve({}, args=["--isolation", "full", "--network", network])
    deploy(srv, "tel", {}, ext=("subscriber", SUBSCRIBER), function=PRINTER)
    rids = []

    def records():
        return [r for x in ext_log(srv, "tel") if x["what"] == "telemetry"
                for r in x["records"]]

    def has(kind, rid):
        return any(r["type"] == kind and isinstance(r["record"], dict) and
                   r["record"].get("requestId") == rid for r in records())

    # An idle environment is frozen, its subscriber with it: what it missed is delivered
    # while it runs again (the next invocations), as on AWS.
    for _ in range(40):
        st, h, body = srv.invoke("tel", b"{}")
        assert st == 200, body
        rids.append(h["x-amzn-requestid"])
        if has("platform.report", rids[0]):
            break
        time.sleep(0.05)
    assert has("platform.report", rids[0]), srv.log_text("tel")
    sub = [x for x in ext_log(srv, "tel") if x["what"] == "subscribed"][0]
    # sandbox.localdomain resolves inside the sandbox to its own loopback
    assert sub["status"] == 200 and sub["addr"] == "127.0.0.1", sub
    assert has("platform.start", rids[0]) and has("platform.runtimeDone", rids[0])
    types = {r["type"] for r in records()}
    assert {"platform.initStart", "platform.telemetrySubscription", "function"} <= types, types
    assert any(r["type"] == "function" and r["record"] == "hello from the function " + rids[0]
               for r in records()), records()
    hosts = {x["host"] for x in ext_log(srv, "tel") if x["what"] == "telemetry"}
    assert all(h.startswith("sandbox.localdomain:") for h in hosts), hosts


def test_extension_that_cannot_start(full, serve):
    """An extension whose execve fails in the sandbox is logged as LaunchError with the
    failing call, never registers, and the function and the other extension still work."""
    srv = serve({}, args=["--isolation", "full"])
    deploy(srv, "lx", {"EXT_SLOW_S": "0"},
           more={"extensions/broken": "#!/nonexistent/interpreter\n"})
    st, h, body = srv.invoke("lx", b"{}")
    assert st == 200, body
    assert json.loads(body)["ext_file"] == "from-ext " + h["x-amzn-requestid"]
    text = srv.log_text("lx")
    assert ("EXTENSION\tName: broken\tState: LaunchError\tError: "
            "execve(/opt/extensions/broken): No such file or directory") in text, text
    assert re.search(r"EXTENSION\tName: sidecar\tState: Ready", text), text
    assert "Name: broken\tState: Ready" not in text


def test_web_adapter_in_the_sandbox(full, serve):
    """clambda-web-adapter's layer as users install it: the adapter starts in the sandbox as
    an external extension, the function's bootstrap starts an unmodified web app (web_app.py,
    Python's http.server) and the adapter, acting as the runtime, forwards an API Gateway v2
    event to it over the sandbox's loopback."""
    layer = build_dir() / "adapter" / "clambda-web-adapter-layer.zip" if build_dir() else None
    if layer is None or not layer.exists():
        pytest.skip("the adapter's layer zip is not built")
    srv = serve({}, args=["--isolation", "full"])
    c = srv.boto3()
    lv = c.publish_layer_version(LayerName="lwa", Content={"ZipFile": layer.read_bytes()})
    boot = '#!/bin/sh\nexec /usr/bin/python3 /var/task/web_app.py "$AWS_LWA_PORT"\n'
    c.create_function(FunctionName="web", Runtime="provided.al2023", Handler="bootstrap",
                      Role=ROLE, Code={"ZipFile": _zip({
                          "bootstrap": boot, "web_app.py": (HERE / "web_app.py").read_text()})},
                      Layers=[lv["LayerVersionArn"]],
                      Environment={"Variables": {"AWS_LWA_PORT": "8080"}}, Timeout=30)
    c.get_waiter("function_active_v2").wait(FunctionName="web")
    event = json.loads((HERE.parent.parent / "src/cli/events/examples/apigw-v2.json").read_text())
    for _ in range(2):  # cold, then warm
        st, h, body = srv.invoke("web", json.dumps(event).encode())
        assert st == 200 and "x-amz-function-error" not in h, (body, srv.log_text("web"))
        doc = json.loads(body)
        assert doc["statusCode"] == 200, doc
        echo = json.loads(base64.b64decode(doc["body"]) if doc.get("isBase64Encoded")
                          else doc["body"])
        assert echo["method"] == "POST" and echo["target"].startswith("/my/path?"), echo
    assert re.search(r"EXTENSION\tName: lambda-adapter\tState: Ready", srv.log_text("web"))
