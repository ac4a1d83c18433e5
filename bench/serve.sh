#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmarks `clambda serve` against the two-hop echo floor (bench/echo_floor.c) and writes
# the "clambda serve" section of docs/performance.md (between the serve-bench markers).
#   bench/serve.sh                     5 runs of every measurement (about 2 minutes)
#   RUNS=3 DUR=2 bench/serve.sh        fewer/shorter runs
#   NO_DOC=1 bench/serve.sh            print only, leave the doc alone
# Measurements, each repeated RUNS times, floor and clambda interleaved in every run:
#   warm1   warm sync invokes of examples/echo on 1 keep-alive connection, DUR seconds
#   warm16  the same on 16 connections
#   cold    COLD invokes of examples/hello, its environment killed before each one, so every
#           request spawns a new one; client-side time, nothing subtracted. Also (info) the
#           first invoke of COLD distinct functions (copies of hello).
#   rss     server RSS with 1,000 warm idle environments minus with none, / 1,000
# BUILD_DIR selects another configured tree (default build/release); CLAMBDA_BIN and
# EXAMPLES_DIR another server binary and examples (an older build, to compare). ISOLATION
# (default none: the targets are for plain child processes) is passed as --isolation;
# ISOLATION=full measures with the sandbox (root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build/release}
RUNS=${RUNS:-5}
DUR=${DUR:-3}
COLD=${COLD:-100}
NENV=${NENV:-1000}
ISOLATION=${ISOLATION:-none}
SERVE_ARGS=${SERVE_ARGS:-} # e.g. "--cpu-affinity none": more server options
[ -f "$build/CMakeCache.txt" ] || cmake --preset release >/dev/null
cmake --build "$build" -j2 --target clambda loadgen echo_floor example_echo_zip \
    example_hello_zip >/dev/null

lg=$build/bench/loadgen
ef=$build/bench/echo_floor
ex=${EXAMPLES_DIR:-$root/$build/examples}
server=${CLAMBDA_BIN:-$build/clambda}
source "$root/bench/lib.sh"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# start_floor: leaf + relay; sets FLOOR_PORT (relay) and LEAF_PORT.
start_floor() {
    "$ef" -p 0 >"$tmp/leaf" & pids+=($!)
    "$ef" -p 0 -U "$(wait_port "$tmp/leaf")" >"$tmp/relay" & pids+=($!)
    LEAF_PORT=$(wait_port "$tmp/leaf")
    FLOOR_PORT=$(wait_port "$tmp/relay")
}
# start_serve NAME ARGS...: starts clambda serve; sets SERVE_PORT and SERVE_PID.
start_serve() {
    local name=$1
    shift
    rm -rf "$tmp/state-$name"
    # A soft limit of 1024 open files, as most shells give: the server raises it by itself.
    (ulimit -Sn 1024 && exec "$server" serve --listen 127.0.0.1:0 --isolation "$ISOLATION" \
        --state-dir "$tmp/state-$name" $SERVE_ARGS "$@") >"$tmp/$name.out" 2>"$tmp/$name.err" &
    SERVE_PID=$!
    pids+=("$SERVE_PID")
    SERVE_PORT=$(wait_port "$tmp/$name.out")
}
stop_serve() {
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
}
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
# kv LINE KEY: the value of KEY=... in a loadgen line.

invoke_path=/2015-03-31/functions/echo/invocations
body='{"msg":"hello","n":1}'
out=$tmp/results
: >"$out"
echo "== clambda serve bench, $(date -u '+%Y-%m-%d %H:%M UTC'), loadavg at start: $load_start"
echo "   $(uname -srm); $(nproc) CPUs; RUNS=$RUNS DUR=${DUR}s COLD=$COLD NENV=$NENV" \
    "ISOLATION=$ISOLATION"

start_floor
start_serve warm --function echo="$ex/echo" --function hello="$ex/hello"
# Warm-up: the environment starts and the caches fill.
"$lg" -p "$SERVE_PORT" -n 2000 -u "$invoke_path" -b "$body" >/dev/null
"$lg" -p "$FLOOR_PORT" -n 2000 -u /echo -b "$body" >/dev/null
for r in $(seq "$RUNS"); do
    for c in 1 16; do
        f=$("$lg" -p "$FLOOR_PORT" -c $c -d "$DUR" -w 50 -u /echo -b "$body" || true)
        t0=$(cpu_ticks "$SERVE_PID")
        s=$("$lg" -p "$SERVE_PORT" -c $c -d "$DUR" -w 50 -u "$invoke_path" -b "$body" || true)
        t1=$(cpu_ticks "$SERVE_PID")
        s="$s cpu_us=$(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) / $(kv "$s" requests) ))"
        o=$("$lg" -p "$LEAF_PORT" -c $c -d 1 -w 50 -u /echo -b "$body" || true)
        echo "warm$c run$r floor: $f"
        echo "warm$c run$r serve: $s"
        echo "warm$c floor $f" >>"$out"
        echo "warm$c serve $s" >>"$out"
        echo "warm$c onehop $o" >>"$out"
    done
done
# System calls per warm invoke (deterministic, unlike the timings): strace -c, 2,000 invokes.
if command -v strace >/dev/null; then
    strace -c -f -p "$SERVE_PID" -o "$tmp/strace" & st=$!
    sleep 0.5
    "$lg" -p "$SERVE_PORT" -n 2000 -u "$invoke_path" -b "$body" >/dev/null || true
    sleep 0.2
    kill -INT $st; wait $st || true
    awk '$1 ~ /^[0-9.]+$/ && NF >= 5 {printf "%s=%.2f ", $NF, $4 / 2000} END {print ""}' \
        "$tmp/strace" >"$tmp/sys"
    echo "syscalls per invoke: $(cat "$tmp/sys")"
    echo "sys serve $(cat "$tmp/sys")" >>"$out"
fi
stop_serve
echo "   server: $(grep -c . "$tmp/warm.err" || true) stderr lines"

# Cold: one function; before each sample its environment is killed (SIGKILL to the runtime,
# by pid) and reaped, so the invoke spawns a new one. Client-side time, nothing subtracted.
# coldnew: the first invoke of COLD distinct functions (also creates their log directories).
fargs=()
for i in $(seq 0 $((COLD - 1))); do fargs+=(--function "h$i=$ex/hello"); done
hello_path=/2015-03-31/functions/hello/invocations
for r in $(seq "$RUNS"); do
    start_serve cold --function hello="$ex/hello" "${fargs[@]}"
    "$lg" -p "$SERVE_PORT" -n 1 -u "$hello_path" -b "$body" >/dev/null
    : >"$tmp/cold-lat"
    errs=0
    for _ in $(seq "$COLD"); do
        kids=$(pgrep -P "$SERVE_PID" || true)
        [ -n "$kids" ] && kill -9 $kids
        for _ in $(seq 400); do pgrep -P "$SERVE_PID" >/dev/null || break; sleep 0.005; done
        one=$("$lg" -p "$SERVE_PORT" -n 1 -u "$hello_path" -b "$body" || true)
        kv "$one" p50_us >>"$tmp/cold-lat"
        errs=$((errs + $(kv "$one" errors)))
    done
    new=$("$lg" -p "$SERVE_PORT" -c 1 -n "$COLD" -u "/2015-03-31/functions/h%d/invocations" \
        -b "$body" || true)
    f=$("$lg" -p "$FLOOR_PORT" -c 1 -n "$COLD" -u /echo -b "$body" || true)
    stop_serve
    init=$(cat "$tmp"/state-cold/logs/hello/*/*/*/*.log |
        sed -n 's/.*Init Duration: \([0-9.]*\) ms.*/\1/p' | sort -n |
        awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    p50=$(sort -n "$tmp/cold-lat" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    p90=$(sort -n "$tmp/cold-lat" | awk '{a[NR]=$1} END {print a[int(NR*0.9+0.5)]}')
    echo "cold run$r serve: p50_us=$p50 p90_us=$p90 errors=$errs init_p50_ms=$init"
    echo "cold run$r new functions: $new"
    echo "cold serve p50_us=$p50 p90_us=$p90 errors=$errs init_ms=$init" >>"$out"
    echo "coldnew serve $new" >>"$out"
    echo "cold floor $f" >>"$out"
done

# RSS: NENV functions (copies of echo) each invoked once, so NENV environments stay warm.
fargs=()
for i in $(seq 0 $((NENV - 1))); do fargs+=(--function "e$i=$ex/echo"); done
for r in $(seq "$RUNS"); do
    start_serve rss --max-concurrency $((NENV + 10)) "${fargs[@]}"
    "$lg" -p "$SERVE_PORT" -n 1 -u /2015-03-31/functions/e0/invocations -b "$body" >/dev/null
    sleep 0.3
    base=$(rss_kb "$SERVE_PID")
    fill=$("$lg" -p "$SERVE_PORT" -c 1 -n "$NENV" -u "/2015-03-31/functions/e%d/invocations" \
        -b "$body" || true)
    sleep 0.5
    full=$(rss_kb "$SERVE_PID")
    kids=$(pgrep -P "$SERVE_PID" | wc -l)
    rt_rss=0
    rt_pss=0
    for k in $(pgrep -P "$SERVE_PID"); do
        rt_rss=$((rt_rss + $(rss_kb "$k")))
        rt_pss=$((rt_pss + $(sed -n 's/^Pss:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$k/smaps_rollup")))
    done
    # Second pass: every environment must answer warm (no new process, no error).
    again=$("$lg" -p "$SERVE_PORT" -c 16 -n "$NENV" -u "/2015-03-31/functions/e%d/invocations" \
        -b "$body" || true)
    kids2=$(pgrep -P "$SERVE_PID" | wc -l)
    stop_serve
    echo "rss run$r: base=${base}kB full=${full}kB envs=$kids/$kids2 runtime_rss=${rt_rss}kB" \
        "runtime_pss=${rt_pss}kB fill: $fill again: $again"
    echo "rss serve base_kb=$base full_kb=$full envs=$kids envs_after=$kids2 rt_rss_kb=$rt_rss" \
        "rt_pss_kb=$rt_pss again_errors=$(kv "$again" errors)" \
        "fill_errors=$(kv "$fill" errors) again_p50_us=$(kv "$again" p50_us)" >>"$out"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# Medians, ratios, verdicts, and the doc section.
/usr/bin/python3 "$root/bench/serve_report.py" "$out" "$RUNS" "$DUR" "$COLD" "$NENV" \
    "$load_start" "$load_end" "$ISOLATION" >"$tmp/section.md"
cat "$tmp/section.md"
bench_doc_section serve-bench "$tmp/section.md"
