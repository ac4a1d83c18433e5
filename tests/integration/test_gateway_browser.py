# SPDX-License-Identifier: MIT
"""clambda serve --template seen from a real browser (issue 12, docs/gateway.md "Testing in a
browser"): a page served from another origin than the gateway, loaded in headless Chromium
(Debian's `chromium`), calls a Function URL and an HTTP API route with fetch(): a simple GET on
each, a PUT with a custom header (which makes the browser send a CORS preflight first), a
Function URL in RESPONSE_STREAM mode read incrementally with response.body.getReader(), and
two origins the CORS settings do not allow (the browser must refuse the answers). The page
POSTs what it saw to the test's page server; the test asserts it. Chromium's NetLog shows
that the preflights were sent.

Skips when chromium is not installed or does not start (scripts/install-deps.sh installs it)."""

import http.client
import http.server
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest

from conftest import TIMEOUT, runtime_dir

WAIT_S = 25  # the whole page runs in ~2 s; this bounds a browser that never reports

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    Timeout: 30
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: ["{origin}"]
        AllowMethods: [GET, PUT]
        AllowHeaders: [x-custom, content-type]
        ExposeHeaders: [x-custom]
        MaxAge: 0
  Web:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {py}
      FunctionUrlConfig:
        AuthType: NONE
        InvokeMode: RESPONSE_STREAM
        Cors:
          AllowOrigins: ["{origin}"]
          AllowMethods: [GET, PUT]
          AllowHeaders: [x-custom]
          ExposeHeaders: [x-streamed, x-custom]
      Events:
        Get: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: "/event/{{id}}"}}}}
        Put: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: PUT, Path: "/event/{{id}}"}}}}
        Cookies: {{Type: HttpApi, Properties: {{ApiId: !Ref Http, Method: GET, Path: /cookies}}}}
  Closed:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {py}
      FunctionUrlConfig:
        AuthType: NONE
        Cors:
          AllowOrigins: ["http://elsewhere.test"]
"""

# The page: every step's outcome goes into R (an exception as {"error", "name"}); the streamed
# step reports its first chunk on its own (the page server opens the function's gate on that
# report), and R goes back at the end.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>clambda browser test</title></head>
<body><iframe src="{other}/other.html"></iframe>
<script>
const URL_WEB = {url_web}, URL_CLOSED = {url_closed}, API = {api}, GATE = {gate};
const R = {{}};
function report(kind, data) {{
  return fetch('/report', {{method: 'POST', body: JSON.stringify({{kind, data}})}});
}}
async function step(name, f) {{
  try {{ R[name] = await f(); }} catch (e) {{ R[name] = {{error: String(e), name: e.name}}; }}
}}
(async () => {{
  await step('url_get', async () => {{
    const r = await fetch(URL_WEB + 'event/a%20b?k=1&k=2&e=%2F');
    const ev = await r.json();
    return {{status: r.status, method: ev.requestContext.http.method, rawPath: ev.rawPath,
             rawQueryString: ev.rawQueryString, origin: ev.headers.origin}};
  }});
  await step('url_put', async () => {{
    const r = await fetch(URL_WEB + 'event', {{method: 'PUT', body: 'put body',
                                               headers: {{'X-Custom': 'from the page'}}}});
    const ev = await r.json();
    return {{status: r.status, method: ev.requestContext.http.method, body: ev.body,
             custom: ev.headers['x-custom']}};
  }});
  await step('api_get', async () => {{
    const r = await fetch(API + '/event/abc?q=%2F%20x');
    const ev = await r.json();
    return {{status: r.status, method: ev.requestContext.http.method, id: ev.pathParameters.id,
             rawQueryString: ev.rawQueryString, q: ev.queryStringParameters.q,
             routeKey: ev.routeKey, origin: ev.headers.origin}};
  }});
  await step('api_put', async () => {{
    const r = await fetch(API + '/event/put1', {{method: 'PUT', body: '{{"a": 1}}',
        headers: {{'Content-Type': 'application/json', 'X-Custom': 'custom value'}}}});
    const ev = await r.json();
    return {{status: r.status, method: ev.requestContext.http.method, id: ev.pathParameters.id,
             body: ev.body, custom: ev.headers['x-custom'],
             ctype: ev.headers['content-type'], routeKey: ev.routeKey}};
  }});
  await step('api_cookies', async () => {{
    const r = await fetch(API + '/cookies');
    return {{status: r.status, custom: r.headers.get('x-custom'), text: await r.text()}};
  }});
  await step('url_closed', async () => {{
    const r = await fetch(URL_CLOSED + 'event');
    return {{status: r.status}};
  }});
  await step('stream', async () => {{
    const r = await fetch(URL_WEB + 'stream?gate=' + encodeURIComponent(GATE));
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    const chunks = [];
    let text = '';
    while (!text.includes('one;')) {{
      const c = await reader.read();
      if (c.done) break;
      chunks.push(dec.decode(c.value, {{stream: true}}));
      text += chunks[chunks.length - 1];
    }}
    const first = text;
    await report('chunk1', first);  /* the page server opens the gate: then "two" is sent */
    for (;;) {{
      const c = await reader.read();
      if (c.done) break;
      chunks.push(dec.decode(c.value, {{stream: true}}));
      text += chunks[chunks.length - 1];
    }}
    return {{status: r.status, streamed: r.headers.get('x-streamed'),
             ctype: r.headers.get('content-type'), first, text, chunks}};
  }});
  await report('done', R);
}})();
</script></body></html>
"""

# The page of the origin no CORS setting allows (in an iframe of the first).
OTHER = """<!doctype html>
<html><head><meta charset="utf-8"></head><body><script>
const API = {api}, URL_WEB = {url_web};
const R = {{}};
async function step(name, f) {{
  try {{ R[name] = await f(); }} catch (e) {{ R[name] = {{error: String(e), name: e.name}}; }}
}}
(async () => {{
  await step('api_get', async () => ({{status: (await fetch(API + '/event/x')).status}}));
  await step('url_get', async () => ({{status: (await fetch(URL_WEB + 'event')).status}}));
  await fetch('/report', {{method: 'POST', body: JSON.stringify({{kind: 'other', data: R}})}});
}})();
</script></body></html>
"""


class PageServer:
    """The test's own origin(s): serves the pages and collects the page's reports. A report of
    kind "chunk1" creates the gate file that lets the streaming function send its second
    chunk."""

    def __init__(self, host):
        self.pages = {}
        self.reports = {}
        self.gate = None
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                page = outer.pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                data = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                msg = json.loads(self.rfile.read(n))
                with outer.cond:
                    if msg["kind"] == "chunk1" and outer.gate:
                        # what the page had read when it asked for the rest
                        outer.reports["chunk1_at_gate"] = msg["data"]
                        with open(outer.gate, "w"):
                            pass
                    outer.reports[msg["kind"]] = msg["data"]
                    outer.cond.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.origin = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, kinds, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not all(k in self.reports for k in kinds):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    pytest.skip("chromium is not installed (scripts/install-deps.sh installs Debian's chromium)")
    return None


@pytest.fixture
def pages():
    main, other = PageServer("127.0.0.1"), PageServer("127.0.0.2")
    yield main, other
    main.close()
    other.close()


def start_chromium(tmp_path, url):
    """Headless Chromium on url with its NetLog in tmp_path/netlog.json; skips when it does not
    start."""
    exe = chromium_path()
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    log = open(tmp_path / "chromium.log", "wb")
    proc = subprocess.Popen(
        [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-sync",
         "--disable-background-networking", "--disable-component-update",
         "--no-proxy-server", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         f"--log-net-log={tmp_path / 'netlog.json'}", "--net-log-capture-mode=Default", url],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    log.close()
    # DevToolsActivePort appears once the browser is up: the sign that it started at all
    deadline = time.monotonic() + 15
    while not (profile / "DevToolsActivePort").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_chromium(proc)
            pytest.skip("chromium did not start:\n" +
                        (tmp_path / "chromium.log").read_text(errors="replace")[-2000:])
        time.sleep(0.05)
    return proc


def stop_chromium(proc):
    """SIGTERM to Chromium's process group (it shuts down cleanly and closes the NetLog)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def preflights(netlog_path):
    """The URLs Chromium sent OPTIONS requests to, from its NetLog."""
    text = netlog_path.read_text(errors="replace")
    # An unterminated log (a browser that did not shut down cleanly) is still line-structured.
    out = []
    for line in text.splitlines():
        line = line.strip().rstrip(",")
        if '"method":"OPTIONS"' not in line:
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        url = (ev.get("params") or {}).get("url")
        if url:
            out.append(url)
    return out


def acao(url, origin):
    """(status, Access-Control-Allow-Origin) of a GET of url sent with Origin: origin, through
    127.0.0.1 with url's own Host."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection("127.0.0.1", u.port, timeout=TIMEOUT)
    try:
        c.request("GET", u.path, headers={"Host": u.netloc, "Origin": origin})
        r = c.getresponse()
        r.read()
        return r.status, r.getheader("Access-Control-Allow-Origin")
    finally:
        c.close()


def test_page_from_another_origin(serve, pages, tmp_path):
    main, other = pages
    t = tmp_path / "template.yaml"
    t.write_text(TEMPLATE.format(origin=main.origin, py=runtime_dir("pyurl")))
    srv = serve({}, args=["--template", str(t), "--http-listen", "127.0.0.1:0"])
    srv.api_lines()
    api = f"http://127.0.0.1:{srv.api_port}"
    lam = srv.boto3()
    url_web = lam.get_function_url_config(FunctionName="Web")["FunctionUrl"]
    url_closed = lam.get_function_url_config(FunctionName="Closed")["FunctionUrl"]
    assert ".lambda-url.us-east-1.localhost:" in url_web  # the host form: browsers resolve it
    main.gate = str(tmp_path / "gate")
    main.pages["/page.html"] = PAGE.format(
        other=other.origin, url_web=json.dumps(url_web), url_closed=json.dumps(url_closed),
        api=json.dumps(api), gate=json.dumps(main.gate))
    other.pages["/other.html"] = OTHER.format(api=json.dumps(api), url_web=json.dumps(url_web))

    proc = start_chromium(tmp_path, main.origin + "/page.html")
    try:
        got = main.wait(["done"], WAIT_S) and other.wait(["other"], 5)
    finally:
        stop_chromium(proc)
    assert got, (f"the page did not report in {WAIT_S} s: {main.reports} {other.reports}\n"
                 + (tmp_path / "chromium.log").read_text(errors="replace")[-3000:])
    r = main.reports["done"]
    print(json.dumps(r, indent=1), json.dumps(other.reports, indent=1))

    # simple cross-origin GETs: the answers carry Access-Control-Allow-Origin for the page
    assert r["url_get"] == {"status": 200, "method": "GET", "rawPath": "/event/a%20b",
                            "rawQueryString": "k=1&k=2&e=%2F", "origin": main.origin}
    assert r["api_get"] == {"status": 200, "method": "GET", "id": "abc",
                            "rawQueryString": "q=%2F%20x", "q": "/ x",
                            "routeKey": "GET /event/{id}", "origin": main.origin}
    # an exposed header set by the function is readable by the page
    assert r["api_cookies"] == {"status": 200, "custom": "v", "text": "ok"}

    # PUTs with a custom header: only possible after a preflight the gateway answered
    assert r["url_put"] == {"status": 200, "method": "PUT", "body": "put body",
                            "custom": "from the page"}
    assert r["api_put"] == {"status": 200, "method": "PUT", "id": "put1", "body": '{"a": 1}',
                            "custom": "custom value", "ctype": "application/json",
                            "routeKey": "PUT /event/{id}"}
    sent = preflights(tmp_path / "netlog.json")
    assert any(u.startswith(api + "/event/put1") for u in sent), sent
    assert any(u.startswith(url_web + "event") for u in sent), sent

    # the streamed answer: chunk one was read before chunk two was sent (the function waits
    # for the gate, which the page server makes when the page reports chunk one)
    s = r["stream"]
    assert main.reports["chunk1_at_gate"] == "one;"
    assert s["status"] == 201 and s["streamed"] == "yes" and s["ctype"] == "text/plain", s
    assert s["first"] == "one;" and s["text"] == "one;two", s
    assert len(s["chunks"]) >= 2, s

    # origins the CORS settings do not allow: the gateway sends no Access-Control-Allow-Origin,
    # so the browser hands the page a TypeError instead of the answer
    assert r["url_closed"]["name"] == "TypeError", r["url_closed"]
    o = other.reports["other"]
    assert o["api_get"]["name"] == "TypeError", o
    assert o["url_get"]["name"] == "TypeError", o
    # ... although the functions did answer (the refusal is the browser's, for want of the
    # header), while the allowed origin gets it
    assert acao(url_closed + "event", main.origin) == (200, None)
    assert acao(api + "/event/x", other.origin) == (200, None)
    assert acao(url_web + "event", other.origin) == (200, None)
    assert acao(api + "/event/x", main.origin) == (200, main.origin)
