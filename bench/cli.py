#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmarks the developer's commands of issue 13 and prints a Markdown table for
docs/performance.md, each figure beside a floor measured in the same run:
  - `clambda watch`: from a file save to the first answer of the new code, p50 of 20 saves of
    the `clambda new` template's handler.c (isolation none); floor: the compiler runs of such a
    rebuild alone (handler.c to an object, the static link with the kept objects: the commands
    the build runs) plus a warm invoke;
  - `clambda build --release --output-format zip` when nothing changed, p50 of 20; floor: the
    process start of `clambda --version`;
  - the template's arm64 bootstrap size (`clambda build --release --arm64`), beside the same
    sources linked with static glibc (Debian's cross gcc) and the x86_64 musl build.
Usage: bench/cli.py [BUILD_DIR]   (default build/release; any build with the clambda binary)"""

import glob
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, sys.argv[1] if len(sys.argv) > 1 else "build/release")
CLAMBDA = os.path.join(BUILD, "clambda")
SAVES = 20


def run(*args, cwd=None, check=True):
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        sys.exit(f"bench/cli.py: {' '.join(map(str, args))} failed:\n{r.stdout}\n{r.stderr}")
    return r


def timed(fn, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def invoke(port, name, event):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("POST", f"/2015-03-31/functions/{name}/invocations", body=json.dumps(event))
        return c.getresponse().read()
    finally:
        c.close()


def bench_watch(proj):
    """(p50 save->answer, p50 compile floor, p50 warm invoke), in ms."""
    p = subprocess.Popen([CLAMBDA, "watch", "--listen", "127.0.0.1:0", "--isolation", "none"],
                         cwd=proj, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = []
    ready = threading.Event()

    def pump():
        for line in iter(p.stdout.readline, ""):
            lines.append(line)
            if "serving in" in line:
                ready.set()
    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(120):
        p.kill()
        sys.exit("bench/cli.py: clambda watch did not start:\n" + "".join(lines))
    port = int(re.search(r"Invoke API: +http://127\.0\.0\.1:(\d+)", "".join(lines)).group(1))
    src = os.path.join(proj, "src", "handler.c")
    text = open(src).read()
    lat = []
    try:
        for i in range(SAVES):
            want = f"Save {i}, %s!"
            new = re.sub(r'"[A-Za-z0-9 ,]+, %s!', '"' + want, text, count=1)
            t0 = time.perf_counter()
            with open(src, "w") as f:
                f.write(new)
            expect = f"Save {i}, Ada!".encode()
            while expect not in invoke(port, "bench", {"name": "Ada"}):
                time.sleep(0.002)
            lat.append((time.perf_counter() - t0) * 1e3)
            time.sleep(0.3)
        warm = timed(lambda: invoke(port, "bench", {"name": "Ada"}), 50)
    finally:
        p.terminate()
        p.wait(30)
    # the floor: the compiler runs a rebuild makes, alone (handler.c to its object, then the
    # static link with main.c's and libclambda's kept objects)
    objdir = os.path.join(proj, "target/lambda/.lib/x86_64-debug")
    objs = sorted(glob.glob(os.path.join(objdir, "*.o")))
    cflags = ["-std=c11", "-D_GNU_SOURCE", "-DCLAMBDA_BUILDING", "-fvisibility=hidden", "-Wall",
              "-Wextra", "-O0", "-g", f"-I{proj}/src", f"-I{ROOT}/include",
              f"-I{ROOT}/src/common", f"-I{ROOT}/src/runtime",
              f"-I{proj}/target/lambda/.include"]
    hobj = os.path.join(proj, "floor_handler.o")

    def compile_floor():
        run("musl-gcc", *cflags, "-c", "-o", hobj, src)
        run("musl-gcc", "-static", "-o", os.path.join(proj, "floor.bin"), hobj,
            os.path.join(objdir, "project", "main.o"), *objs)
    floor = timed(compile_floor, 10)
    return statistics.median(lat), max(lat), statistics.median(floor), statistics.median(warm)


def bench_noop(proj):
    run(CLAMBDA, "build", "--release", "--output-format", "zip", cwd=proj)
    t = timed(lambda: run(CLAMBDA, "build", "--release", "--output-format", "zip", cwd=proj), 20)
    v = timed(lambda: run(CLAMBDA, "--version"), 20)
    return statistics.median(t), max(t), statistics.median(v)


def bench_arm64(proj):
    """(musl arm64 size, libc used, static glibc arm64 size, x86_64 musl size)."""
    run(CLAMBDA, "build", "--release", "--arm64", cwd=proj)
    out = os.path.join(proj, "target/lambda/bench")
    arm = os.path.getsize(os.path.join(out, "bootstrap"))
    libc = re.search(r"^libc=(\w+)", open(os.path.join(out, ".clambda-build")).read(), re.M)
    glibc = None
    if shutil.which("aarch64-linux-gnu-gcc"):
        dst = os.path.join(proj, "glibc.bin")
        run("aarch64-linux-gnu-gcc", "-std=c11", "-D_GNU_SOURCE", "-DCLAMBDA_BUILDING",
            "-fvisibility=hidden", "-Os", "-ffunction-sections", "-fdata-sections",
            f"-I{proj}/src", f"-I{ROOT}/include", f"-I{ROOT}/src/common",
            f"-I{ROOT}/src/runtime", f"-I{proj}/target/lambda/.include", "-static",
            "-Wl,--gc-sections", "-s", "-o", dst,
            *sorted(glob.glob(os.path.join(proj, "src", "*.c"))),
            *sorted(glob.glob(os.path.join(ROOT, "src/common/*.c"))),
            *sorted(glob.glob(os.path.join(ROOT, "src/runtime/*.c"))))
        glibc = os.path.getsize(dst)
    run(CLAMBDA, "build", "--release", cwd=proj)
    x86 = os.path.getsize(os.path.join(out, "bootstrap"))
    return arm, libc.group(1) if libc else "?", glibc, x86


def main():
    if not os.access(CLAMBDA, os.X_OK):
        sys.exit(f"bench/cli.py: {CLAMBDA} is not built")
    with tempfile.TemporaryDirectory() as tmp:
        run(CLAMBDA, "new", "bench", cwd=tmp)
        proj = os.path.join(tmp, "bench")
        w = bench_watch(proj)
        n = bench_noop(proj)
        a = bench_arm64(proj)
    load = open("/proc/loadavg").read().split()[:3]
    print(f"Measured by `bench/cli.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.path.basename(BUILD)} build, {os.cpu_count()} CPUs "
          f"({platform.machine()}), load average {' '.join(load)}.\n")
    print("| Figure | Target | Measured | Floor (same run) | Verdict |")
    print("|---|---|---|---|---|")
    floor = w[2] + w[3]
    print(f"| `watch`: save to first answer of the new code, p50 of {SAVES} saves | ≤ 300 ms | "
          f"{w[0]:.0f} ms (max {w[1]:.0f}) | compile {w[2]:.0f} ms + warm invoke {w[3]:.1f} ms "
          f"= {floor:.0f} ms (ratio {w[0] / floor:.1f}) | "
          f"**{'met' if w[0] <= 300 else 'missed'}** |")
    print(f"| `build --release --output-format zip`, nothing changed, p50 of 20 | ≤ 1 s | "
          f"{n[0]:.1f} ms (max {n[1]:.1f}) | `clambda --version` {n[2]:.1f} ms | "
          f"**{'met' if n[0] <= 1000 else 'missed'}** |")
    glibc = f"static glibc {a[2]:,} B ({a[2] / a[0]:.1f}x)" if a[2] else "no glibc cross gcc"
    print(f"| template bootstrap for arm64 (`--release --arm64`, {a[1]}) | ≤ 150 KB | "
          f"{a[0]:,} B ({a[0] / 1024:.0f} KB) | {glibc}; x86_64 musl {a[3]:,} B | "
          f"**{'met' if a[0] <= 150 * 1024 else 'missed'}** |")


if __name__ == "__main__":
    main()
