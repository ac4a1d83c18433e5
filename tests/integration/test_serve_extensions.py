# SPDX-License-Identifier: MIT
"""clambda serve, Lambda extensions (extensions-api.md sections 2-3): external extensions from
a layer's extensions/ directory beside the Python fixture runtime (runtimes/pyrt), the answer
at /response while an extension still works, warm reuse after it, crashes, init failures, the
limit of 10, SHUTDOWN on scale-to-zero and on server stop, and the Extensions API's errors.

The extension under test is the Python script EXT below: its behaviour comes from the
function's environment (EXT_MODE, or EXT_MODE_<name> for one of several), and it appends one
JSON line per step to EXT_LOG (a host path). Under full isolation, where a sandboxed extension
cannot reach a host path, deploy() sets EXT_LOG to "-": the extension prints each line as
"EXTLOG {json}" on its stdout, which goes to the function's log stream, and read_log() reads
them from there. The telemetry tests (test_serve_telemetry.py), whose extension subscribes to
its own output, skip under full isolation (test_serve_extensions_sandbox.py covers it)."""

import base64
import http.client
import io
import json
import os
import re
import time
import zipfile

import pytest

from conftest import TIMEOUT, runtime_dir, serve_isolation, wait_until
from ext_scripts import HEAD

ROLE = "arn:aws:iam::123456789012:role/lambda-role"

EXT = HEAD + r'''MODE = os.environ.get("EXT_MODE_" + NAME, os.environ.get("EXT_MODE", "ok"))
LOG = os.environ.get("EXT_LOG")
def log(**kw):
    if LOG == "-":
        print("EXTLOG " + json.dumps(dict(name=NAME, t=time.time(), **kw)), flush=True)
    elif LOG:
        with open(LOG, "a") as f:
            f.write(json.dumps(dict(name=NAME, t=time.time(), **kw)) + "\n")

if MODE == "noregister":
    time.sleep(3600)
if MODE == "exit-early":
    sys.exit(0)
events = {"invoke-only": ["INVOKE"], "shutdown-only": ["SHUTDOWN"]}.get(
    MODE, ["INVOKE", "SHUTDOWN"])
st, h, body = call("POST", EXT_API + "/register", json.dumps({"events": events}).encode(),
                   {"Lambda-Extension-Name": NAME, "Lambda-Extension-Accept-Feature": "accountId"})
log(what="register", status=st, body=json.loads(body), env=sorted(os.environ),
    id=h.get("lambda-extension-identifier"))
print("extension %s registered: %d" % (NAME, st), flush=True)
if st != 200:
    sys.exit(1)
eid = h["lambda-extension-identifier"]
if MODE == "initerror":
    call("POST", EXT_API + "/init/error", b'{"errorMessage":"no key","errorType":"Ext.NoKey"}',
         {"Lambda-Extension-Identifier": eid, "Lambda-Extension-Function-Error-Type": "Ext.NoKey"})
    sys.exit(1)
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
    if MODE == "slow":
        time.sleep(float(os.environ.get("EXT_SLOW_S", "3")))
        log(what="done", rid=ev["requestId"])
    if MODE == "crash":
        os._exit(3)
    if MODE == "hang":
        time.sleep(3600)
'''


# EXT_LOG host paths of functions whose extensions log to stdout (full isolation): path ->
# (server, function name), for read_log.
_STDOUT_LOGS = {}


def _host_log_only(env):
    if serve_isolation() != "none" and "TEL_LOG" in (env or {}):
        pytest.skip("the telemetry extension under test logs to a host path (TEL_LOG), which "
                    "a sandboxed extension cannot reach, and subscribes to its own output; "
                    "test_serve_extensions_sandbox.py covers telemetry under full isolation")


def _zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, data)
    return buf.getvalue()


def deploy(srv, name, ext_names, env=None, timeout=30):
    """Creates function name (pyrt) with one layer holding extensions/<n> for n in ext_names."""
    env = dict(env or {})
    if ext_names:
        _host_log_only(env)
    if serve_isolation() != "none" and "EXT_LOG" in env:
        _STDOUT_LOGS[env["EXT_LOG"]] = (srv, name)
        env["EXT_LOG"] = "-"
    c = srv.boto3()
    layers = []
    if ext_names:
        lv = c.publish_layer_version(LayerName=name + "-ext", Content={"ZipFile": _zip(
            {f"extensions/{n}": EXT for n in ext_names})})
        layers = [lv["LayerVersionArn"]]
    boot = (runtime_dir("pyrt") / "bootstrap").read_bytes()
    c.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                      Role=ROLE, Code={"ZipFile": _zip({"bootstrap": boot})}, Layers=layers,
                      Environment={"Variables": env}, Timeout=timeout)
    c.get_waiter("function_active_v2").wait(FunctionName=name)
    return c


def metrics_text(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    try:
        c.request("GET", "/metrics")
        return c.getresponse().read().decode()
    finally:
        c.close()


def read_log(path):
    if str(path) in _STDOUT_LOGS:
        srv, name = _STDOUT_LOGS[str(path)]
        return [json.loads(m) for m in re.findall(r"^EXTLOG (\{.*\})$", srv.log_text(name),
                                                   re.M)]
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    # the extension may be writing its last line right now: only whole lines count (a
    # half-written one failed a loaded run with a JSON error)
    whole = text[:text.rfind("\n") + 1]
    return [json.loads(x) for x in whole.splitlines() if x.strip()]


def invoke(srv, name, payload):
    st, h, body = srv.invoke(name, json.dumps(payload).encode())
    return st, h, json.loads(body)


def test_answer_before_slow_extension_and_warm_reuse(serve, tmp_path):
    log = tmp_path / "ext.log"
    srv = serve({})
    deploy(srv, "slow", ["slowext"], {"EXT_MODE": "slow", "EXT_LOG": str(log),
                                      "EXT_SLOW_S": "3"})
    st, h, first = invoke(srv, "slow", {"action": "count"})
    answered = time.time()
    assert st == 200 and first["count"] == 1, first
    rid = h["x-amzn-requestid"]
    # the caller had its answer while the extension still worked on the invocation
    done = [x for x in read_log(log) if x["what"] == "done" and x["rid"] == rid]
    assert done == []
    wait_until(lambda: any(x["what"] == "done" and x["rid"] == rid for x in read_log(log)),
               what="the extension to finish")
    done_t = [x["t"] for x in read_log(log) if x["what"] == "done" and x["rid"] == rid][0]
    assert done_t > answered
    # the next sequential request finds the same warm environment
    st, _, second = invoke(srv, "slow", {"action": "count"})
    assert st == 200 and second["count"] == 2 and second["stream"] == first["stream"], second
    # the 3 s of post-runtime work are PostRuntimeExtensionsDuration (and in Duration)
    m = re.search(r'^clambda_post_runtime_extensions_duration_milliseconds_total'
                  r'\{function="slow"\} ([\d.e+]+)$', metrics_text(srv), re.M)
    assert m and float(m.group(1)) >= 2000, metrics_text(srv)
    report = srv.wait_log("slow", rf"REPORT RequestId: {rid}\t.*").group(0)
    dur = float(re.search(r"\tDuration: ([\d.]+) ms", report).group(1))
    assert dur >= 2000, report
    assert "Init Duration" in report
    text = srv.log_text("slow")
    assert re.search(r"EXTENSION\tName: slowext\tState: Ready\tEvents: \[INVOKE, SHUTDOWN\]",
                     text), text
    # INVOKE event shape: the runtime's deadline, no payload
    inv = [x["event"] for x in read_log(log) if x["what"] == "event"][0]
    assert set(inv) == {"eventType", "deadlineMs", "requestId", "invokedFunctionArn", "tracing"}
    assert inv["eventType"] == "INVOKE" and inv["requestId"] == rid
    assert inv["tracing"]["type"] == "X-Amzn-Trace-Id"
    assert inv["invokedFunctionArn"].endswith(":function:slow")
    reg = [x for x in read_log(log) if x["what"] == "register"][0]
    assert reg["status"] == 200 and re.fullmatch(r"[0-9a-f-]{36}", reg["id"])
    assert reg["body"]["functionName"] == "slow" and reg["body"]["functionVersion"] == "$LATEST"
    assert reg["body"]["handler"] == "bootstrap" and "accountId" in reg["body"]
    assert "AWS_LAMBDA_RUNTIME_API" in reg["env"]
    assert "_HANDLER" not in reg["env"] and "LAMBDA_TASK_ROOT" not in reg["env"]


def test_log_tail_waits_for_extensions(serve, tmp_path):
    """LogType Tail: the answer carries END and REPORT, which come after the extensions'
    post-runtime work (REPORT's Duration includes it), as on AWS."""
    log = tmp_path / "ext.log"
    srv = serve({})
    deploy(srv, "tailx", ["slowext"], {"EXT_MODE": "slow", "EXT_LOG": str(log),
                                       "EXT_SLOW_S": "1"})
    for _ in range(2):  # cold, then warm
        st, h, body = srv.invoke("tailx", json.dumps({"action": "log", "text": "in fn"}).encode(),
                                 headers={"X-Amz-Log-Type": "Tail"})
        assert st == 200, body
        rid = h["x-amzn-requestid"]
        # answered only after the extension finished its part of the invocation
        assert any(x["what"] == "done" and x["rid"] == rid for x in read_log(log))
        tail = base64.b64decode(h["x-amz-log-result"]).decode()
        lines = tail.splitlines()
        assert f"END RequestId: {rid}" in lines, tail
        report = [x for x in lines if x.startswith(f"REPORT RequestId: {rid}\t")]
        assert len(report) == 1 and lines.index(report[0]) > lines.index(f"END RequestId: {rid}")
        assert float(re.search(r"\tDuration: ([\d.]+) ms", report[0]).group(1)) >= 900, tail
        assert "in fn" in tail, tail


def test_extension_crash_mid_invoke(serve, tmp_path):
    srv = serve({})
    deploy(srv, "crashy", ["crashext"], {"EXT_MODE": "crash", "EXT_LOG": str(tmp_path / "l")})
    st, h, body = invoke(srv, "crashy", {"action": "sleep", "seconds": 5})
    assert st == 200 and h.get("x-amz-function-error") == "Unhandled", body
    assert body["errorType"] == "Extension.Crash"
    # a fresh environment next time, which fails the same way rather than hanging
    st, h, body = invoke(srv, "crashy", {"action": "sleep", "seconds": 5})
    assert body["errorType"] == "Extension.Crash"


def test_extension_exits_before_registering(serve, tmp_path):
    srv = serve({})
    deploy(srv, "early", ["quitter"], {"EXT_MODE": "exit-early"})
    st, h, body = invoke(srv, "early", {"action": "count"})
    assert h.get("x-amz-function-error") == "Unhandled", body
    assert body["errorType"] == "Extension.Crash"
    srv.wait_log("early", r"INIT_REPORT .*Status: error\tError Type: Extension.Crash")


def test_extension_never_registers(serve, tmp_path):
    srv = serve({}, args=["--init-timeout", "2"])
    deploy(srv, "silent", ["mute"], {"EXT_MODE": "noregister"}, timeout=3)
    st, h, body = invoke(srv, "silent", {"action": "count"})
    assert h.get("x-amz-function-error") == "Unhandled", body
    srv.wait_log("silent", r"INIT_REPORT .*Status: timeout")


def test_extension_init_error(serve, tmp_path):
    srv = serve({})
    deploy(srv, "ierr", ["badext"], {"EXT_MODE": "initerror"})
    st, h, body = invoke(srv, "ierr", {"action": "count"})
    assert h.get("x-amz-function-error") == "Unhandled", body
    assert body["errorType"] == "Extension.InitError"


def test_eleven_extensions(serve, tmp_path):
    log = tmp_path / "ext.log"
    srv = serve({})
    names = [f"ext{i:02d}" for i in range(11)]
    deploy(srv, "many", names, {"EXT_LOG": str(log)})
    st, h, body = invoke(srv, "many", {"action": "count"})
    assert h.get("x-amz-function-error") == "Unhandled", body
    refused = [x for x in read_log(log) if x["what"] == "register" and x["status"] == 403]
    # one per init: when the refused extension's exit (Extension.Crash) comes before the init
    # ends, the init fails and is retried inside the invocation (as on AWS), whose eleventh
    # is refused too; when it comes after, the invocation fails without a second init
    assert len(refused) in (1, 2), refused
    for r in refused:
        assert r["body"] == {"errorMessage": "Extension limit (10) reached",
                             "errorType": "Extension.TooManyExtensions"}


def test_shutdown_on_scale_to_zero(serve, tmp_path):
    log = tmp_path / "ext.log"
    srv = serve({}, args=["--keep-warm", "1"])
    deploy(srv, "idle", ["watcher"], {"EXT_LOG": str(log)})
    st, _, _ = invoke(srv, "idle", {"action": "count"})
    assert st == 200
    wait_until(lambda: any(x["what"] == "exit" for x in read_log(log)), what="SHUTDOWN")
    ev = [x for x in read_log(log) if x["what"] == "event" and
          x["event"]["eventType"] == "SHUTDOWN"][0]
    assert ev["event"]["shutdownReason"] == "spindown"
    assert ev["event"]["deadlineMs"] <= ev["t"] * 1000 + 2000 + 50


def test_shutdown_on_server_stop(serve, tmp_path):
    log = tmp_path / "ext.log"
    srv = serve({})
    deploy(srv, "stopper", ["watcher"], {"EXT_LOG": str(log)})
    assert invoke(srv, "stopper", {"action": "count"})[0] == 200
    assert srv.stop() == 0
    ev = [x["event"] for x in read_log(log) if x["what"] == "event" and
          x["event"]["eventType"] == "SHUTDOWN"]
    assert len(ev) == 1 and ev[0]["shutdownReason"] == "spindown" and ev[0]["deadlineMs"] > 0
    assert any(x["what"] == "exit" for x in read_log(log))


def test_hanging_extension_times_out(serve, tmp_path):
    log = tmp_path / "ext.log"
    srv = serve({})
    deploy(srv, "hang", ["hanger"], {"EXT_MODE": "hang", "EXT_LOG": str(log)}, timeout=2)
    st, h, body = invoke(srv, "hang", {"action": "count"})
    assert st == 200 and body["count"] == 1  # the runtime answered in time
    rid = h["x-amzn-requestid"]
    srv.wait_log("hang", rf"REPORT RequestId: {rid}\t.*Status: timeout")
    # the environment was reset: the next invocation cold-starts
    st, _, again = invoke(srv, "hang", {"action": "count"})
    # (pid and log stream: under full isolation every runtime has the same pid in its namespace)
    assert again["count"] == 1 and (again["pid"], again["stream"]) != (body["pid"], body["stream"])


class Api:
    """Raw Extensions API calls on an environment's listener (found through the runtime)."""

    def __init__(self, addr):
        self.addr = addr

    def call(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection(self.addr, timeout=TIMEOUT)
        try:
            c.request(method, "/2020-01-01/extension" + path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                (json.loads(data) if data else None)
        finally:
            c.close()


def test_api_errors(serve, tmp_path):
    if serve_isolation() != "none":
        pytest.skip("under full isolation the Runtime API serves only the environment's own "
                    "processes (its own network namespace, and a peer check under --network "
                    "host: docs/sandbox.md), so this test's client outside cannot reach it; "
                    "the same checks run under isolation none")
    srv = serve({})
    deploy(srv, "api", [])
    st, _, out = invoke(srv, "api", {"action": "env"})
    api = Api(out["env"]["AWS_LAMBDA_RUNTIME_API"])
    err = lambda r: (r[0], r[2]["errorType"])  # noqa: E731
    assert err(api.call("POST", "/register", b'{"events":["INVOKE"]}')) == \
        (403, "Extension.InvalidExtensionName")
    # registration closed: the runtime has asked for its first event
    assert err(api.call("POST", "/register", b'{"events":["INVOKE"]}',
                        {"Lambda-Extension-Name": "late"})) == (403, "Extension.RegistrationClosed")
    assert err(api.call("POST", "/register", b"not json",
                        {"Lambda-Extension-Name": "x"})) == (403, "InvalidRequestFormat")
    assert err(api.call("POST", "/register", b'{"configurationKeys":["a"]}',
                        {"Lambda-Extension-Name": "x"})) == (403, "InvalidRequestFormat")
    assert err(api.call("POST", "/register", b'{"events":["BOGUS"]}',
                        {"Lambda-Extension-Name": "x"})) == (403, "Extension.InvalidEventType")
    assert err(api.call("GET", "/event/next")) == (403, "Extension.MissingExtensionIdentifier")
    assert err(api.call("GET", "/event/next", None, {"Lambda-Extension-Identifier": "nope"})) \
        == (403, "Extension.InvalidExtensionIdentifier")
    unknown = {"Lambda-Extension-Identifier": "3da1f2dc-3222-475e-9205-e2e6c6318895"}
    assert err(api.call("GET", "/event/next", None, unknown)) == \
        (403, "Extension.UnknownExtensionIdentifier")
    assert err(api.call("POST", "/init/error", b"{}", unknown)) == \
        (403, "Extension.UnknownExtensionIdentifier")
    assert api.call("GET", "/nothing")[0] == 404
    # the function still works
    assert invoke(srv, "api", {"action": "count"})[2]["count"] == 2


def test_register_rules_during_init(serve, tmp_path):
    """An external extension's registrations: a duplicate name, SHUTDOWN for an internal one,
    exit/error without its header; then the environment still serves."""
    if serve_isolation() != "none":
        pytest.skip("this test's client outside calls the environment's Runtime API, which "
                    "under full isolation serves only the environment's own processes; the "
                    "same checks run under isolation none")
    log = tmp_path / "ext.log"
    srv = serve({})
    # SHUTDOWN only: after init it always waits in event/next
    deploy(srv, "rules", ["probeext"], {"EXT_LOG": str(log), "EXT_MODE": "shutdown-only"})
    st, _, out = invoke(srv, "rules", {"action": "env"})
    assert st == 200
    api = Api(out["env"]["AWS_LAMBDA_RUNTIME_API"])
    reg = [x for x in read_log(log) if x["what"] == "register"][0]
    hdr = {"Lambda-Extension-Identifier": reg["id"]}
    st, _, body = api.call("POST", "/register", b'{"events":["INVOKE"]}',
                           {"Lambda-Extension-Name": "probeext"})
    assert (st, body["errorType"]) == (403, "Extension.InvalidExtensionState")
    st, _, body = api.call("POST", "/exit/error", b"{}", hdr)
    assert (st, body["errorType"]) == (403, "Extension.MissingHeader")
    # init/error after its init is over: out of order
    st, _, body = api.call("POST", "/init/error", b"{}",
                           dict(hdr, **{"Lambda-Extension-Function-Error-Type": "Ext.Late"}))
    assert (st, body["errorType"]) == (403, "Extension.InvalidExtensionState")
    # a second event/next while one waits
    st, _, body = api.call("GET", "/event/next", None, hdr)
    assert (st, body["errorType"]) == (403, "Extension.InvalidExtensionState")
    assert invoke(srv, "rules", {"action": "count"})[0] == 200
    # exit/error resets the environment: Extension.ExitError for nobody waiting, fresh env next
    st, _, body = api.call("POST", "/exit/error", b"{}",
                           dict(hdr, **{"Lambda-Extension-Function-Error-Type": "Ext.Bye"}))
    assert (st, body) == (202, {"status": "OK"})
    wait_until(lambda: invoke(srv, "rules", {"action": "count"})[2].get("count") == 1,
               what="a fresh environment")


INTERNAL_RT = HEAD + r'''
REG = EXT_API + "/register"
st, h, _ = call("POST", REG, b'{"events":["INVOKE"]}', {"Lambda-Extension-Name": "inner"})
st2, _, b2 = call("POST", REG, b'{"events":["SHUTDOWN"]}', {"Lambda-Extension-Name": "inner2"})
eid = h["lambda-extension-identifier"]
done = []

def ext():
    while True:
        _, _, b = call("GET", EXT_API + "/event/next", None,
                       {"Lambda-Extension-Identifier": eid})
        time.sleep(1)
        done.append(json.loads(b)["requestId"])

threading.Thread(target=ext, daemon=True).start()
while True:
    _, h, _ = call("GET", "/2018-06-01/runtime/invocation/next")
    rid = h["lambda-runtime-aws-request-id"]
    out = {"reg": st, "shutdown_reg": st2, "shutdown_body": json.loads(b2), "done": list(done),
           "pid": os.getpid()}
    call("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, json.dumps(out).encode())
'''


def test_internal_extension(serve, tmp_path):
    # the second request waits for the finishing environment up to the throttle wait
    srv = serve({}, args=["--throttle-wait-ms", "10000"])
    c = srv.boto3()
    c.create_function(FunctionName="inner", Runtime="provided.al2023", Handler="bootstrap",
                      Role=ROLE, Code={"ZipFile": _zip({"bootstrap": INTERNAL_RT})})
    c.get_waiter("function_active_v2").wait(FunctionName="inner")
    st, h, first = invoke(srv, "inner", {})
    assert st == 200 and first["reg"] == 200, first
    assert first["shutdown_reg"] == 403
    assert first["shutdown_body"]["errorType"] == "Extension.InvalidEventType"
    text = srv.wait_log("inner", r"EXTENSION\tName: inner\tState: Ready\tEvents: \[INVOKE\]")
    assert text
    # the next invocation went to the same environment only after the internal extension
    # finished with the first one
    st, _, second = invoke(srv, "inner", {})
    assert second["pid"] == first["pid"] and h["x-amzn-requestid"] in second["done"], second
