#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmarks what Lambda extensions cost under `clambda serve` (issue 11's targets) and prints
a Markdown table for docs/performance.md. Every figure is printed beside its peer or floor,
measured in the same run, interleaved, RUNS times; the table gives medians over the runs:
  - extension overhead: p50 of warm invokes of examples/echo on one keep-alive connection with
    one INVOKE-subscribed no-op extension (bench/noop_ext.c, in a layer) minus the same
    function without it (target: <= 40 us added);
  - echo against the one-hop floor: warm invokes of examples/echo on one connection, in
    invokes/s, against one HTTP exchange with bench/echo_floor (loadgen -> leaf), the floor
    bench/serve.sh prints as "one HTTP hop" (target: >= 60 %);
  - the web adapter: an API Gateway v2 event (src/cli/events/examples/apigw-v2.json) invoked
    on one connection against a function whose app is a minimal HTTP server (bench/echo_floor
    as the web app) behind clambda-web-adapter, against the same event sent to
    examples/http-api (target: >= 70 % of its invokes/s).
Usage: bench/extensions.py [BUILD_DIR]   (default build/release); RUNS=5 DUR=3 in the
environment change the runs; isolation none (the targets are for plain processes);
SERVE_ARGS="--cpu-affinity none" adds server options."""

import base64
import http.client
import io
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SERVE_ARGS = os.environ.get("SERVE_ARGS", "").split()  # e.g. "--cpu-affinity none"
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, sys.argv[1] if len(sys.argv) > 1 else "build/release")
RUNS = int(os.environ.get("RUNS", "5"))
DUR = int(os.environ.get("DUR", "3"))
ROLE = "arn:aws:iam::000000000000:role/bench"
LOADGEN = os.path.join(BUILD, "bench/loadgen")
FLOOR = os.path.join(BUILD, "bench/echo_floor")
BODY = '{"msg":"hello","n":1}'


def build():
    if not os.path.exists(os.path.join(BUILD, "CMakeCache.txt")):
        subprocess.run(["cmake", "--preset", "release"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", BUILD, "-j2", "--target", "clambda", "loadgen",
                    "echo_floor", "noop_ext", "example_echo_zip", "example_http-api_zip",
                    "clambda_web_adapter_layer"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def zip_of(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, data)
    return buf.getvalue()


def call(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        assert r.status < 300, (method, path, r.status, data[:300])
        return json.loads(data) if data else None
    finally:
        c.close()


def publish_layer(port, name, files):
    out = call(port, "POST", f"/2018-10-31/layers/{name}/versions",
               {"Content": {"ZipFile": base64.b64encode(zip_of(files)).decode()}})
    return out["LayerVersionArn"]


def create(port, name, code, layers=(), env=None):
    call(port, "POST", "/2015-03-31/functions",
         {"FunctionName": name, "Runtime": "provided.al2023", "Handler": "bootstrap",
          "Role": ROLE, "Code": {"ZipFile": base64.b64encode(code).decode()},
          "Layers": list(layers), "Environment": {"Variables": env or {}}, "Timeout": 30})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(proc):
    line = proc.stdout.readline().decode()
    m = re.search(r"(?:port |:)(\d+)\s*$", line)
    if not m:
        raise SystemExit(f"extensions.py: no port in {line!r}")
    return int(m.group(1))


def loadgen(port, path, body, dur=DUR):
    out = subprocess.run([LOADGEN, "-p", str(port), "-c", "1", "-d", str(dur), "-w", "50",
                          "-u", path, "-b", body], capture_output=True, text=True).stdout
    kv = dict(x.split("=", 1) for x in out.split() if "=" in x)
    return {k: float(v) for k, v in kv.items() if re.fullmatch(r"[\d.]+", v)}


def invoke_path(name):
    return f"/2015-03-31/functions/{name}/invocations"


def main():
    build()
    tmp = tempfile.mkdtemp(prefix="clambda-extbench-")
    procs = []
    try:
        leaf = subprocess.Popen([FLOOR, "-p", "0"], stdout=subprocess.PIPE)
        procs.append(leaf)
        leaf_port = wait_port(leaf)
        srv = subprocess.Popen([os.path.join(BUILD, "clambda"), "serve", "--listen",
                                "127.0.0.1:0", "--state-dir", os.path.join(tmp, "state"),
                                "--isolation", "none", *SERVE_ARGS], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
        procs.append(srv)
        port = wait_port(srv)
        echo = open(os.path.join(BUILD, "examples/echo/bootstrap"), "rb").read()
        api = open(os.path.join(BUILD, "examples/http-api/bootstrap"), "rb").read()
        noop = open(os.path.join(BUILD, "bench/noop_ext"), "rb").read()
        lwa = open(os.path.join(BUILD, "adapter/clambda-web-adapter-layer.zip"), "rb").read()
        noop_arn = publish_layer(port, "noop", {"extensions/noop": noop})
        lwa_arn = call(port, "POST", "/2018-10-31/layers/lwa/versions",
                       {"Content": {"ZipFile": base64.b64encode(lwa).decode()}})[
                           "LayerVersionArn"]
        app_port = free_port()  # isolation none: the app listens on the host's loopback
        web_boot = f"#!/bin/sh\nexec {FLOOR} -p {app_port}\n".encode()
        create(port, "echo", zip_of({"bootstrap": echo}))
        create(port, "echox", zip_of({"bootstrap": echo}), [noop_arn])
        create(port, "api", zip_of({"bootstrap": api}))
        create(port, "web", zip_of({"bootstrap": web_boot}), [lwa_arn],
               {"AWS_LWA_PORT": str(app_port), "AWS_LWA_READINESS_CHECK_PATH": "/"})
        event = open(os.path.join(ROOT, "src/cli/events/examples/apigw-v2.json")).read()
        event = json.dumps(json.loads(event))
        for name, body in (("echo", BODY), ("echox", BODY), ("api", event), ("web", event)):
            got = loadgen(port, invoke_path(name), body, dur=1)  # warm-up, and a check
            assert got.get("errors", 1) == 0 and got.get("requests", 0) > 0, (name, got)
        rows = {k: [] for k in ("echo", "echox", "onehop", "api", "web")}
        for r in range(RUNS):
            rows["echo"].append(loadgen(port, invoke_path("echo"), BODY))
            rows["echox"].append(loadgen(port, invoke_path("echox"), BODY))
            rows["onehop"].append(loadgen(leaf_port, "/echo", BODY))
            rows["api"].append(loadgen(port, invoke_path("api"), event))
            rows["web"].append(loadgen(port, invoke_path("web"), event))
            e, x, o, a, w = (rows[k][-1] for k in ("echo", "echox", "onehop", "api", "web"))
            print(f"run {r + 1}: echo p50 {e['p50_us']:.1f} us {e['rps']:,.0f}/s | "
                  f"echo+noop ext p50 {x['p50_us']:.1f} us (+{x['p50_us'] - e['p50_us']:.1f}) | "
                  f"one hop {o['rps']:,.0f}/s (echo {e['rps'] / o['rps']:.0%}) | "
                  f"web adapter {w['rps']:,.0f}/s vs http-api {a['rps']:,.0f}/s "
                  f"({w['rps'] / a['rps']:.0%})", flush=True)
            errors = sum(int(row[-1].get("errors", 0)) for row in rows.values())
            assert errors == 0, rows
        report(rows)
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run(["rm", "-rf", tmp])


def report(rows):
    def med(k, f):
        return statistics.median(x[f] for x in rows[k])

    added = statistics.median(x["p50_us"] - e["p50_us"] for x, e in zip(rows["echox"],
                                                                       rows["echo"]))
    ratio_hop = statistics.median(e["rps"] / o["rps"] for e, o in zip(rows["echo"],
                                                                      rows["onehop"]))
    ratio_web = statistics.median(w["rps"] / a["rps"] for w, a in zip(rows["web"], rows["api"]))
    load = open("/proc/loadavg").read().split()[:3]

    def verdict(ok):
        return "**met**" if ok else "**missed**"

    print()
    print(f"Measured by `bench/extensions.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
          f": `--isolation none`, {RUNS} runs of {DUR} s each, one connection, medians over the "
          f"runs; load average at the end {' '.join(load)}.")
    print()
    print("| Figure (median of runs) | Target | Measured | Peer / floor, same runs | Ratio | "
          "Verdict |")
    print("|---|---|---|---|---|---|")
    print(f"| warm invoke p50, echo + one INVOKE-subscribed no-op extension | ≤ 40 µs added | "
          f"{med('echox', 'p50_us'):.1f} µs ({med('echox', 'rps'):,.0f}/s) | echo alone "
          f"{med('echo', 'p50_us'):.1f} µs ({med('echo', 'rps'):,.0f}/s) | +{added:.1f} µs | "
          f"{verdict(added <= 40)} |")
    print(f"| warm invokes of echo, 1 conn, throughput | ≥ 60 % of one hop | "
          f"{med('echo', 'rps'):,.0f}/s | one HTTP hop (echo_floor) {med('onehop', 'rps'):,.0f}/s"
          f" | {ratio_hop:.0%} | {verdict(ratio_hop >= 0.6)} |")
    print(f"| API GW v2 event through clambda-web-adapter to a minimal HTTP app, 1 conn | ≥ 70 % "
          f"of http-api | {med('web', 'rps'):,.0f}/s (p50 {med('web', 'p50_us'):.1f} µs) | "
          f"examples/http-api {med('api', 'rps'):,.0f}/s (p50 {med('api', 'p50_us'):.1f} µs) | "
          f"{ratio_web:.0%} | {verdict(ratio_web >= 0.7)} |")


if __name__ == "__main__":
    main()
