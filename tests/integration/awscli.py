# SPDX-License-Identifier: MIT
"""The aws CLIs on this machine: v1 (pip, usually first in PATH) and v2 (Debian's awscli at
/usr/bin/aws), found by asking each candidate for its version."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

TIMEOUT = 120


def _version(path: str) -> str | None:
    try:
        r = subprocess.run([path, "--version"], capture_output=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (r.stdout + r.stderr).decode(errors="replace")
    return text.split("/")[1].split(".")[0] if text.startswith("aws-cli/") else None


def clis() -> dict:
    """{"v1": path, "v2": path} for the versions that are installed."""
    found = {}
    for cand in (shutil.which("aws"), "/usr/bin/aws", "/usr/local/bin/aws"):
        if cand and os.path.exists(cand):
            major = _version(cand)
            if major and f"v{major}" not in found:
                found[f"v{major}"] = cand
    return found


def run(cli: str, endpoint: str, args: list, key: str = "test", secret: str = "test",
        home: str | None = None):
    """Runs `aws --endpoint-url endpoint lambda ARGS` with the given key; returns
    (returncode, parsed JSON stdout or None, stderr text)."""
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "",
                "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"})
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    if home:
        env["HOME"] = home
        env["AWS_CONFIG_FILE"] = os.path.join(home, "aws-config")
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(home, "aws-credentials")
    r = subprocess.run([cli, "--endpoint-url", endpoint, "--output", "json", "lambda"] + args,
                       capture_output=True, timeout=TIMEOUT, env=env)
    out = r.stdout.decode(errors="replace")
    try:
        parsed = json.loads(out) if out.strip() else None
    except ValueError:
        parsed = None
    return r.returncode, parsed, r.stderr.decode(errors="replace")
