#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Small warm invokes while another client sends 6 MB payloads: what a large payload costs the
# invocations that share the server's loop with it. Prints, for an old and a new build of
# `clambda serve` alternating within every run, the small invokes' p50/p99 alone and while
# 6 MB invokes run, and the 6 MB invokes' rate. Never a test: figures for docs/performance.md.
#   bench/payload.sh                         5 runs, 3 s per measurement (about 2 minutes)
#   RUNS=3 DUR=2 bench/payload.sh            shorter
#   OLD=path/to/clambda OLD_EX=path/to/examples bench/payload.sh
#   BIG_EVERY=2 DUR=10 bench/payload.sh      one 6 MB invoke every 2 s (both builds do the same
#                                            big work, so the small invokes' p99 compare)
# Without OLD, the release build of OLD_REV (default 2724325: before the route table and the
# thread-pool checks) is made in a temporary git worktree; NEW is this tree's release build.
# Small: examples/echo, a 22-byte event, one keep-alive connection (bench/loadgen); alone the
# first 50 responses are not counted, next to the big ones every response is. Big: examples/echo with a 6 MB JSON document (an array of small
# objects, the shape that costs a parser most), one keep-alive connection, back to back, from a
# Python client; its response (the same 6 MB) is read in full.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build/release}
RUNS=${RUNS:-5}
DUR=${DUR:-3}
OLD_REV=${OLD_REV:-2724325}
BIG_EVERY=${BIG_EVERY:-0}
[ -f "$build/CMakeCache.txt" ] || cmake --preset release >/dev/null
cmake --build "$build" -j2 --target clambda loadgen example_echo_zip >/dev/null
NEW=$root/$build/clambda
NEW_EX=$root/$build/examples
lg=$build/bench/loadgen

source "$root/bench/lib.sh"
bench_on_exit() {
    if [ -d "$tmp/old" ]; then git worktree remove --force "$tmp/old" >/dev/null 2>&1 || true; fi
}
if [ -z "${OLD:-}" ]; then
    echo "payload.sh: building $OLD_REV (release) in a temporary worktree" >&2
    git worktree add --detach "$tmp/old" "$OLD_REV" >/dev/null 2>&1
    (cd "$tmp/old" && cmake --preset release >/dev/null &&
        cmake --build --preset release -j2 --target clambda example_echo_zip >/dev/null)
    OLD=$tmp/old/build/release/clambda
fi
OLD_EX=${OLD_EX:-$(dirname "$OLD")/examples}
[ -x "$OLD" ] || { echo "payload.sh: no old build at $OLD (set OLD=)" >&2; exit 2; }

# The big client: 6 MB invokes back to back on one connection until SIGTERM, then one line.
cat >"$tmp/big.py" <<'EOF'
import json, signal, socket, sys, time
port = int(sys.argv[1])
every = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0  # seconds between starts; 0: back to back
item = {"id": 123456, "name": "item-123456", "tags": ["alpha", "beta"], "score": 1.5,
        "ok": True, "note": None}
n = (6291456 - 64) // (len(json.dumps(item, separators=(",", ":"))) + 1)
body = json.dumps([item] * n, separators=(",", ":")).encode()
assert len(body) < 6291456
req = (b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\n"
       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
s = socket.create_connection(("127.0.0.1", port))
done, errors, t0 = 0, 0, time.monotonic()
buf = b""
next_at = time.monotonic()
while not stop:
    try:
        if every > 0:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += every
            if stop:
                break
        s.sendall(req)
        while b"\r\n\r\n" not in buf:
            buf += s.recv(1 << 20)
        head, _, buf = buf.partition(b"\r\n\r\n")
        clen = int(next(l.split(b":")[1] for l in head.split(b"\r\n")
                        if l.lower().startswith(b"content-length:")))
        while len(buf) < clen:
            buf += s.recv(1 << 20)
        out, buf = buf[:clen], buf[clen:]
        if not head.startswith(b"HTTP/1.1 200") or out != body:
            errors += 1
        done += 1
    except InterruptedError:
        break
secs = time.monotonic() - t0
print(f"big={done} errors={errors} bytes={len(body)} rate={done / secs:.2f}/s", flush=True)
EOF


path=/2015-03-31/functions/echo/invocations
small='{"msg":"hello","n":1}'
out=$tmp/results
: >"$out"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== payload bench, $(date -u '+%Y-%m-%d %H:%M UTC'), loadavg at start: $load_start"
echo "   $(uname -srm); $(nproc) CPUs; RUNS=$RUNS DUR=${DUR}s; old=$OLD new=$NEW"
for r in $(seq "$RUNS"); do
    for which in old new; do
        if [ $which = old ]; then bin=$OLD ex=$OLD_EX; else bin=$NEW ex=$NEW_EX; fi
        rm -rf "$tmp/state"
        "$bin" serve --listen 127.0.0.1:0 --isolation none --state-dir "$tmp/state" \
            --function echo="$ex/echo" --set echo.timeout=60 >"$tmp/serve.out" 2>"$tmp/serve.err" &
        spid=$!
        pids+=("$spid")
        port=$(wait_port "$tmp/serve.out")
        "$lg" -p "$port" -n 2000 -u "$path" -b "$small" >/dev/null
        alone=$("$lg" -p "$port" -c 1 -d "$DUR" -w 50 -u "$path" -b "$small" || true)
        /usr/bin/python3 "$tmp/big.py" "$port" "$BIG_EVERY" >"$tmp/big.out" &
        bpid=$!
        sleep 1 # the big client has built its 6 MB and sent its first invokes
        busy=$("$lg" -p "$port" -c 1 -d "$DUR" -w 0 -u "$path" -b "$small" || true)
        kill -TERM "$bpid"
        wait "$bpid" || true
        big=$(cat "$tmp/big.out")
        kill "$spid"
        wait "$spid" 2>/dev/null || true
        echo "run$r $which alone: $alone"
        echo "run$r $which busy:  $busy"
        echo "run$r $which big:   $big"
        echo "$which alone $alone" >>"$out"
        echo "$which busy $busy" >>"$out"
        echo "$which big $big" >>"$out"
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 - "$out" "$RUNS" "$DUR" "$load_start" "$load_end" <<'EOF'
import statistics, sys
path, runs, dur, l0, l1 = sys.argv[1:6]
rows = {}
for line in open(path):
    which, kind, *kvs = line.split()
    d = dict(kv.split("=", 1) for kv in kvs if "=" in kv)
    rows.setdefault((which, kind), []).append(d)
def med(which, kind, key):
    v = [float(d[key].rstrip("/s")) for d in rows.get((which, kind), []) if key in d]
    return statistics.median(v) if v else float("nan")
def rng(which, kind, key):
    v = [float(d[key].rstrip("/s")) for d in rows.get((which, kind), []) if key in d]
    return f"{min(v):.0f}–{max(v):.0f}" if v else "?"
print(f"\nMedians of {runs} runs, {dur} s each; load average {l0} at start, {l1} at end.\n")
print("| Build | small alone: p50 / p99 / p99.9 / max | small with 6 MB invokes: p50 / p99 / "
      "p99.9 / max | small invokes/s alone / busy | 6 MB invokes/s | errors |")
print("|---|---|---|---|---|---|")
def lat(which, kind):
    return " / ".join(f"{med(which, kind, k) / 1000:.2f}" for k in
                      ("p50_us", "p99_us", "p999_us", "max_us")) + " ms"
for which in ("old", "new"):
    errs = sum(int(d.get("errors", 0)) for k in ("alone", "busy", "big")
               for d in rows.get((which, k), []))
    print(f"| {which} | {lat(which, 'alone')} | {lat(which, 'busy')} | "
          f"{med(which, 'alone', 'rps'):.0f} / {med(which, 'busy', 'rps'):.0f} | "
          f"{med(which, 'big', 'rate'):.2f} | {errs} |")
EOF
