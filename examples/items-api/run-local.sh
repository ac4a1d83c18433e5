#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs examples/items-api on this machine: dynalite (a DynamoDB implementation on Node, installed
# from npm into a cache directory the first time) on loopback, the table of template.yaml, and
# `clambda serve --template template.yaml` with the API on 127.0.0.1:3000 (or $HTTP_LISTEN).
# Ctrl-C stops everything. Try it:
#   curl -X PUT localhost:3000/items/1 -d '{"name":"apple","price":1.25}'
#   curl localhost:3000/items/1; curl localhost:3000/items; curl -X DELETE localhost:3000/items/1
# Environment (all optional):
#   HTTP_LISTEN      the API's address (127.0.0.1:3000)
#   DDB_PORT         dynalite's port on 127.0.0.1 (8000)
#   CLAMBDA          the clambda binary (else build/{dev,release}/clambda of this repository,
#                    else clambda on PATH)
#   BOOTSTRAP        the function's bootstrap (else build/{dev,release}/examples/items-api/bootstrap,
#                    else `make build-ItemsFunction`, which needs libclambda installed)
#   ISOLATION        clambda serve's --isolation: none (default) or full (root; the function then
#                    reaches dynalite at 169.254.0.1 through --allow-host-port)
#   DYNALITE_CACHE   where dynalite is installed (${XDG_CACHE_HOME:-~/.cache}/clambda/dynalite)
#   STATE_DIR        clambda serve's --state-dir (a temporary directory, removed at exit)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
HTTP_LISTEN=${HTTP_LISTEN:-127.0.0.1:3000}
DDB_PORT=${DDB_PORT:-8000}
ISOLATION=${ISOLATION:-none}
DYNALITE_VERSION=4.0.0
DYNALITE_CACHE=${DYNALITE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clambda/dynalite}
FN=ItemsFunction
TABLE=ItemsTable # what !Ref ItemsTable names locally (the SimpleTable has no TableName)

say() { printf 'run-local: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

first_file() {
    for f in "$@"; do
        [ -x "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

# ---- the tools ----
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    die "node and npm are needed for dynalite (apt-get install nodejs npm)"
fi
command -v python3 >/dev/null || die "python3 is needed to create the table"
CLAMBDA=${CLAMBDA:-$(first_file "$repo/build/dev/clambda" "$repo/build/release/clambda" ||
    command -v clambda || true)}
[ -n "$CLAMBDA" ] || die "no clambda binary: build it (cmake --preset dev && cmake --build build/dev) or set CLAMBDA"

# ---- the function: what sam build would put in .aws-sam/build/ItemsFunction ----
built="$here/.aws-sam/build/$FN"
mkdir -p "$built"
BOOTSTRAP=${BOOTSTRAP:-$(first_file "$repo/build/dev/examples/items-api/bootstrap" \
    "$repo/build/release/examples/items-api/bootstrap" || true)}
if [ -n "$BOOTSTRAP" ]; then
    cp "$BOOTSTRAP" "$built/bootstrap"
else
    say "no CMake-built bootstrap: make build-$FN (needs libclambda installed, pkg-config clambda-aws)"
    make -C "$here" "build-$FN" ARTIFACTS_DIR="$built"
fi

# ---- dynalite ----
if [ ! -f "$DYNALITE_CACHE/node_modules/dynalite/cli.js" ] ||
    ! grep -q "\"version\": \"$DYNALITE_VERSION\"" "$DYNALITE_CACHE/node_modules/dynalite/package.json"; then
    say "installing dynalite@$DYNALITE_VERSION into $DYNALITE_CACHE"
    mkdir -p "$DYNALITE_CACHE"
    npm install --prefix "$DYNALITE_CACHE" --no-audit --no-fund --no-save --loglevel=error \
        "dynalite@$DYNALITE_VERSION" >&2
fi

pids=()
state=${STATE_DIR:-}
tmp_state=
if [ -z "$state" ]; then
    state=$(mktemp -d "${TMPDIR:-/tmp}/items-api-state.XXXXXX")
    tmp_state=$state
fi
cleanup() {
    trap - INT TERM EXIT
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    [ -n "$tmp_state" ] && rm -rf "$tmp_state"
    say "stopped"
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT

node "$DYNALITE_CACHE/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$DDB_PORT" \
    --createTableMs 0 &
pids+=($!)

# ---- the table (template.yaml's ItemsTable: partition key id, a string) ----
python3 - "$DDB_PORT" "$TABLE" <<'EOF'
import json, sys, time, urllib.error, urllib.request
port, table = sys.argv[1], sys.argv[2]
body = json.dumps({"TableName": table,
                   "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                   "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                   "BillingMode": "PAY_PER_REQUEST"}).encode()
# dynalite wants a SigV4-shaped Authorization header; it does not check the signature
headers = {"X-Amz-Target": "DynamoDB_20120810.CreateTable",
           "Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20200101T000000Z",
           "Authorization": "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/"
                            "aws4_request, SignedHeaders=host;x-amz-date, Signature=00"}
deadline = time.monotonic() + 20
while True:
    try:
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/", body,
                                                      headers), timeout=5).read()
        print(f"run-local: table {table} created", file=sys.stderr)
        break
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        if "ResourceInUseException" in text:
            print(f"run-local: table {table} exists", file=sys.stderr)
            break
        sys.exit(f"run-local: CreateTable: {e.code} {text}")
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"run-local: dynalite did not start on 127.0.0.1:{port}")
        time.sleep(0.2)
EOF

# ---- the API ----
# The function's execution role (the one SAM makes: <LogicalId>Role) gets keys as on Lambda;
# dynalite accepts any.
creds="$state/role-credentials.json"
cat >"$creds" <<EOT
{"arn:aws:iam::000000000000:role/${FN}Role":
  {"AccessKeyId": "AKIALOCALITEMSAPI000", "SecretAccessKey": "local-secret", "SessionToken": "local"}}
EOT
chmod 600 "$creds"
args=(serve --template "$here/template.yaml" --http-listen "$HTTP_LISTEN" --listen 127.0.0.1:0
    --state-dir "$state" --isolation "$ISOLATION" --role-credentials "$creds")
if [ "$ISOLATION" = none ]; then
    args+=(--set "$FN.env.AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DDB_PORT")
else
    args+=(--allow-host-port "$DDB_PORT"
        --set "$FN.env.AWS_ENDPOINT_URL_DYNAMODB=http://169.254.0.1:$DDB_PORT")
fi
say "serving http://$HTTP_LISTEN/items (Ctrl-C stops)"
"$CLAMBDA" "${args[@]}" &
pids+=($!)
wait -n "${pids[@]}" || true
say "dynalite or clambda serve ended; stopping"
