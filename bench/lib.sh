# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# What the bench/*.sh scripts share. Source it after `set -euo pipefail` and the `cd` to the
# checkout's root (root=$PWD); it makes $tmp (a temporary directory) and pids=() at once:
#   pids+=($!)                   a background process to kill at exit ($tmp is removed too;
#                                a script that defines bench_on_exit has it called first)
#   wait_port FILE               the port a process printed into FILE ("port N", as
#                                bench/echo_floor says, or clambda serve's "listening on")
#   kv LINE KEY                  KEY's value in a bench/loadgen line (KEY=VALUE words)
#   cpu_ticks PID                user + system clock ticks PID has used
#   bench_doc_section NAME FILE  FILE becomes the section between docs/performance.md's
#                                <!-- NAME:begin --> and <!-- NAME:end --> markers (appended
#                                with them when missing); NO_DOC=1 leaves the doc alone
: "${root:?bench/lib.sh: set root to the checkout first}"
bench_script=$(basename "$0")
tmp=$(mktemp -d)
pids=()
bench_exit() {
    if declare -F bench_on_exit >/dev/null; then bench_on_exit || true; fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap bench_exit EXIT

wait_port() {
    for _ in $(seq 200); do
        local p
        p=$(sed -n 's/^port \([0-9]*\)$/\1/p; s/^clambda: listening on http:\/\/.*:\([0-9]*\)$/\1/p' \
            "$1" 2>/dev/null | head -n1)
        [ -n "$p" ] && { echo "$p"; return; }
        sleep 0.05
    done
    echo "$bench_script: no port in $1" >&2
    exit 2
}

kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

bench_doc_section() {
    [ -z "${NO_DOC:-}" ] || return 0
    /usr/bin/python3 - "$root/docs/performance.md" "$2" "$1" <<'PY'
import sys
doc, sec, name = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
a, b = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
if a in doc and b in doc:
    doc = doc[: doc.index(a) + len(a)] + "\n" + sec + doc[doc.index(b):]
else:
    doc += "\n" + a + "\n" + sec + b + "\n"
open(sys.argv[1], "w").write(doc)
PY
}
