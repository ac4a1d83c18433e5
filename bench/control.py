#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmarks the control plane of `clambda serve` (issue 5's targets) and prints a Markdown
table for docs/performance.md:
  - CreateFunction of a 1 MB zip (1 MB of incompressible data, stored), median of N;
  - ListFunctions over 1,000 functions: every page (MaxItems 50, NextMarker), median of runs;
  - warm invoke latency of examples/echo on one connection (bench/loadgen), alone and while
    another connection creates 1 MB functions without pause: the control plane must not block
    invocations (ratio of p50 and p99).
Usage: bench/control.py [BUILD_DIR]   (default build/release, built with its bench targets)"""

import base64
import http.client
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, sys.argv[1] if len(sys.argv) > 1 else "build/release")
ROLE = "arn:aws:iam::000000000000:role/bench"


def make_zip(extra: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        with open(os.path.join(BUILD, "examples/echo/bootstrap"), "rb") as f:
            z.writestr(info, f.read())
        if extra:
            z.writestr("data.bin", os.urandom(extra))
    return buf.getvalue()


def create_body(name: str, zip_bytes: bytes) -> bytes:
    return json.dumps({"FunctionName": name, "Runtime": "provided.al2023", "Handler": "x",
                       "Role": ROLE,
                       "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()}}).encode()


def request(conn, method, path, body=None):
    conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def start_server(state):
    proc = subprocess.Popen([os.path.join(BUILD, "clambda"), "serve", "--listen", "127.0.0.1:0",
                             "--state-dir", state, "--isolation", "none", "--max-concurrency",
                             "64", "--function",
                             "echo=" + os.path.join(BUILD, "examples/echo")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    port = int(re.search(r":(\d+)$", line.strip()).group(1))
    return proc, port


def bench_create(port, n=20):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for i in range(n):
        body = create_body(f"big{i}", make_zip(1024 * 1024 - 4096))
        t0 = time.perf_counter()
        st, out = request(conn, "POST", "/2015-03-31/functions", body)
        times.append((time.perf_counter() - t0) * 1000)
        assert st == 201, (st, out[:200])
    return statistics.median(times), max(times), len(body)


def bench_list(port, runs=7):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    small = make_zip(0)
    st, out = request(conn, "GET", "/2015-03-31/functions?MaxItems=1")
    have = 0
    for i in range(1000):
        st, out = request(conn, "POST", "/2015-03-31/functions", create_body(f"f{i:04d}", small))
        assert st == 201, (st, out[:200])
        have += 1
    totals, counts = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        marker, n = None, 0
        while True:
            path = "/2015-03-31/functions?MaxItems=50" + (f"&Marker={marker}" if marker else "")
            st, out = request(conn, "GET", path)
            page = json.loads(out)
            n += len(page["Functions"])
            marker = page.get("NextMarker")
            if not marker:
                break
        totals.append((time.perf_counter() - t0) * 1000)
        counts.append(n)
    return statistics.median(totals), counts[0]


def loadgen(port, seconds=3):
    out = subprocess.run([os.path.join(BUILD, "bench/loadgen"), "-p", str(port), "-c", "1",
                          "-d", str(seconds), "-w", "200", "-m", "POST", "-u",
                          "/2015-03-31/functions/echo/invocations", "-b", '{"k":1}'],
                         capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out)}


def bench_interference(port):
    alone = loadgen(port)
    stop = threading.Event()
    made = [0]

    def creator():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        z = make_zip(1024 * 1024 - 4096)
        i = 0
        while not stop.is_set():
            st, _ = request(conn, "POST", "/2015-03-31/functions", create_body(f"busy{i}", z))
            made[0] += st == 201
            i += 1

    t = threading.Thread(target=creator)
    t.start()
    time.sleep(0.3)
    busy = loadgen(port)
    stop.set()
    t.join()
    return alone, busy, made[0]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_server(os.path.join(tmp, "s1"))
        try:
            create_p50, create_max, body_len = bench_create(port)
            alone, busy, made = bench_interference(port)
        finally:
            proc.terminate()
            proc.wait(30)
        proc, port = start_server(os.path.join(tmp, "s2"))
        try:
            list_ms, n = bench_list(port)
        finally:
            proc.terminate()
            proc.wait(30)
    load = open("/proc/loadavg").read().split()[:3]
    print(f"Measured by `bench/control.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
          f", release build, load average {' '.join(load)}.\n")
    print("| Figure | Target | Measured | Verdict |")
    print("|---|---|---|---|")
    print(f"| CreateFunction, 1 MB zip ({body_len:,} bytes of JSON): p50 of 20 | ≤ 50 ms | "
          f"{create_p50:.1f} ms (max {create_max:.1f}) | "
          f"{'**met**' if create_p50 <= 50 else 'missed'} |")
    print(f"| ListFunctions, all {n} functions (pages of 50): median of 7 | ≤ 20 ms | "
          f"{list_ms:.1f} ms | {'**met**' if list_ms <= 20 else 'missed'} |")
    ratio50 = busy["p50_us"] / alone["p50_us"]
    ratio99 = busy["p99_us"] / alone["p99_us"]
    blocked = ratio50 > 1.5 or ratio99 > 3 or busy["rps"] < 0.5 * alone["rps"]
    print(f"| warm invoke p50 / p99, alone | — | {alone['p50_us']:.0f} / {alone['p99_us']:.0f} µs"
          f" ({alone['rps']:.0f}/s) | |")
    print(f"| the same while 1 MB functions are created without pause ({made} created) | "
          f"unchanged | {busy['p50_us']:.0f} / {busy['p99_us']:.0f} µs "
          f"({busy['rps']:.0f}/s), ratios p50 {ratio50:.2f}, p99 {ratio99:.0f} | "
          f"{'missed: invocations wait while a zip is extracted' if blocked else '**met**'} |")


if __name__ == "__main__":
    main()
