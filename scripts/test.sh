#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite (the README's second command; .ci/run calls it):
#   1. dev preset (gcc, -Werror): unit + integration tests
#   2. asan preset (clang, ASan+UBSan, -Werror): the same tests
#   3. fuzz preset: every corpus replayed, then each target fuzzed for FUZZ_SECONDS (default 30)
#   4. style: clang-format and the banned-function check
# Ends with one line "N passed, N failed" summing every ctest test and check.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
passed=0
failed=0
log=$(mktemp)

# Adds the counts of a ctest run (its log in $log) to the totals.
count_ctest() {
    local line total nfail
    line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
        return
    fi
    nfail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
    total=$(echo "$line" | sed -E 's/.* failed out of ([0-9]+).*/\1/')
    passed=$((passed + total - nfail))
    failed=$((failed + nfail))
}

# check NAME COMMAND...: one pass/fail unit for a non-ctest step.
check() {
    local name=$1
    shift
    echo "== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $name"
        failed=$((failed + 1))
    fi
}

# fuzz_quietly BINARY WORKDIR CORPUS: fuzzes for FUZZ_SECONDS; prints the log's tail only when
# the fuzzer found something (crash inputs land in build/fuzz/).
fuzz_quietly() {
    local out
    out=$(mktemp)
    if "$1" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -artifact_prefix=build/fuzz/ \
        "$2" "$3" >"$out" 2>&1; then
        grep -E "^stat::number_of_executed_units" "$out" || true
        rm -f "$out"
        return 0
    fi
    tail -n 60 "$out"
    rm -f "$out"
    return 1
}

run_preset() {
    local preset=$1
    echo "== $preset: configure + build"
    if cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" -j2; then
        echo "== $preset: ctest"
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            ctest --preset "$preset" 2>&1 | tee "$log"
        count_ctest
    else
        echo "FAILED: $preset build"
        failed=$((failed + 1))
    fi
}

run_preset dev
run_preset asan

echo "== fuzz: build, replay corpora, fuzz ${FUZZ_SECONDS}s per target"
if cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j2; then
    (cd build/fuzz && ctest -L fuzz --output-on-failure) 2>&1 | tee "$log"
    count_ctest
    for f in build/fuzz/tests/fuzz/fuzz_*; do
        [ -x "$f" ] || continue
        t=$(basename "$f" | sed 's/^fuzz_//')
        work=$(mktemp -d)
        check "fuzz $t ${FUZZ_SECONDS}s" fuzz_quietly "$f" "$work" "tests/fuzz/corpus/$t"
        rm -rf "$work"
    done
else
    echo "FAILED: fuzz build"
    failed=$((failed + 1))
fi

check "style (scripts/check-style.sh)" ./scripts/check-style.sh
check "the server's rooms (scripts/check-layers.sh)" ./scripts/check-layers.sh
check "check-layers refuses an upward include" ./scripts/check-layers-selftest.sh
check "clang-tidy + cppcheck" ./scripts/check-tidy.sh build/dev
check "exported symbols are clambda_* only" ./scripts/check-symbols.sh build/dev

rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
