# SPDX-License-Identifier: MIT
"""Helpers of the test_cli_* files: run the clambda command as a user would (in a directory,
with an environment), install libclambda into a temporary prefix, make and build projects."""

from __future__ import annotations

import os
import subprocess
import zipfile

import pytest

from conftest import build_dir, clambda_path, is_sanitized

BUILD_TIMEOUT = 600  # one static build compiles libclambda too; shared CI machines are slow


def clambda(*args, cwd=None, env=None, timeout=BUILD_TIMEOUT, check=None):
    """Runs `clambda ARGS...`; returns the CompletedProcess (text). check=N asserts the exit
    status is N."""
    e = dict(os.environ)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
              "AWS_REGION", "AWS_DEFAULT_REGION", "CLAMBDA_ENDPOINT"):
        e.pop(k, None)
    e.update(env or {})
    r = subprocess.run([str(clambda_path()), *map(str, args)], cwd=cwd, env=e, text=True,
                       capture_output=True, timeout=timeout)
    if check is not None:
        assert r.returncode == check, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def install_prefix(tmp_path_factory):
    """`cmake --install` of the build into a fresh prefix (libclambda, clambda, sources)."""
    b = build_dir()
    if b is None:
        pytest.skip("CLAMBDA_BUILD_DIR is not set")
    if is_sanitized():
        pytest.skip("the sanitizer build's libraries need -fsanitize in every consumer")
    p = tmp_path_factory.mktemp("prefix")
    subprocess.run(["cmake", "--install", str(b), "--prefix", str(p)], check=True,
                   capture_output=True, timeout=120)
    return p


def new_project(where, name, *flags):
    clambda("new", name, *flags, cwd=where, check=0)
    return where / name


def zip_entries(path):
    """{name: unix mode} of a zip's entries."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (i.external_attr >> 16) & 0o7777 for i in z.infolist()}


def elf_machine(path) -> int:
    head = path.read_bytes()[:20]
    assert head[:4] == b"\x7fELF", path
    return int.from_bytes(head[18:20], "little")
