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
