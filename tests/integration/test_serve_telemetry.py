# SPDX-License-Identifier: MIT
"""clambda serve, Telemetry API and Logs API (extensions-api.md section 4): an external
extension (the Python script TEL below, in a layer) subscribes with its own HTTP listener;
the platform events' exact shapes, function and extension lines as records, subscriptions
AWS refuses, and subscribers that are slow or stop reading, which never slow the function.
The tests whose extension (TEL) logs to a host path and subscribes to its own output skip
under full isolation (test_serve_extensions_sandbox.py has a subscriber inside the sandbox);
examples/telemetry's runs under both."""

import json
import re
import time

from conftest import serve_isolation, wait_until
from ext_scripts import HEAD
from test_serve_extensions import deploy, invoke, read_log

TEL = HEAD + r'''LOG = os.environ["TEL_LOG"]
MODE = os.environ.get("TEL_MODE", "ok")
lock = threading.Lock()
state = {"posts": 0}

def log(**kw):
    with lock, open(LOG, "a") as f:
        f.write(json.dumps(dict(name=NAME, t=time.time(), **kw)) + "\n")


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        state["posts"] += 1
        if MODE == "slow" and state["posts"] == 1:
            time.sleep(3)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        log(what="batch", path=self.path, events=json.loads(body))
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass

if MODE == "stuck":  # accepts nothing, reads nothing
    sk = socket.socket()
    sk.bind(("127.0.0.1", 0))
    sk.listen(1)
    port = sk.getsockname()[1]
else:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

st, h, body = call("POST", "/2020-01-01/extension/register", b'{"events":["INVOKE","SHUTDOWN"]}',
                   {"Lambda-Extension-Name": NAME})
eid = h["lambda-extension-identifier"]
print("extension says hi", flush=True)
for case in json.loads(os.environ.get("TEL_CASES", "[]")):
    hdrs = {} if case.get("noid") else {"Lambda-Extension-Identifier": eid}
    raw = json.dumps(case["body"]).replace("PORT", str(port)).encode()
    st, _, out = call("PUT", case.get("path", "/2022-07-01/telemetry"), raw, hdrs)
    log(what="case", status=st, body=out.decode())
buffering = json.loads(os.environ.get("TEL_BUFFERING", '{"timeoutMs": 25}'))
sub = {"schemaVersion": "2022-12-13", "types": ["platform", "function", "extension"],
       "buffering": buffering,
       "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:%d/tel" % port}}
st, _, out = call("PUT", "/2022-07-01/telemetry", json.dumps(sub).encode(),
                  {"Lambda-Extension-Identifier": eid})
log(what="subscribe", status=st, body=out.decode())
while True:
    st, h, body = call("GET", "/2020-01-01/extension/event/next", None,
                       {"Lambda-Extension-Identifier": eid})
    if st != 200:
        sys.exit(1)
    if json.loads(body)["eventType"] == "SHUTDOWN":
        time.sleep(0.2)
        sys.exit(0)
'''

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def tel_deploy(srv, name, log, env=None, timeout=30):
    import test_serve_extensions as t
    saved = t.EXT
    t.EXT = TEL
    try:
        return deploy(srv, name, ["telext"], dict({"TEL_LOG": str(log)}, **(env or {})),
                      timeout=timeout)
    finally:
        t.EXT = saved


def events(log):
    return [e for x in read_log(log) if x["what"] == "batch" for e in x["events"]]


def test_telemetry_events(serve, tmp_path):
    log = tmp_path / "tel.log"
    srv = serve({})
    tel_deploy(srv, "tel", log)
    st, h, body = invoke(srv, "tel", {"action": "log", "text": "hello from function"})
    assert st == 200
    rid = h["x-amzn-requestid"]
    wait_until(lambda: any(e["type"] == "platform.report" and e["record"]["requestId"] == rid
                           for e in events(log)), what="platform.report")
    sub = [x for x in read_log(log) if x["what"] == "subscribe"][0]
    assert (sub["status"], sub["body"]) == (200, '"OK"')
    evs = events(log)
    for e in evs:
        assert set(e) == {"time", "type", "record"} and ISO.match(e["time"]), e
    by = {}
    for e in evs:
        by.setdefault(e["type"], []).append(e["record"])
    for t in ("platform.initStart", "platform.initRuntimeDone", "platform.initReport",
              "platform.extension", "platform.telemetrySubscription", "platform.start",
              "platform.runtimeDone", "platform.report", "function", "extension"):
        assert t in by, (t, sorted(by))
    assert by["platform.initStart"][0]["initializationType"] == "on-demand"
    assert by["platform.initStart"][0]["phase"] == "init"
    assert by["platform.initRuntimeDone"][0]["status"] == "success"
    assert set(by["platform.initReport"][0]["metrics"]) == {"durationMs"}
    assert by["platform.extension"][0] == {"name": "telext", "state": "Ready",
                                          "events": ["INVOKE", "SHUTDOWN"]}
    assert by["platform.telemetrySubscription"][0] == {
        "name": "telext", "state": "Subscribed", "types": ["platform", "function", "extension"]}
    assert by["platform.start"][0] == {"requestId": rid, "version": "$LATEST"}
    done = by["platform.runtimeDone"][0]
    assert done["requestId"] == rid and done["status"] == "success"
    assert set(done["metrics"]) == {"durationMs", "producedBytes"}
    assert [s["name"] for s in done["spans"]] == ["responseLatency", "responseDuration"]
    for s in done["spans"]:
        assert set(s) == {"name", "start", "durationMs"} and ISO.match(s["start"])
    rep = [r for r in by["platform.report"] if r["requestId"] == rid][0]
    assert rep["status"] == "success"
    assert set(rep["metrics"]) == {"durationMs", "billedDurationMs", "memorySizeMB",
                                   "maxMemoryUsedMB", "initDurationMs"}
    assert "hello from function" in by["function"]
    assert "extension says hi" in by["extension"]


BAD = [
    {"types": ["platform"], "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:PORT/"}},  # no schemaVersion
    {"schemaVersion": "2022-12-13", "types": [], "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:PORT/"}},
    {"schemaVersion": "2022-12-13", "types": ["bogus"], "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:PORT/"}},
    {"schemaVersion": "2022-12-13", "types": ["platform"], "buffering": {"maxItems": 10}, "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:PORT/"}},
    {"schemaVersion": "2022-12-13", "types": ["platform"], "buffering": {"maxBytes": 2000000}, "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:PORT/"}},
    {"schemaVersion": "2022-12-13", "types": ["platform"], "buffering": {"timeoutMs": 5}, "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:PORT/"}},
    {"schemaVersion": "2022-12-13", "types": ["platform"], "destination": {"protocol": "HTTP", "URI": "http://example.com:8080/"}},
    {"schemaVersion": "2022-12-13", "types": ["platform"], "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:9001/"}},
    {"schemaVersion": "2022-12-13", "types": ["platform"], "destination": {"protocol": "HTTPS", "URI": "https://sandbox.localdomain:PORT/"}},
]


def test_subscription_errors(serve, tmp_path):
    log = tmp_path / "tel.log"
    srv = serve({})
    cases = [{"body": b} for b in BAD]
    cases.append({"body": "not an object"})
    cases.append({"body": BAD[0], "noid": True})
    cases.append({"body": {"types": ["function"], "destination": {
        "protocol": "HTTP", "URI": "http://sandbox.localdomain:PORT/logs"}},
        "path": "/2020-08-15/logs"})
    tel_deploy(srv, "subs", log, {"TEL_CASES": json.dumps(cases)})
    assert invoke(srv, "subs", {"action": "count"})[0] == 200
    got = [x for x in read_log(log) if x["what"] == "case"]
    assert len(got) == len(cases)
    for g in got[:len(BAD) + 1]:
        assert g["status"] == 400 and json.loads(g["body"])["errorType"] == "ValidationError", g
    assert got[-2]["status"] == 403
    assert json.loads(got[-2]["body"])["errorType"] == "Extension.MissingExtensionIdentifier"
    assert got[-1]["status"] == 200  # the legacy Logs API
    # the function still works
    assert invoke(srv, "subs", {"action": "count"})[2]["count"] == 2


def test_slow_subscriber_drops_and_counts(serve, tmp_path):
    log = tmp_path / "tel.log"
    srv = serve({})
    tel_deploy(srv, "slowsub", log, {"TEL_MODE": "slow",
                                     "TEL_BUFFERING": '{"maxItems": 1000, "timeoutMs": 25}'})
    st, _, body = invoke(srv, "slowsub", {"action": "flood", "lines": 6000, "width": 10})
    assert st == 200 and body == {"flooded": True}
    wait_until(lambda: any(e["type"] == "platform.logsDropped" for e in events(log)),
               what="platform.logsDropped")
    d = [e["record"] for e in events(log) if e["type"] == "platform.logsDropped"][0]
    assert set(d) == {"reason", "droppedRecords", "droppedBytes"} and d["droppedRecords"] > 0


def test_stuck_subscriber_never_slows_the_function(serve, tmp_path):
    log = tmp_path / "tel.log"
    srv = serve({})
    tel_deploy(srv, "stuck", log, {"TEL_MODE": "stuck"}, timeout=20)
    for _ in range(3):
        st, h, body = invoke(srv, "stuck", {"action": "flood", "lines": 5000, "width": 50})
        assert st == 200 and body == {"flooded": True}, body
        assert "x-amz-function-error" not in h


def test_example_telemetry_extension(serve, tmp_path):
    """examples/telemetry (libclambda's clambda_extension_telemetry_subscribe) prints the
    batches it receives, which land in the function's log stream."""
    from conftest import example_path
    import test_serve_extensions as t
    binary = example_path("telemetry").read_bytes()
    saved = t.EXT
    t.EXT = binary
    try:
        deploy(srv := serve({}), "texample", ["telemetry-example"])
    finally:
        t.EXT = saved
    st, h, _ = invoke(srv, "texample", {"action": "log", "text": "printed by the function"})
    assert st == 200
    rid = h["x-amzn-requestid"]
    srv.wait_log("texample", r"telemetry subscription on port \d+: ")
    start = re.compile(r"^.*\[telemetry\] \[.*\"platform\.start\".*$", re.M)
    # Under full isolation an idle environment is frozen with its subscriber: what it missed
    # arrives while it runs again, as on AWS (docs/extensions.md "sandbox.localdomain").
    for _ in range(40):
        if start.search(srv.log_text("texample")) or serve_isolation() == "none":
            break
        invoke(srv, "texample", {"action": "count"})
        time.sleep(0.05)
    m = srv.wait_log("texample", start.pattern)
    assert rid in m.group(0)
    srv.wait_log("texample", r"\[telemetry\] \[.*\"record\":\"printed by the function\"")
