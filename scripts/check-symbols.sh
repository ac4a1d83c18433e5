#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shared libclambda exports only clambda_* symbols (everything else is hidden).
set -euo pipefail
lib=$(find "${1:-build/dev}" -name 'libclambda.so.*' -type f | head -n 1)
[ -n "$lib" ] || { echo "check-symbols: no libclambda.so under ${1:-build/dev}"; exit 1; }
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^clambda_' || true)
if [ -n "$bad" ]; then
    echo "check-symbols: $lib exports non-clambda symbols:"
    echo "$bad"
    exit 1
fi
echo "check-symbols: $lib exports $(nm -D --defined-only "$lib" | wc -l) clambda_* symbols"
# libclambda_aws.a (static): its default-visibility symbols are clambda_aws_* and clambda_ddb_*;
# everything else in it (cl_* helpers) is hidden.
aws=$(find "${1:-build/dev}" -name 'libclambda_aws.a' -type f | head -n 1)
if [ -n "$aws" ]; then
    bad=$(readelf -sW "$aws" | awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" {print $8}' |
        grep -v '^clambda_aws_\|^clambda_ddb_' || true)
    if [ -n "$bad" ]; then
        echo "check-symbols: $aws has visible non-clambda_aws/ddb symbols:"
        echo "$bad"
        exit 1
    fi
    echo "check-symbols: $aws shows only clambda_aws_*/clambda_ddb_* symbols"
fi
