# SPDX-License-Identifier: MIT
"""`clambda new`: every kind of project (function, --http, --stream, --extension) builds against
an installed libclambda with make (pkg-config) and with CMake (find_package), and its unit test
passes as created; usage errors exit 2, an existing directory exits 1 and is left alone."""

from __future__ import annotations

import os
import subprocess

import pytest

from clitool import clambda, install_prefix, new_project

KINDS = [("function", []), ("http", ["--http"]), ("stream", ["--stream"]),
         ("extension", ["--extension"])]


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    return install_prefix(tmp_path_factory)


@pytest.mark.parametrize("kind,flags", KINDS, ids=[k for k, _ in KINDS])
def test_new_project_builds_and_passes_its_test(prefix, tmp_path, kind, flags):
    proj = new_project(tmp_path, f"my-{kind}", *flags)
    files = {str(p.relative_to(proj)) for p in proj.rglob("*") if p.is_file()}
    assert {"CMakeLists.txt", "Makefile", "README.md", ".gitignore", "src/main.c",
            "src/handler.c", "src/handler.h", "tests/test_handler.c"} <= files
    readme = (proj / "README.md").read_text()
    assert "clambda build --release" in readme and "{{" not in readme
    assert f"project(my-{kind} C)" in (proj / "CMakeLists.txt").read_text()

    libdir = next(d for d in (prefix / "lib", prefix / "lib64") if d.exists())
    env = dict(os.environ, PKG_CONFIG_PATH=str(libdir / "pkgconfig"))
    r = subprocess.run(["make", "all", "test"], cwd=proj, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "all checks passed" in r.stdout
    assert "warning" not in r.stderr, r.stderr

    b = proj / "build"
    for cmd in (["cmake", "-S", str(proj), "-B", str(b), f"-DCMAKE_PREFIX_PATH={prefix}"],
                ["cmake", "--build", str(b)], ["ctest", "--test-dir", str(b)]):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, " ".join(cmd) + "\n" + r.stdout + r.stderr
    assert "100% tests passed" in r.stdout


def test_new_refuses_an_existing_directory(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep")
    r = clambda("new", "taken", cwd=tmp_path, check=1)
    assert "mkdir(taken): File exists" in r.stderr
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["mine.txt"]


@pytest.mark.parametrize("args,message", [
    (["new"], "give one NAME"),
    (["new", "9lives"], "NAME 9lives"),
    (["new", "a/b"], "NAME a/b"),
    (["new", "x", "--http", "--stream"], "exclude each other"),
    (["new", "x", "--bogus"], "unknown option --bogus"),
])
def test_new_usage_errors_exit_2(tmp_path, args, message):
    r = clambda(*args, cwd=tmp_path, check=2)
    assert message in r.stderr
    assert "clambda new --help" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_help(tmp_path):
    r = clambda("new", "--help", check=0)
    for opt in ("--http", "--stream", "--extension", "--help"):
        assert opt in r.stdout
