#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmarks clambda's HTTP front door (issue 12) and writes the "Gateway" section of
# docs/performance.md (between the gateway-bench markers).
#   bench/gateway.sh                    5 runs of every measurement (about 3 minutes)
#   RUNS=3 DUR=2 bench/gateway.sh       fewer/shorter runs
#   NO_DOC=1 bench/gateway.sh           print only, leave the doc alone
#   NO_SLS=1 bench/gateway.sh           without serverless-offline (no npm install)
#   SLS_DIR=dir bench/gateway.sh        reuse an npm install of serverless@3 and
#                                       serverless-offline@13 in dir (else a temporary one)
# One `clambda serve --template` (release build, --isolation none) serves examples/http-api
# three ways; every run measures, interleaved, warm `GET /hello?name=x` on 1 and on 16
# keep-alive connections (bench/loadgen, DUR seconds, the first 50 responses per connection
# not counted):
#   url     its Function URL, path form (/lambda-url/Api/hello?name=x on --listen)
#   api     its HTTP API route (HttpApi GET /hello, payload 2.0, on --http-listen)
#   invoke  the Invoke API (POST /2015-03-31/functions/Api/invocations on --listen) with the
#           payload 2.0 event the gateway builds for that request (captured at start from a
#           function that echoes its event), so the function does the same work
#   sls     serverless-offline's HTTP API route to a Node handler answering the same body
#           (npm serverless@3 + serverless-offline@13, installed at bench time, never committed;
#           default options: handlers in worker threads), a fresh process for every run,
#           warmed up with 1,000 requests: it slows down as it serves (see start_sls)
# Server CPU per request (user + system of the server over the run / requests) is shown too.
# SERVE_ARGS adds server options (e.g. SERVE_ARGS="--cpu-affinity none").
# BUILD_DIR selects another configured tree (default build/release); CLAMBDA_BIN another server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build/release}
RUNS=${RUNS:-5}
DUR=${DUR:-3}
SERVE_ARGS=${SERVE_ARGS:-}
[ -f "$build/CMakeCache.txt" ] || cmake --preset release >/dev/null
cmake --build "$build" -j2 --target clambda loadgen example_http-api_zip >/dev/null

lg=$root/$build/bench/loadgen
server=${CLAMBDA_BIN:-$root/$build/clambda}
ex=$root/$build/examples/http-api
source "$root/bench/lib.sh"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# wait_line FILE SED-EXPR: the first match of SED-EXPR (with p) in FILE, waiting up to 60 s.
wait_line() {
    for _ in $(seq 1200); do
        local v
        v=$(sed -n "$2" "$1" 2>/dev/null | head -n1)
        [ -n "$v" ] && { echo "$v"; return; }
        sleep 0.05
    done
    echo "gateway.sh: nothing matched in $1:" >&2
    cat "$1" >&2
    exit 2
}

# A function that answers with its event, to capture the event the gateway builds.
mkdir -p "$tmp/evfn"
cat >"$tmp/evfn/bootstrap" <<'EOF'
#!/usr/bin/python3
import os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while True:
    r = opener.open(api + "next")
    rid, event = r.headers["Lambda-Runtime-Aws-Request-Id"], r.read()
    body = '{"statusCode":200,"body":%s}' % __import__("json").dumps(event.decode())
    opener.open(urllib.request.Request(api + rid + "/response", data=body.encode(),
                                       method="POST")).read()
EOF
chmod +x "$tmp/evfn/bootstrap"
cat >"$tmp/template.yaml" <<EOF
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: $ex
      FunctionUrlConfig:
        AuthType: NONE
      Events:
        Hello: {Type: HttpApi, Properties: {Method: GET, Path: /hello}}
  Ev:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: $tmp/evfn
      Events:
        Ev: {Type: HttpApi, Properties: {Method: GET, Path: /event}}
EOF
(ulimit -Sn 1024 && exec "$server" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
    --isolation none --state-dir "$tmp/state" --template "$tmp/template.yaml" $SERVE_ARGS) \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
SERVE_PID=$!
pids+=("$SERVE_PID")
PORT=$(wait_line "$tmp/serve.out" 's/^clambda: listening on http:\/\/.*:\([0-9]*\)$/\1/p')
APORT=$(wait_line "$tmp/serve.out" 's/^clambda: APIs on http:\/\/.*:\([0-9]*\)$/\1/p')

# The event of `GET /event?name=x` with loadgen's request headers, made the one of /hello.
event=$(/usr/bin/python3 - "$APORT" <<'EOF'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
c.putrequest("GET", "/event?name=x", skip_host=True, skip_accept_encoding=True)
for k, v in (("Host", "127.0.0.1"), ("Content-Type", "application/json"),
             ("Content-Length", "0")):
    c.putheader(k, v)
c.endheaders()
r = c.getresponse()
assert r.status == 200, (r.status, r.read())
ev = json.loads(r.read())
ev["routeKey"] = ev["requestContext"]["routeKey"] = "GET /hello"
ev["rawPath"] = ev["requestContext"]["http"]["path"] = "/hello"
print(json.dumps(ev, separators=(",", ":")))
EOF
)
url_path='/lambda-url/Api/hello?name=x'
api_path='/hello?name=x'
inv_path=/2015-03-31/functions/Api/invocations
for p in "$PORT $url_path" "$APORT $api_path"; do
    set -- $p
    got=$(curl -s --noproxy '*' "http://127.0.0.1:$1$2")
    [ "$got" = "hello x" ] || { echo "gateway.sh: $2 answered '$got'" >&2; exit 2; }
done

# serverless-offline with an equivalent Node handler.
SLS_PORT=
if [ -z "${NO_SLS:-}" ]; then
    sls=${SLS_DIR:-$tmp/sls}
    mkdir -p "$sls"
    if [ ! -x "$sls/node_modules/.bin/serverless" ]; then
        echo "gateway.sh: npm install serverless@3 serverless-offline@13 in $sls" >&2
        (cd "$sls" && { [ -f package.json ] || echo '{"private":true}' >package.json; } &&
            npm install --no-audit --no-fund --loglevel=error serverless@3 \
                serverless-offline@13 >/dev/null)
    fi
    mkdir -p "$tmp/slsapp"
    cat >"$tmp/slsapp/serverless.yml" <<'EOF'
service: gwbench
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
functions:
  hello:
    handler: handler.hello
    events:
      - httpApi: {method: GET, path: /hello}
plugins:
  - serverless-offline
EOF
    cat >"$tmp/slsapp/handler.js" <<'EOF'
"use strict";
exports.hello = async (event) => {
  const q = event.queryStringParameters || {};
  return {
    statusCode: 200,
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: "hello " + (q.name !== undefined ? q.name : "world"),
  };
};
EOF
    ln -s "$sls/node_modules" "$tmp/slsapp/node_modules"
    SLS_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    SLS_LPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    sls_version="serverless $(sed -n 's/^  "version": "\(.*\)",$/\1/p' \
        "$sls/node_modules/serverless/package.json"), serverless-offline $(sed -n \
        's/^  "version": "\(.*\)",$/\1/p' "$sls/node_modules/serverless-offline/package.json")"
fi

# start_sls: a fresh serverless-offline (it slows down and grows as it serves: about 930/s
# falling to about 200/s over 18 s here, RSS 220 → 300 MB), answering, warmed up; SLS_PID.
start_sls() {
    (cd "$tmp/slsapp" && SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
        exec "$sls/node_modules/.bin/serverless" offline --host 127.0.0.1 --httpPort "$SLS_PORT" \
        --lambdaPort "$SLS_LPORT" --noPrependStageInUrl --noTimeout --noSponsor) \
        >"$tmp/sls.out" 2>&1 &
    SLS_PID=$!
    pids+=("$SLS_PID")
    local got=
    for _ in $(seq 600); do
        got=$(curl -s --noproxy '*' "http://127.0.0.1:$SLS_PORT$api_path" || true)
        [ "$got" = "hello x" ] && break
        sleep 0.1
    done
    [ "$got" = "hello x" ] || { echo "gateway.sh: serverless-offline answered '$got'" >&2;
        cat "$tmp/sls.out" >&2; exit 2; }
    "$lg" -p "$SLS_PORT" -c 1 -n 500 -m GET -u "$api_path" -b '' >/dev/null
    "$lg" -p "$SLS_PORT" -c 16 -n 500 -m GET -u "$api_path" -b '' >/dev/null
}
stop_sls() {
    kill "$SLS_PID" 2>/dev/null || true
    wait "$SLS_PID" 2>/dev/null || true
}

out=$tmp/results
: >"$out"
echo "== gateway bench, $(date -u '+%Y-%m-%d %H:%M UTC'), loadavg at start: $load_start"
echo "   $(uname -srm); $(nproc) CPUs; RUNS=$RUNS DUR=${DUR}s; event ${#event} bytes"
# measure WHO CONNS PORT ARGS...: one loadgen run; clambda's gets the server's CPU per request.
measure() {
    local who=$1 c=$2 port=$3
    shift 3
    local pid=$SERVE_PID
    [ "$who" = sls ] && pid=$SLS_PID
    local t0 t1 s
    t0=$(cpu_ticks "$pid")
    s=$("$lg" -p "$port" -c "$c" -d "$DUR" -w 50 "$@" || true)
    t1=$(cpu_ticks "$pid")
    local n
    n=$(kv "$s" requests)
    s="$s cpu_us=$(((t1 - t0) * 1000000 / $(getconf CLK_TCK) / (n > 0 ? n : 1)))"
    echo "c$c run$r $who: $s"
    echo "c$c $who $s" >>"$out"
}
# Warm-up: 16 environments, the caches, node's JIT.
for c in 1 16; do
    "$lg" -p "$PORT" -c $c -n 2000 -m GET -u "$url_path" -b '' >/dev/null
    "$lg" -p "$APORT" -c $c -n 2000 -m GET -u "$api_path" -b '' >/dev/null
    "$lg" -p "$PORT" -c $c -n 2000 -u "$inv_path" -b "$event" >/dev/null
done
for r in $(seq "$RUNS"); do
    if [ -n "$SLS_PORT" ]; then start_sls; fi
    for c in 1 16; do
        measure invoke $c "$PORT" -u "$inv_path" -b "$event"
        measure url $c "$PORT" -m GET -u "$url_path" -b ''
        measure api $c "$APORT" -m GET -u "$api_path" -b ''
        if [ -n "$SLS_PORT" ]; then
            measure sls $c "$SLS_PORT" -m GET -u "$api_path" -b ''
        fi
    done
    if [ -n "$SLS_PORT" ]; then stop_sls; fi
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo "   server: $(grep -c . "$tmp/serve.err" || true) stderr lines"

/usr/bin/python3 "$root/bench/gateway_report.py" "$out" "$RUNS" "$DUR" "$load_start" \
    "$load_end" "${sls_version:-not measured (NO_SLS)}" "${#event}" >"$tmp/section.md"
cat "$tmp/section.md"
bench_doc_section gateway-bench "$tmp/section.md"
