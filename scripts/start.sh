#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command: installs what is missing, builds the release preset (clambda,
# libclambda, static example bootstraps and zips), then runs the main job: `clambda serve` on
# 127.0.0.1:9000 (CLAMBDA_LISTEN overrides) with every example function, state in
# build/release/state. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2
ex=build/release/examples
args=()
for name in hello echo fail stream http-api; do
    args+=(--function "$name=$ex/$name")
done
cat <<EOT
Try, once it listens:
  build/release/clambda invoke hello --endpoint http://${CLAMBDA_LISTEN:-127.0.0.1:9000}
  aws --endpoint-url http://${CLAMBDA_LISTEN:-127.0.0.1:9000} --region us-east-1 lambda invoke --function-name hello out.json
EOT
exec build/release/clambda serve --listen "${CLAMBDA_LISTEN:-127.0.0.1:9000}" \
    --state-dir build/release/state "${args[@]}"
