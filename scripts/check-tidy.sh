#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-tidy (.clang-tidy, warnings are errors) and cppcheck over the library and examples,
# using the compile database of a configured build (default build/dev).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
files=$(git ls-files 'src/*.c' 'examples/*.c')
rc=0
if ! clang-tidy -p "$build" --quiet $files; then
    echo "check-tidy: clang-tidy found problems"
    rc=1
fi
if ! cppcheck --enable=warning,performance,portability --std=c11 --inline-suppr --quiet \
        --error-exitcode=1 -I include -I src/common -I src/runtime $files; then
    echo "check-tidy: cppcheck found problems"
    rc=1
fi
exit $rc
