#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The talk's claim, measured: examples/items-api (C, libclambda_aws) against the same API in
Node (bench/items-api-node: @aws-sdk/client-dynamodb under npm's aws-lambda-ric), both served
by `clambda serve --template` from their SAM templates on this machine, in the same run,
calling one dynalite (a DynamoDB implementation on Node) on loopback, at 128 MB and 1769 MB.

  cold   a fresh environment per request (--keep-warm 0 reaps an idle one within 100 ms; we
         wait 250 ms), C and Node interleaved: the REPORT's Init Duration, and the client's
         round trip of that first request through the HTTP API
  warm   back-to-back GET /items/{id} through the HTTP API on one warm environment each, C and
         Node interleaved: client round trip p50/p99, the REPORTs' Duration, Billed Duration
         and Max Memory Used
  cost   billed GB-s per request (Billed Duration x memory) and the cost of 1M such requests at
         AWS's x86 price in us-east-1 ($0.0000166667 per GB-s + $0.20 per 1M requests)

npm packages are installed at bench time into BENCH_CACHE (default BUILD_DIR/bench-npm), never
committed: dynalite, aws-lambda-ric (a native addon: needs cmake, g++, autoconf, automake,
libtool; its first install builds for minutes), @aws-sdk/client-dynamodb and lib-dynamodb.

Usage: bench/items-api.py [BUILD_DIR] [cold_runs] [warm_runs]
  BUILD_DIR    a configured tree with clambda and examples/items-api built (build/release)
  BENCH_ISOLATION=none|full   clambda serve --isolation (default none; full enforces memory)
Prints a table for docs/performance.md; exit 0, or 2 when it could not run."""
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RIC = "aws-lambda-ric@4.0.2"
DYNALITE = "dynalite@4.0.0"
SDK = ["@aws-sdk/client-dynamodb@3", "@aws-sdk/lib-dynamodb@3"]
GBS_PRICE = 0.0000166667
REQ_PRICE = 0.20  # per 1M requests
MEMORIES = (128, 1769)


def die(msg):
    print(f"items-api bench: {msg}", file=sys.stderr)
    sys.exit(2)


def npm_install(prefix: pathlib.Path, pkgs, scripts: bool):
    prefix.mkdir(parents=True, exist_ok=True)
    cmd = ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save",
           "--loglevel=error", "--foreground-scripts" if scripts else "--ignore-scripts"] + pkgs
    print(f"installing {' '.join(pkgs)} into {prefix}", file=sys.stderr)
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=3600)
    if r.returncode != 0:
        die(f"npm install {' '.join(pkgs)} failed: {r.stderr.strip()[-500:]}")


def packages(cache: pathlib.Path):
    if shutil.which("node") is None or shutil.which("npm") is None:
        die("node and npm are needed (apt-get install nodejs npm)")
    if not (cache / "dynalite" / "node_modules" / "dynalite" / "package.json").exists():
        npm_install(cache / "dynalite", [DYNALITE], False)
    ric = cache / "ric" / "node_modules" / ".bin" / "aws-lambda-ric"
    if not ric.exists():
        npm_install(cache / "ric", [RIC], True)
    if not (cache / "sdk" / "node_modules" / "@aws-sdk" / "lib-dynamodb").exists():
        npm_install(cache / "sdk", SDK, False)
    return cache / "dynalite" / "node_modules" / "dynalite", cache / "ric"


def start_dynalite(path):
    script = ("const d = require(process.argv[1])({createTableMs: 0});"
              "d.listen(0, '127.0.0.1', () => console.log(d.address().port));")
    p = subprocess.Popen(["node", "-e", script, str(path)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, text=True)
    port = int(p.stdout.readline())
    body = json.dumps({"TableName": "ItemsTable",
                       "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                       "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                       "BillingMode": "PAY_PER_REQUEST"})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/", body, {
        "X-Amz-Target": "DynamoDB_20120810.CreateTable",
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20200101T000000Z",
        "Authorization": "AWS4-HMAC-SHA256 Credential=k/20200101/us-east-1/dynamodb/"
                         "aws4_request, SignedHeaders=host;x-amz-date, Signature=00"})
    assert c.getresponse().status == 200
    return p, port


def c_app(work: pathlib.Path, build: pathlib.Path) -> pathlib.Path:
    """examples/items-api as sam build leaves it: template + .aws-sam/build/ItemsFunction."""
    app = work / "c"
    built = app / ".aws-sam" / "build" / "ItemsFunction"
    built.mkdir(parents=True)
    for f in ("template.yaml", "Makefile", "main.c"):
        shutil.copy(ROOT / "examples" / "items-api" / f, app / f)
    shutil.copy(build / "examples" / "items-api" / "bootstrap", built / "bootstrap")
    return app


def node_app(work: pathlib.Path, cache: pathlib.Path, ric: pathlib.Path) -> pathlib.Path:
    """bench/items-api-node with code/: index.js, the SDK and the RIC copied in (so that the
    code directory is whole under full isolation too), and a bootstrap that runs the RIC."""
    app = work / "node"
    code = app / "code"
    code.mkdir(parents=True)
    shutil.copy(ROOT / "bench" / "items-api-node" / "template.yaml", app / "template.yaml")
    shutil.copy(ROOT / "bench" / "items-api-node" / "index.js", code / "index.js")
    shutil.copytree(cache / "sdk" / "node_modules", code / "node_modules", symlinks=True)
    shutil.copytree(ric, code / "ric", symlinks=True,
                    ignore=shutil.ignore_patterns("npm-cache"))
    boot = code / "bootstrap"
    boot.write_text('#!/bin/sh\ncd "$LAMBDA_TASK_ROOT"\n'
                    'exec "$LAMBDA_TASK_ROOT/ric/node_modules/.bin/aws-lambda-ric" "$_HANDLER"\n')
    boot.chmod(0o755)
    return app


class Server:
    def __init__(self, clambda, app, state, memory, ddb_port, keep_warm, isolation):
        host = "127.0.0.1"
        args = []
        if isolation == "full":
            args = ["--allow-host-port", str(ddb_port)]
            host = "169.254.0.1"
        self.state = state
        self.p = subprocess.Popen(
            [str(clambda), "serve", "--template", str(app / "template.yaml"), "--listen",
             "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--state-dir", str(state),
             "--isolation", isolation, "--keep-warm", str(keep_warm),
             "--set", f"ItemsFunction.memory={memory}",
             "--set", f"ItemsFunction.env.AWS_ENDPOINT_URL_DYNAMODB=http://{host}:{ddb_port}"]
            + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.port = None
        for line in self.p.stdout:
            m = re.match(rb"clambda: APIs on http://[^ ]*:(\d+)$", line.strip())
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            die(f"clambda serve --template {app / 'template.yaml'} did not start")
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method, path, body=None):
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body)
        r = self.conn.getresponse()
        data = r.read()
        return (time.perf_counter() - t0) * 1e3, r.status, data

    def reports(self):
        text = "".join(p.read_text(errors="replace")
                       for p in sorted((self.state / "logs").rglob("*.log")))
        out = []
        for line in text.splitlines():
            if not line.startswith("REPORT "):
                continue
            f = dict(re.findall(r"([A-Za-z ]+): ([\d.]+)", line))
            out.append({k.strip(): float(v) for k, v in f.items()})
        return out

    def stop(self):
        self.conn.close()
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(60)


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def run(build, cold_runs, warm_runs):
    clambda = build / "clambda"
    if not clambda.exists() or not (build / "examples" / "items-api" / "bootstrap").exists():
        die(f"build {build}: cmake --build {build} --target clambda example_items-api_zip")
    cache = pathlib.Path(os.environ.get("BENCH_CACHE", build / "bench-npm"))
    isolation = os.environ.get("BENCH_ISOLATION", "none")
    dyn_path, ric = packages(cache)
    dyn, ddb_port = start_dynalite(dyn_path)
    work = pathlib.Path(tempfile.mkdtemp(prefix="items-bench-"))
    apps = {"C": c_app(work, build), "Node": node_app(work, cache, ric)}
    results = {}
    try:
        for mem in MEMORIES:
            # cold: a new environment per request
            srv = {k: Server(clambda, a, work / f"cold-{k}-{mem}", mem, ddb_port, 0, isolation)
                   for k, a in apps.items()}
            rtt = {k: [] for k in apps}
            for i in range(cold_runs):
                for k, s in srv.items():
                    ms, st, data = s.request("GET", f"/items/cold-{i}")
                    assert st == 404, (k, st, data)
                    rtt[k].append(ms)
                time.sleep(0.25)
            for k, s in srv.items():
                inits = [r["Init Duration"] for r in s.reports() if "Init Duration" in r]
                s.stop()
                if len(inits) != cold_runs:
                    die(f"{k}: {len(inits)} cold starts for {cold_runs} requests")
                results[(k, mem, "init")] = inits
                results[(k, mem, "cold_rtt")] = rtt[k]
            # warm: one environment each, back to back
            srv = {k: Server(clambda, a, work / f"warm-{k}-{mem}", mem, ddb_port, 300, isolation)
                   for k, a in apps.items()}
            for k, s in srv.items():
                ms, st, data = s.request("PUT", "/items/w?overwrite=1",
                                         json.dumps({"name": "warm", "price": 1.25}))
                assert st == 200, (k, st, data)
                for _ in range(5):
                    s.request("GET", "/items/w")
            rtt = {k: [] for k in apps}
            for _ in range(warm_runs):
                for k, s in srv.items():
                    ms, st, data = s.request("GET", "/items/w")
                    assert st == 200, (k, st, data)
                    rtt[k].append(ms)
            for k, s in srv.items():
                reps = s.reports()[-warm_runs:]
                s.stop()
                results[(k, mem, "warm_rtt")] = rtt[k]
                results[(k, mem, "duration")] = [r["Duration"] for r in reps]
                results[(k, mem, "billed")] = [r["Billed Duration"] for r in reps]
                results[(k, mem, "maxmem")] = max(r["Max Memory Used"] for r in s.reports())
    finally:
        dyn.terminate()
        dyn.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    report(results, cold_runs, warm_runs, isolation)


def report(res, cold_runs, warm_runs, isolation):
    print(f"items-api: C vs Node, clambda serve --isolation {isolation}, dynalite on loopback; "
          f"{cold_runs} cold starts and {warm_runs} warm GET /items/{{id}} each, interleaved")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    hdr = ("| memory | runtime | Init Duration p50 | cold request p50 | warm p50 | warm p99 "
           "| Duration p50 | Max Memory Used | billed GB-s / request | $ per 1M requests |")
    print(hdr)
    print("|---" * (hdr.count("|") - 1) + "|")
    for mem in MEMORIES:
        row = {}
        for k in ("C", "Node"):
            billed = statistics.mean(res[(k, mem, "billed")])
            gbs = billed / 1000 * mem / 1024
            cost = 1e6 * gbs * GBS_PRICE + REQ_PRICE
            row[k] = (statistics.median(res[(k, mem, "init")]), res[(k, mem, "maxmem")], gbs)
            print(f"| {mem} MB | {k} | {statistics.median(res[(k, mem, 'init')]):.1f} ms "
                  f"| {statistics.median(res[(k, mem, 'cold_rtt')]):.1f} ms "
                  f"| {statistics.median(res[(k, mem, 'warm_rtt')]):.2f} ms "
                  f"| {pct(res[(k, mem, 'warm_rtt')], 0.99):.2f} ms "
                  f"| {statistics.median(res[(k, mem, 'duration')]):.2f} ms "
                  f"| {res[(k, mem, 'maxmem')]:.0f} MB | {gbs:.7f} | {cost:.3f} |")
        c, n = row["C"], row["Node"]
        print(f"| {mem} MB | C / Node | {c[0] / n[0]:.3f} | | | | | {c[1] / n[1]:.3f} "
              f"| {c[2] / n[2]:.3f} | |")


def main():
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "release")
    cold = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    warm = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    run(build.resolve(), cold, warm)


if __name__ == "__main__":
    main()
