#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The server's rooms (docs/architecture.md "Rooms"): every file under src/server/ lives in a room
# folder and includes other server headers by their room ("exec/pool.h"); a room includes only
# the rooms listed for it below (down the house, never up); and no two files include each
# other, directly or round a circle. Exits 1 naming each offending include or circle.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import os, re, sys

# room: the rooms it may include (its own is always allowed)
ALLOWED = {
    "serve":   "front gateway control invoke api catalog exec observe state auth http base",
    "front":   "gateway control invoke api catalog exec observe state auth http base",
    "control": "api catalog exec observe state auth http base",
    "gateway": "api catalog exec observe state auth http base",
    "invoke":  "api catalog exec observe state http base",
    "api":     "catalog exec observe state auth http base",
    "catalog": "exec observe state http base",
    "exec":    "observe state http base",
    "observe": "state http base",
    "state":   "http base",
    "auth":    "http base",
    "http":    "base",
    "base":    "",
}
root = sys.argv[1] if len(sys.argv) > 1 else "src/server"
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
bad = []
graph = {}
headers = set()
for dirpath, _, files in os.walk(root):
    for f in files:
        if f.endswith((".c", ".h")):
            headers.add(os.path.relpath(os.path.join(dirpath, f), root))
for rel in sorted(headers):
    room = rel.split("/")[0] if "/" in rel else None
    if room is None or room not in ALLOWED:
        bad.append(f"{root}/{rel}: not in a room folder ({', '.join(ALLOWED)})")
        continue
    text = open(os.path.join(root, rel), encoding="utf-8").read()
    for n, line in enumerate(text.split("\n"), 1):
        m = inc_re.match(line)
        if not m:
            continue
        target = m.group(1)
        if "/" not in target:
            if target in {os.path.basename(h) for h in headers}:
                bad.append(f"{root}/{rel}:{n}: #include \"{target}\": name its room")
            continue
        troom = target.split("/")[0]
        if troom not in ALLOWED:
            continue
        if target not in headers:
            bad.append(f"{root}/{rel}:{n}: #include \"{target}\": no such server header")
            continue
        if troom != room and troom not in ALLOWED[room].split():
            bad.append(f"{root}/{rel}:{n}: #include \"{target}\": {room}/ may not include "
                       f"{troom}/ (allowed: {ALLOWED[room] or 'nothing'})")
        # module graph: a.c and a.h are one module
        src_mod = re.sub(r"_int$", "", os.path.splitext(rel)[0])  # x_int.h is x's own
        dst_mod = re.sub(r"_int$", "", os.path.splitext(target)[0])
        if src_mod != dst_mod:
            graph.setdefault(src_mod, set()).add(dst_mod)

# circles between modules (Tarjan's strongly connected components)
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
def strong(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in sorted(graph):
    if v not in index:
        strong(v)
for comp in sccs:
    bad.append("circle of includes: " + " <-> ".join(comp))
for b in bad:
    print("check-layers: " + b)
if bad:
    sys.exit(1)
print(f"check-layers: {len(headers)} files in {len(ALLOWED)} rooms, every include points down")
PY
