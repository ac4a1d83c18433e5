#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Before/after for the warm 1-connection invoke: an older server binary (BASE_BIN, e.g. built
# from an earlier commit) and this tree's, started side by side and measured in alternating
# rounds with the one-hop and two-hop floors (bench/echo_floor), so that the load of a shared
# machine falls on both alike. Prints one line per round; compare the medians of the ratios.
#   BASE_BIN=/path/to/old/clambda bench/serve_ab.sh      7 rounds of 2 s per measurement
#   RUNS=5 DUR=3 BASE_BIN=... bench/serve_ab.sh
# Per round: invokes/s of each server (and p50), their ratio to the one hop, server CPU per
# invoke (µs, from /proc/<pid>/stat over the round), new/base throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/release}
RUNS=${RUNS:-7}
DUR=${DUR:-2}
: "${BASE_BIN:?set BASE_BIN to the server binary to compare with}"
[ -f "$build/CMakeCache.txt" ] || cmake --preset release >/dev/null
cmake --build "$build" -j2 --target clambda loadgen echo_floor example_echo_zip >/dev/null
lg=$build/bench/loadgen
ef=$build/bench/echo_floor
ex=$PWD/$build/examples
root=$PWD
source "$root/bench/lib.sh"
ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }
# cpu_us TICKS_BEFORE PID RESULT: server CPU per invoke in µs over the round.
cpu_us() {
    python3 -c "print(round(($(cpu_ticks "$2") - $1) * 1e6 / $(getconf CLK_TCK) / \
        ($(kv "$3" rps) * $DUR), 1))"
}

"$ef" -p 0 >"$tmp/leaf" & pids+=($!)
"$ef" -p 0 -U "$(wait_port "$tmp/leaf")" >"$tmp/relay" & pids+=($!)
leaf=$(wait_port "$tmp/leaf")
relay=$(wait_port "$tmp/relay")
"$BASE_BIN" serve --listen 127.0.0.1:0 --isolation none --state-dir "$tmp/sa" \
    --function echo="$ex/echo" >"$tmp/a.out" 2>"$tmp/a.err" & sa=$!; pids+=("$sa")
"$build/clambda" serve --listen 127.0.0.1:0 --isolation none --state-dir "$tmp/sb" \
    --function echo="$ex/echo" >"$tmp/b.out" 2>"$tmp/b.err" & sb=$!; pids+=("$sb")
pa=$(wait_port "$tmp/a.out")
pb=$(wait_port "$tmp/b.out")
path=/2015-03-31/functions/echo/invocations
body='{"msg":"hello","n":1}'
"$lg" -p "$pa" -n 2000 -u "$path" -b "$body" >/dev/null
"$lg" -p "$pb" -n 2000 -u "$path" -b "$body" >/dev/null
echo "== serve_ab, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "RUNS=$RUNS DUR=${DUR}s; base $BASE_BIN"
for r in $(seq "$RUNS"); do
    o=$("$lg" -p "$leaf" -c 1 -d "$DUR" -w 50 -u /echo -b "$body")
    t=$(cpu_ticks $sa)
    a=$("$lg" -p "$pa" -c 1 -d "$DUR" -w 50 -u "$path" -b "$body")
    ca=$(cpu_us "$t" $sa "$a")
    t=$(cpu_ticks $sb)
    n=$("$lg" -p "$pb" -c 1 -d "$DUR" -w 50 -u "$path" -b "$body")
    cb=$(cpu_us "$t" $sb "$n")
    f=$("$lg" -p "$relay" -c 1 -d "$DUR" -w 50 -u /echo -b "$body")
    echo "round$r onehop=$(kv "$o" rps) twohop=$(kv "$f" rps)" \
        "twohop/onehop=$(ratio "$(kv "$f" rps)" "$(kv "$o" rps)")" \
        "base=$(kv "$a" rps) base_p50_us=$(kv "$a" p50_us) base_cpu_us=$ca" \
        "new=$(kv "$n" rps) new_p50_us=$(kv "$n" p50_us) new_cpu_us=$cb" \
        "base/onehop=$(ratio "$(kv "$a" rps)" "$(kv "$o" rps)")" \
        "new/onehop=$(ratio "$(kv "$n" rps)" "$(kv "$o" rps)")" \
        "new/base=$(ratio "$(kv "$n" rps)" "$(kv "$a" rps)") load=$(cut -d' ' -f1 /proc/loadavg)"
done
