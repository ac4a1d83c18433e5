#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-format --dry-run over every C file, and a ban on unsafe libc calls.
set -uo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
rc=0
if ! clang-format --dry-run -Werror $files; then
    echo "check-style: run clang-format -i on the files above"
    rc=1
fi
banned='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets|system|popen)\s*\('
if git grep -nE "$banned" -- '*.c' '*.h'; then
    echo "check-style: banned function (use snprintf, memcpy with a length, strtol)"
    rc=1
fi
exit $rc
