# SPDX-License-Identifier: MIT
"""The option tables' other outputs: `clambda completion bash` sourced in bash completes
subcommands and each command's options; `clambda man` is a man page naming every command and
option (and the build wrote it to <build>/clambda.1); serve's table names exactly the options
`clambda serve` accepts; top-level exit codes."""

from __future__ import annotations

import re
import subprocess

import pytest

from clitool import clambda
from conftest import build_dir, clambda_path

COMMANDS = ["new", "build", "deploy", "invoke", "logs", "serve", "completion", "man"]


def complete(words, tmp_path):
    script = tmp_path / "clambda.bash"
    script.write_text(clambda("completion", "bash", check=0).stdout)
    line = " ".join(f"'{w}'" for w in words)
    cmd = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
           f"_clambda; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_completion_lists_subcommands(tmp_path):
    assert set(COMMANDS) <= set(complete(["clambda", ""], tmp_path))
    assert complete(["clambda", "de"], tmp_path) == ["deploy"]


def test_completion_of_options_and_values(tmp_path):
    assert set(complete(["clambda", "deploy", "--e"], tmp_path)) == \
        {"--env-var", "--enable-function-url", "--endpoint-url"}
    assert complete(["clambda", "build", "--output-format", ""], tmp_path) == ["binary", "zip"]
    assert "sqs" in complete(["clambda", "invoke", "x", "--data-example", "s"], tmp_path)
    assert complete(["clambda", "deploy", "--arch", "a"], tmp_path) == ["arm64"]


def test_man_page():
    r = clambda("man", check=0)
    assert r.stdout.startswith(".\\\" Generated")
    assert ".TH CLAMBDA 1" in r.stdout
    for c in COMMANDS:
        assert f'.SS "clambda {c}"' in r.stdout
    for opt in ("iam\\-role", "data\\-example", "output\\-format", "enable\\-function\\-url"):
        assert f".BR \\-\\-{opt}" in r.stdout
    built = build_dir() / "clambda.1"
    assert built.read_text() == r.stdout
    man = subprocess.run(["man", "-l", "-"], input=r.stdout, capture_output=True, text=True,
                         timeout=60, env={"MANWIDTH": "100", "PATH": "/usr/bin:/bin"})
    if man.returncode == 0:
        assert "clambda deploy" in man.stdout


def test_serve_table_matches_serve():
    script = clambda("completion", "bash", check=0).stdout
    block = script.split("    serve)\n")[1].split("\n        ;;\n")[0]
    table = set(re.search(r"opts='([^']*)'", block).group(1).split()) - {"--help"}
    usage = subprocess.run([str(clambda_path()), "serve", "--help"], capture_output=True,
                           text=True, timeout=30).stdout
    accepted = {f"--{o}" for o in re.findall(r"--([a-z][a-z-]+)", usage)} - {"--help"}
    assert table == accepted


def test_every_command_has_help():
    for c in COMMANDS:
        r = clambda(c, "--help", check=0)
        assert r.stdout.startswith(f"usage: clambda {c}") or c == "serve"
        assert "--help" in r.stdout or c == "serve"


def test_top_level_exit_codes():
    assert clambda("--help", check=0).stdout.startswith("usage: clambda")
    assert "unknown command nope" in clambda("nope", check=2).stderr
    clambda(check=2)
    clambda("build", "--nope", check=2)
