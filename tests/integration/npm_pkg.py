# SPDX-License-Identifier: MIT
"""Node packages the integration tests install from npm at test time (the Node SDK,
@vercel/fun, aws-lambda-ric), each into its own cache directory under the build dir (never
committed) and installed again only when the pinned version is not there. Without node >= 18,
npm, the tools a native addon needs or registry access, the calling test skips and says why."""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
from typing import Callable

import pytest

from conftest import build_dir


def installed_version(prefix: pathlib.Path, package: str) -> str | None:
    """The version of package installed under prefix, or None."""
    pj = prefix / "node_modules" / package / "package.json"
    try:
        return json.loads(pj.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def _cache_dir(cache_env: str, cache_name: str) -> pathlib.Path:
    d = os.environ.get(cache_env)
    if d:
        return pathlib.Path(d)
    b = build_dir()
    if b is None:
        pytest.skip("CLAMBDA_BUILD_DIR is not set")
    return b / cache_name


def _node_npm(package: str, purpose: str) -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(f"node/npm are not installed (apt-get install nodejs npm) to fetch "
                    f"{package}{purpose}")
    out = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    m = re.match(r"v(\d+)", out)
    if not m or int(m.group(1)) < 18:
        pytest.skip(f"node {out.strip()} is too old for {package} (needs >= 18)")
    return npm


def npm_package(package: str, version: str, cache_env: str, cache_name: str, *,
                purpose: str = "", timeout: float = 600, native_tools: tuple = (),
                ready: Callable[[pathlib.Path], bool] | None = None) -> pathlib.Path:
    """The prefix (cache_env's directory, else <build dir>/cache_name) where package@version is
    installed, installing it first when it is not. Install scripts run only when native_tools
    are named (the tools its native addon's build needs); otherwise --ignore-scripts. ready,
    when given, must also hold for the install to count. Skips the test on any failure."""
    npm = _node_npm(package, purpose)
    prefix = _cache_dir(cache_env, cache_name)

    def ok() -> bool:
        return (installed_version(prefix, package) == version and
                (ready is None or ready(prefix)))

    if ok():
        return prefix
    missing = [t for t in native_tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{package} needs {', '.join(missing)} to build its native addon "
                    "(scripts/install-deps.sh installs them)")
    prefix.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save",
           "--foreground-scripts" if native_tools else "--ignore-scripts", "--loglevel=error",
           "--fetch-timeout=60000", "--fetch-retries=1", "--cache", str(prefix / "npm-cache"),
           f"{package}@{version}"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        slow = ", or the native build is too slow here" if native_tools else ""
        pytest.skip(f"npm install {package}@{version} timed out ({timeout:.0f} s: no registry "
                    f"access{slow}?)")
    if r.returncode != 0 or not ok():
        tail = "\n".join((r.stderr or r.stdout).strip().splitlines()[-8:])
        pytest.skip(f"npm install {package}@{version} failed (no registry access?): {tail}")
    return prefix
