#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what clambda needs to build and test on Debian 12, only when something is missing.
# Runs apt-get as root (or through sudo). Safe to run again.
set -euo pipefail

# libcurl4-openssl-dev: HTTPS of `clambda deploy` and `clambda invoke --remote`.
# nftables iproute2: --network nat (the NAT table; the tests' outside host in a network
# namespace); curl: AWS's custom-runtime tutorial bootstrap run under full isolation.
# libmbedtls-dev: TLS and SHA-256/HMAC of libclambda_aws (<clambda/aws.h>), linked static.
# autoconf automake libtool unzip: the native addon of Node's aws-lambda-ric (built by npm in
# tests/integration/test_serve_node_ric.py). libyaml-dev: SAM templates (--template).
# musl-dev:arm64 (Debian's multiarch musl for arm64, needs `dpkg --add-architecture arm64`,
# done below): `clambda build --arm64` makes a static musl binary with the cross gcc through
# its aarch64-linux-musl-gcc wrapper (~130 KB hello, against ~730 KB with static glibc).
# chromium: the real-browser test of the HTTP gateway (tests/integration/test_gateway_browser.py:
# headless Chromium loads a page from another origin that calls Function URLs and API routes
# with fetch(), CORS preflights and a streamed body included).
PKGS=(build-essential cmake pkg-config gcc clang libclang-rt-14-dev llvm-14 clang-format
      clang-tidy cppcheck musl-tools libjsmn-dev libcmocka-dev python3 python3-pytest file
      libuv1-dev libhttp-parser-dev libjansson-dev libsqlite3-dev libarchive-dev python3-boto3
      libseccomp-dev libssl-dev libcurl4-openssl-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      qemu-user-static awscli autoconf automake libtool unzip nftables iproute2 curl
      libmbedtls-dev libyaml-dev musl-dev:arm64 chromium)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done
# Node.js (for the independent Runtime API in the integration tests) often comes from another
# source than Debian (NodeSource ships npm inside nodejs and conflicts with Debian's npm):
# install Debian's only when there is no npm at all.
if ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: everything is installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64 # for musl-dev:arm64
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
