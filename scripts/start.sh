#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command: installs what is missing, builds the release preset (library,
# static example bootstraps and zips), then runs the main job. Until `clambda serve` exists the
# main job runs the example functions against the test Runtime API server (scripts/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2
ls -l build/release/examples/*/bootstrap build/release/examples/*/*.zip
exec /usr/bin/python3 scripts/demo.py build/release
