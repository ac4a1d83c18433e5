#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds what the benchmark needs (release preset) and runs bench/bench_runtime against the
# static bootstraps of examples/hello and examples/echo. Extra arguments go to bench_runtime,
# e.g. `bench/run.sh --cold 100 --warm 50000 --rss 20000`. BUILD_DIR selects another
# configured build tree (default build/release). Exit status: bench_runtime's (0 all targets
# met, 1 a target missed, 2 the benchmark could not run). See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/release}

if [ ! -f "$build/CMakeCache.txt" ]; then
    if [ "$build" != build/release ]; then
        echo "run.sh: $build is not a configured build tree" >&2
        exit 2
    fi
    cmake --preset release
fi
# Only the targets the benchmark runs, so a broken test elsewhere does not stop it.
cmake --build "$build" -j2 --target bench_runtime bench_glibc_peers example_hello_zip \
    example_echo_zip

ex=$build/examples
bd=$build/bench
args=(--hello "$ex/hello/bootstrap" --echo "$ex/echo/bootstrap" --zip "$ex/hello/hello.zip"
      --baseline "$bd/baseline_client" --raw "$bd/raw_client" --launcher "$bd/rss_launcher")
[ -x "$bd/baseline_client_glibc" ] && args+=(--glibc-client "$bd/baseline_client_glibc")
[ -x "$bd/hello_glibc" ] && args+=(--glibc-hello "$bd/hello_glibc")

echo "== clambda bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   $(uname -srm); $(nproc) CPUs; $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "   Debian $(cat /etc/debian_version 2>/dev/null || echo '?'); $(gcc --version | head -n1)"
echo "   peers: bench/raw_client (raw request/response floor), bench/baseline_client (static"
echo "   C exec floor; its glibc -static build for size). AWS's C++ (aws-lambda-cpp) and Rust"
echo "   (lambda_runtime) runtimes are not installable here (no crates, no GitHub downloads),"
echo "   so they are not compared."
echo
rc=0
"$build/bench/bench_runtime" "${args[@]}" "$@" || rc=$?
exit $rc
