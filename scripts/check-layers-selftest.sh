#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shows that scripts/check-layers.sh can fail: on a copy of src/server, an upward include
# (base/ including serve/), a bare include of a server header and a new include circle must
# each be refused, and the untouched copy must pass.
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
expect() { # expect WANT_RC LABEL [PATTERN]: exit code, and PATTERN in the output
    local got
    ./scripts/check-layers.sh "$tmp/server" >"$tmp/out" 2>&1
    got=$?
    if [ "$got" -ne "$1" ] || { [ -n "${3:-}" ] && ! grep -qF -- "$3" "$tmp/out"; }; then
        echo "check-layers-selftest: $2: exit $got, want $1${3:+ and \"$3\"}"
        cat "$tmp/out"
        rc=1
    else
        echo "check-layers-selftest: $2: $(grep -F -- "${3:-check-layers}" "$tmp/out" | head -n 1)"
    fi
}
fresh() { rm -rf "$tmp/server" && cp -r src/server "$tmp/server"; }

fresh
expect 0 "the tree as it is"
fresh
echo '#include "serve/serve.h"' >>"$tmp/server/base/ids.c"
expect 1 "base/ids.c including serve/serve.h" 'base/ids.c:'
fresh
echo '#include "pool.h"' >>"$tmp/server/exec/env.c"
expect 1 "a bare include of a server header" '#include "pool.h": name its room'
fresh
echo '#include "http/httpd.h"' >>"$tmp/server/http/http1.h"
expect 1 "a circle http1 <-> httpd" "http/http1 <-> http/httpd"
exit $rc
