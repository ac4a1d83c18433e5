#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command: installs what is missing, builds the release preset (clambda,
# libclambda, static example bootstraps and zips), then runs the main job: `clambda serve` on
# 127.0.0.1:9000 (CLAMBDA_LISTEN overrides) with every example function, state in
# build/release/state; examples/http-api also behind an HTTP API (a SAM template written to
# build/release/examples/template.yaml) on 127.0.0.1:3000 (CLAMBDA_HTTP_LISTEN) and a Function
# URL. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2
ex=build/release/examples
args=()
for name in hello echo fail stream; do
    args+=(--function "$name=$ex/$name")
done
cat >"$ex/template.yaml" <<'EOT'
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: examples/http-api behind an HTTP API and a Function URL (written by scripts/start.sh)
Resources:
  HttpApiExample:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: http-api
      CodeUri: http-api
      Handler: bootstrap
      Runtime: provided.al2023
      FunctionUrlConfig:
        AuthType: NONE
      Events:
        Hello:
          Type: HttpApi
          Properties:
            Method: GET
            Path: /hello
        Everything:
          Type: HttpApi
          Properties:
            Method: ANY
            Path: /{proxy+}
EOT
args+=(--template "$ex/template.yaml" --http-listen "${CLAMBDA_HTTP_LISTEN:-127.0.0.1:3000}")
cat <<EOT
Try, once it listens:
  build/release/clambda invoke hello --endpoint http://${CLAMBDA_LISTEN:-127.0.0.1:9000}
  aws --endpoint-url http://${CLAMBDA_LISTEN:-127.0.0.1:9000} --region us-east-1 lambda invoke --function-name hello out.json
  curl 'http://${CLAMBDA_HTTP_LISTEN:-127.0.0.1:3000}/hello?name=you'
EOT
exec build/release/clambda serve --listen "${CLAMBDA_LISTEN:-127.0.0.1:9000}" \
    --state-dir build/release/state "${args[@]}"
