#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-tidy (.clang-tidy, warnings are errors) and cppcheck over the library and examples,
# using the compile database of a configured build (default build/dev).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
files=$(git ls-files 'src/*.c' 'examples/*.c' 'adapter/*.c')
rc=0
# The library is in the compile database; the static examples are built by a custom command
# (musl-gcc), so they get their flags here.
if ! clang-tidy -p "$build" --quiet $(git ls-files 'src/*.c' 'adapter/lwa_*.c' | grep -v '^src/cli/templates/'); then
    echo "check-tidy: clang-tidy found problems in src/ or adapter/"
    rc=1
fi
# adapter/main.c, like the examples, is built by a custom command only.
if ! clang-tidy --quiet adapter/main.c -- -std=c11 -D_GNU_SOURCE -Iinclude -Isrc/common \
        -Isrc/runtime -Iadapter; then
    echo "check-tidy: clang-tidy found problems in adapter/main.c"
    rc=1
fi
# `clambda new`'s templates are embedded, not compiled here: each kind with its own src/.
for kind in src/cli/templates/*/; do
    if [ -d "${kind}src" ] && ! clang-tidy --quiet $(git ls-files "${kind}*.c") -- -std=c11 \
            -D_GNU_SOURCE -Iinclude -I"${kind}src"; then
        echo "check-tidy: clang-tidy found problems in ${kind}"
        rc=1
    fi
done
if ! clang-tidy --quiet $(git ls-files 'examples/*.c') -- -std=c11 -D_GNU_SOURCE -Iinclude; then
    echo "check-tidy: clang-tidy found problems in examples/"
    rc=1
fi
if ! cppcheck --enable=warning,performance,portability --std=c11 --inline-suppr --quiet \
        --error-exitcode=1 -I include -I src/common -I src/runtime -I adapter $files; then
    echo "check-tidy: cppcheck found problems"
    rc=1
fi
exit $rc
