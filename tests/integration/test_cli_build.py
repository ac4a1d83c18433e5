# SPDX-License-Identifier: MIT
"""`clambda build`: a project from `clambda new` becomes a static bootstrap and a deployable zip
(bootstrap at the root, mode 0755) in target/lambda/NAME/ that answers invocations; nothing is
rebuilt when nothing changed (<= 1 s); --arm64 gives an aarch64 binary that answers under
qemu-aarch64-static; --extension puts the binary under extensions/NAME."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from clitool import clambda, elf_machine, install_prefix, new_project, zip_entries
from conftest import TIMEOUT, is_sanitized, lambda_env
from rapi_server import RuntimeAPIServer

EM_X86_64, EM_AARCH64 = 62, 183


@pytest.fixture(scope="module", autouse=True)
def not_sanitized():
    if is_sanitized():
        pytest.skip("static musl builds are checked in the plain build")
    if shutil.which("musl-gcc") is None:
        pytest.skip("musl-gcc is not installed (musl-tools)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A function project built with --release --output-format zip: (project, first result)."""
    proj = new_project(tmp_path_factory.mktemp("b"), "builder")
    r = clambda("build", "--release", "--output-format", "zip", cwd=proj, check=0)
    return proj, r


def answer(cmd, name, event=b'{"name":"Ada"}'):
    with RuntimeAPIServer() as srv:
        proc = subprocess.Popen(cmd, env=lambda_env(srv.endpoint, name=name),
                                stderr=subprocess.PIPE)
        try:
            rid = srv.push(event)
            return srv.wait_result(rid, TIMEOUT).body
        finally:
            proc.kill()
            proc.wait()


def test_build_release_zip(built):
    proj, r = built
    out = proj / "target" / "lambda" / "builder"
    boot = out / "bootstrap"
    assert "compiling builder (release, x86_64" in r.stderr
    assert elf_machine(boot) == EM_X86_64
    assert "statically linked" in subprocess.run(["file", str(boot)], capture_output=True,
                                                 text=True).stdout
    assert zip_entries(out / "bootstrap.zip") == {"bootstrap": 0o755}
    assert answer([str(boot)], "builder") == b'{"message":"Hello, Ada!"}'


def test_build_again_is_a_no_op_within_a_second(built):
    proj, _ = built
    boot = proj / "target" / "lambda" / "builder" / "bootstrap"
    before = boot.stat().st_mtime_ns
    t0 = time.monotonic()
    r = clambda("build", "--release", "--output-format", "zip", cwd=proj, check=0)
    assert time.monotonic() - t0 <= 1.0
    assert "is up to date" in r.stdout
    assert boot.stat().st_mtime_ns == before


def test_build_after_a_change_rebuilds(built):
    proj, _ = built
    src = proj / "src" / "handler.c"
    src.write_text(src.read_text().replace("Hello, %s!", "Howdy, %s!"))
    future = time.time() + 2
    os.utime(src, (future, future))
    r = clambda("build", "--release", "--output-format", "zip", "--project", proj, check=0)
    assert "compiling builder" in r.stderr
    boot = proj / "target" / "lambda" / "builder" / "bootstrap"
    assert answer([str(boot)], "builder") == b'{"message":"Howdy, Ada!"}'


def test_build_arm64_answers_under_qemu(tmp_path):
    qemu = shutil.which("qemu-aarch64-static")
    if shutil.which("aarch64-linux-gnu-gcc") is None or qemu is None:
        pytest.skip("needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user-static")
    proj = new_project(tmp_path, "armfn")
    clambda("build", "--release", "--arm64", "--output-format", "zip", cwd=proj, check=0)
    out = proj / "target" / "lambda" / "armfn"
    boot = out / "bootstrap"
    assert "ARM aarch64" in subprocess.run(["file", str(boot)], capture_output=True,
                                           text=True).stdout
    assert elf_machine(boot) == EM_AARCH64
    assert zip_entries(out / "bootstrap.zip") == {"bootstrap": 0o755}
    assert "arch=arm64" in (out / ".clambda-build").read_text()
    if shutil.which("aarch64-linux-musl-gcc"):
        assert "libc=musl" in (out / ".clambda-build").read_text()
        assert boot.stat().st_size <= 150 * 1024, boot.stat().st_size
    assert answer([qemu, str(boot)], "armfn") == b'{"message":"Hello, Ada!"}'


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    return install_prefix(tmp_path_factory)


def test_installed_clambda_builds_an_extension(prefix, tmp_path):
    """The installed clambda compiles libclambda from the sources installed beside it
    (share/clambda/src), not from the tree it was built in."""
    exe = prefix / "bin" / "clambda"
    env = {k: v for k, v in os.environ.items() if k != "CLAMBDA_LIB_SRC"}
    subprocess.run([exe, "new", "myext", "--extension"], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=60)
    proj = tmp_path / "myext"
    r = subprocess.run([exe, "build", "--output-format", "zip"], cwd=proj, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = proj / "target" / "lambda" / "myext"
    assert (out / "extensions" / "myext").is_file()
    assert zip_entries(out / "myext.zip") == {"extensions/myext": 0o755}
    record = (out / ".clambda-build").read_text()
    assert "kind=extension" in record
    assert f"lib={prefix}/bin/../share/clambda/src" in record


def test_build_outside_a_project_fails_clearly(tmp_path):
    r = clambda("build", cwd=tmp_path, check=1)
    assert "no src/*.c in ." in r.stderr and "clambda new" in r.stderr


def test_build_usage_errors_exit_2(tmp_path):
    r = clambda("build", "--output-format", "tar", cwd=tmp_path, check=2)
    assert "--output-format tar: binary or zip" in r.stderr
    clambda("build", "--release", "extra", cwd=tmp_path, check=2)


def test_build_sees_a_change_in_the_same_second(tmp_path):
    """Regression: the up-to-date check compared whole seconds, so a save within the second of
    the previous build (what `clambda watch` sees all the time) was taken as up to date."""
    proj = new_project(tmp_path, "samesec")
    clambda("build", cwd=proj, check=0)
    boot = proj / "target" / "lambda" / "samesec" / "bootstrap"
    src = proj / "src" / "handler.c"
    second = int(time.time()) - 10
    os.utime(boot, ns=(second * 10**9 + 100_000_000,) * 2)
    src.write_text(src.read_text().replace("Hello, %s!", "Same second, %s!"))
    os.utime(src, ns=(second * 10**9 + 500_000_000,) * 2)
    r = clambda("build", cwd=proj, check=0)
    assert "compiling samesec" in r.stderr, r.stdout
    assert answer([str(boot)], "samesec") == b'{"message":"Same second, Ada!"}'


def test_build_keeps_libclambda_objects(tmp_path):
    """libclambda is compiled once per target and profile; a change of the project's sources
    compiles only them."""
    proj = new_project(tmp_path, "objs")
    r = clambda("build", cwd=proj, check=0)
    assert "compiling libclambda (debug, x86_64)" in r.stderr
    assert (proj / "target" / "lambda" / ".lib" / "x86_64-debug" / "runtime.o").is_file()
    src = proj / "src" / "handler.c"
    src.write_text(src.read_text().replace("Hello, %s!", "Again, %s!"))
    r = clambda("build", cwd=proj, check=0)
    assert "compiling objs" in r.stderr and "compiling libclambda" not in r.stderr
    boot = proj / "target" / "lambda" / "objs" / "bootstrap"
    assert answer([str(boot)], "objs") == b'{"message":"Again, Ada!"}'


def test_build_arm64_falls_back_to_static_glibc(tmp_path):
    """Without aarch64-linux-musl-gcc (musl-dev:arm64) on PATH, --arm64 links static glibc with
    Debian's cross gcc, records libc=glibc, and the binary answers under qemu too."""
    gcc, qemu = shutil.which("aarch64-linux-gnu-gcc"), shutil.which("qemu-aarch64-static")
    if gcc is None or qemu is None:
        pytest.skip("needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user-static")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "aarch64-linux-gnu-gcc").symlink_to(gcc)
    proj = new_project(tmp_path, "glibcfn")
    clambda("build", "--release", "--arm64", cwd=proj, env={"PATH": str(bindir)}, check=0)
    out = proj / "target" / "lambda" / "glibcfn"
    assert "libc=glibc" in (out / ".clambda-build").read_text()
    assert elf_machine(out / "bootstrap") == EM_AARCH64
    assert answer([qemu, str(out / "bootstrap")], "glibcfn") == b'{"message":"Hello, Ada!"}'
