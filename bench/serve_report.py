# SPDX-License-Identifier: MIT
"""Turns bench/serve.sh's raw results into the markdown section of docs/performance.md:
medians over the runs, the floor of the same runs, ratios and verdicts against issue 3."""
import statistics
import sys
import time

path, runs, dur, cold, nenv, load_start, load_end = sys.argv[1:8]
rows = {}
for line in open(path):
    parts = line.split()
    key = (parts[0], parts[1])
    kv = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
    rows.setdefault(key, []).append(kv)


def med(kind, who, field):
    vals = [float(r[field]) for r in rows.get((kind, who), []) if r.get(field) not in (None, "")]
    return statistics.median(vals) if vals else float("nan")


def total(kind, who, field):
    return sum(int(r.get(field, 0) or 0) for r in rows.get((kind, who), []))


def verdict(ok):
    return "**met**" if ok else "**missed**"


out = []
w = out.append
w("## clambda serve (issue 3)\n")
w(f"Measured by `bench/serve.sh` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
  f"{runs} runs of each measurement, {dur} s per warm run, medians over the runs. "
  f"Load average (1/5/15 min) at start {load_start}, at end {load_end}; the machine (2 vCPUs) "
  "was shared with other jobs, so the floor is measured in the same run, interleaved, and the "
  "ratio is the stable figure.\n")
w("| Figure (median of runs) | Target | clambda serve | Floor, same runs | Ratio | Verdict |")
w("|---|---|---|---|---|---|")
for c in ("1", "16"):
    k = "warm" + c
    s50, f50 = med(k, "serve", "p50_us"), med(k, "floor", "p50_us")
    s99, f99 = med(k, "serve", "p99_us"), med(k, "floor", "p99_us")
    srps, frps = med(k, "serve", "rps"), med(k, "floor", "rps")
    errs = total(k, "serve", "errors")
    if c == "1":
        w(f"| warm invoke, echo, 1 conn: p50 | ≤ 250 µs | {s50:.1f} µs (p99 {s99:.1f}) | "
          f"{f50:.1f} µs (p99 {f99:.1f}) | {s50 / f50:.2f} | {verdict(s50 <= 250)} |")
        w(f"| warm invoke, echo, 1 conn: throughput | ≥ 4,500/s | {srps:,.0f}/s | "
          f"{frps:,.0f}/s | {srps / frps:.2f} | {verdict(srps >= 4500)} |")
    else:
        w(f"| warm invoke, echo, 16 conns: throughput | ≥ 10,000/s, 0 errors | {srps:,.0f}/s, "
          f"{errs} errors (p50 {s50:.0f} µs, p99 {s99:.0f} µs) | {frps:,.0f}/s "
          f"(p50 {f50:.0f} µs) | {srps / frps:.2f} | {verdict(srps >= 10000 and errs == 0)} |")
c50, cinit = med("cold", "serve", "p50_us"), med("cold", "serve", "init_ms")
c90 = med("cold", "serve", "p90_us")
cf = med("cold", "floor", "p50_us")
cerr = total("cold", "serve", "errors")
w(f"| cold start, hello, spawn → response: p50 | ≤ 2 ms | {c50 / 1000:.2f} ms (p90 "
  f"{c90 / 1000:.2f}; Init Duration p50 {cinit:.2f} ms; {cerr} errors) | {cf:.1f} µs (warm "
  f"two hops) | {c50 / cf:.1f} | {verdict(c50 <= 2000 and cerr == 0)} |")
n50, n90 = med("coldnew", "serve", "p50_us"), med("coldnew", "serve", "p90_us")
w(f"| first invoke of a new function, hello (info) | — | {n50 / 1000:.2f} ms (p90 "
  f"{n90 / 1000:.2f}; {total('coldnew', 'serve', 'errors')} errors) | — | — | |")
base, full = med("rss", "serve", "base_kb"), med("rss", "serve", "full_kb")
envs, envs2 = med("rss", "serve", "envs"), med("rss", "serve", "envs_after")
per = (full - base) / float(nenv)
rt = med("rss", "serve", "rt_rss_kb") / max(envs, 1)
rtp = med("rss", "serve", "rt_pss_kb") / max(envs, 1)
rerr = total("rss", "serve", "again_errors") + total("rss", "serve", "fill_errors")
held = envs >= int(nenv) and envs2 == envs and rerr == 0
w(f"| server RSS per idle warm environment | ≤ 64 KB | {per:.1f} KiB ({base:.0f} → "
  f"{full:.0f} KiB for {nenv}) | — | — | {verdict(per <= 64)} |")
w(f"| warm environments held | {nenv} | {envs:.0f} live, {envs2:.0f} after a second pass, "
  f"{rerr} errors | — | — | {verdict(held)} |")
w(f"| runtime process per environment (info) | — | RSS {rt:.0f} KiB, PSS {rtp:.0f} KiB | — | "
  "— | |")
w(f"| server CPU per warm invoke (info) | — | {med('warm1', 'serve', 'cpu_us'):.0f} µs at 1 "
  f"conn, {med('warm16', 'serve', 'cpu_us'):.0f} µs at 16 | — | — | |")
sys_rows = rows.get(("sys", "serve"))
if sys_rows:
    calls = {k: float(v) for k, v in sys_rows[0].items()}
    detail = ", ".join(f"{k} {v:.2f}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1])
                       if k != "total" and v >= 0.01)
    w(f"| server system calls per warm invoke (info) | — | {calls.get('total', 0):.1f}: {detail} "
      "| — | — | |")
o50, orps = med("warm1", "onehop", "p50_us"), med("warm1", "onehop", "rps")
w(f"| one HTTP hop, 1 conn (info) | — | — | {o50:.1f} µs, {orps:,.0f}/s | — | |")
w("")
print("\n".join(out))
