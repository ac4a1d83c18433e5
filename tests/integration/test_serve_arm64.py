# SPDX-License-Identifier: MIT
"""`clambda serve` runs a function whose Architectures is arm64 under qemu-user on an x86_64 host
(exec/foreign: `qemu-aarch64-static bootstrap`), with isolation none and full (where the
emulator is reached through the host's /usr bound into the sandbox). binfmt_misc is not needed.
Without the emulator on PATH the invocation fails saying what to install."""

from __future__ import annotations

import json
import os
import platform
import shutil

import pytest

from clitool import clambda, new_project
from conftest import full_isolation_skip_reason, is_sanitized


@pytest.fixture(scope="module")
def arm_build(tmp_path_factory):
    if platform.machine() != "x86_64":
        pytest.skip("the emulated case is an arm64 function on an x86_64 host")
    if is_sanitized():
        pytest.skip("static cross builds are checked in the plain build")
    if shutil.which("aarch64-linux-gnu-gcc") is None or \
            shutil.which("qemu-aarch64-static") is None:
        pytest.skip("needs gcc-aarch64-linux-gnu (+ musl-dev:arm64 or libc6-dev-arm64-cross) "
                    "and qemu-user-static")
    proj = new_project(tmp_path_factory.mktemp("arm"), "armhello")
    clambda("build", "--release", "--arm64", "--output-format", "zip", cwd=proj, check=0)
    return proj / "target" / "lambda" / "armhello"


def answer(srv, name="arm"):
    status, headers, body = srv.invoke(name, {"name": "Arm"})
    return status, headers.get("x-amz-function-error"), body


@pytest.mark.parametrize("isolation", ["none", "full"])
def test_arm64_function_answers_under_qemu(serve, arm_build, isolation):
    if isolation == "full" and full_isolation_skip_reason():
        pytest.skip(full_isolation_skip_reason())
    srv = serve({"arm": arm_build}, sets=["arm.architecture=arm64"],
                args=["--isolation", isolation])
    assert answer(srv) == (200, None, b'{"message":"Hello, Arm!"}')
    # warm, and again after an UpdateFunctionCode through the control plane (as deploy does)
    assert answer(srv)[2] == b'{"message":"Hello, Arm!"}'
    c = srv.boto3()
    cfg = c.update_function_code(FunctionName="arm", Architectures=["arm64"],
                                 ZipFile=(arm_build / "bootstrap.zip").read_bytes())
    assert cfg["Architectures"] == ["arm64"]
    assert answer(srv) == (200, None, b'{"message":"Hello, Arm!"}')


def test_arm64_without_qemu_says_what_to_install(serve, arm_build, tmp_path):
    # a PATH without the emulator (the server finds it on PATH once)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    old = os.environ["PATH"]
    os.environ["PATH"] = str(bindir)
    try:
        srv = serve({"arm": arm_build}, sets=["arm.architecture=arm64"],
                    args=["--isolation", "none"])
    finally:
        os.environ["PATH"] = old
    status, err, body = answer(srv)
    assert status == 200 and err == "Unhandled", body
    msg = json.loads(body)["errorMessage"]
    assert "qemu-aarch64-static was not found on PATH" in msg, msg
    assert "apt-get install qemu-user-static" in msg
