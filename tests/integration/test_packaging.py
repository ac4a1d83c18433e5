# SPDX-License-Identifier: MIT
"""How function authors consume libclambda: the installed headers, static and shared
libraries, clambda.pc and the CMake package (a program builds and runs with each), and a
static arm64 build of examples/hello that answers invocations under qemu-user."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import SOURCE_DIR, TIMEOUT, build_dir, is_sanitized
from rapi_server import RuntimeAPIServer

PROGRAM = r"""
#include <stdio.h>
#include <clambda/runtime.h>
#include <clambda/http.h>
#include <clambda/extension.h>
int main(void)
{
    clambda_runtime *rt;
    int rc = clambda_runtime_open(&rt); /* AWS_LAMBDA_RUNTIME_API is unset: CLAMBDA_ENOENV */
    printf("%d %d %s\n", clambda_version_num(), rc, clambda_strerror(rc));
    return rc == CLAMBDA_ENOENV ? 0 : 1;
}
"""


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    b = build_dir()
    if b is None:
        pytest.skip("CLAMBDA_BUILD_DIR is not set")
    if is_sanitized():
        pytest.skip("the sanitizer build's libraries need -fsanitize in every consumer")
    p = tmp_path_factory.mktemp("prefix")
    subprocess.run(["cmake", "--install", str(b), "--prefix", str(p)], check=True,
                   capture_output=True, timeout=TIMEOUT)
    return p


def run_program(exe, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_RUNTIME_API"}
    env.update(env_extra or {})
    out = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.split()[:2] == ["100", "-3"], out.stdout  # version 0.1.0, ENOENV


def test_install_layout(prefix):
    libdir = next(d for d in (prefix / "lib", prefix / "lib64") if d.exists())
    for rel in ("include/clambda/runtime.h", "include/clambda/http.h",
                "include/clambda/extension.h"):
        assert (prefix / rel).is_file(), rel
    assert (libdir / "libclambda.a").is_file()
    assert (libdir / "libclambda.so.0").exists()
    assert (libdir / "pkgconfig" / "clambda.pc").is_file()
    assert (libdir / "cmake" / "clambda" / "clambdaConfig.cmake").is_file()


def test_pkg_config_static_and_shared(prefix, tmp_path):
    libdir = next(d for d in (prefix / "lib", prefix / "lib64") if d.exists())
    src = tmp_path / "main.c"
    src.write_text(PROGRAM)
    env = dict(os.environ, PKG_CONFIG_PATH=str(libdir / "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "clambda"], env=env, check=True,
                           capture_output=True, text=True).stdout.split()
    shared = tmp_path / "shared"
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Werror", "-o", str(shared), str(src), *flags,
                    f"-Wl,-rpath,{libdir}"], check=True, timeout=TIMEOUT)
    run_program(shared)
    static = tmp_path / "static"
    subprocess.run(["gcc", "-std=c11", "-static", "-o", str(static), str(src), *flags],
                   check=True, capture_output=True, timeout=TIMEOUT)
    run_program(static)


def test_cmake_find_package(prefix, tmp_path):
    (tmp_path / "main.c").write_text(PROGRAM)
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.25)\nproject(consumer C)\n"
        "find_package(clambda 0.1 REQUIRED)\n"
        "add_executable(fn main.c)\ntarget_link_libraries(fn PRIVATE clambda::clambda_static)\n")
    bdir = tmp_path / "build"
    subprocess.run(["cmake", "-S", str(tmp_path), "-B", str(bdir), f"-DCMAKE_PREFIX_PATH={prefix}"],
                   check=True, capture_output=True, timeout=TIMEOUT)
    subprocess.run(["cmake", "--build", str(bdir)], check=True, capture_output=True,
                   timeout=TIMEOUT)
    run_program(bdir / "fn")


AWS_PROGRAM = r"""
#include <stdio.h>
#include <clambda/aws.h>
int main(void)
{
    clambda_aws_client *c = NULL; /* no AWS_* credentials in the environment: CLAMBDA_ENOCREDS */
    int rc = clambda_aws_client_open("dynamodb", &c);
    printf("%d %d %s\n", clambda_version_num(), rc, clambda_strerror(rc));
    return rc == CLAMBDA_ENOCREDS ? 0 : 1;
}
"""


def run_aws_program(exe):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.split()[:2] == ["100", "-68"], out.stdout


def test_aws_library_pkg_config_and_cmake(prefix, tmp_path):
    """libclambda_aws: static, with clambda-aws.pc and clambda::aws, beside either libclambda."""
    libdir = next(d for d in (prefix / "lib", prefix / "lib64") if d.exists())
    if not (libdir / "libclambda_aws.a").is_file():
        pytest.skip("libclambda_aws was not built (no mbedTLS)")
    assert (prefix / "include" / "clambda" / "aws.h").is_file()
    src = tmp_path / "main.c"
    src.write_text(AWS_PROGRAM)
    env = dict(os.environ, PKG_CONFIG_PATH=str(libdir / "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "clambda-aws", "clambda"],
                           env=env, check=True, capture_output=True, text=True).stdout.split()
    for name, extra in (("static", ["-static"]), ("shared", [f"-Wl,-rpath,{libdir}"])):
        subprocess.run(["gcc", "-std=c11", "-Wall", "-Werror", *extra, "-o", str(tmp_path / name),
                        str(src), *flags], check=True, capture_output=True, timeout=TIMEOUT)
        run_aws_program(tmp_path / name)
    proj = tmp_path / "cmake"
    proj.mkdir()
    (proj / "main.c").write_text(AWS_PROGRAM)
    (proj / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.25)\nproject(consumer C)\n"
        "find_package(clambda 0.1 REQUIRED)\n"
        "add_executable(fn main.c)\n"
        "target_link_libraries(fn PRIVATE clambda::aws clambda::clambda_static)\n")
    bdir = proj / "build"
    subprocess.run(["cmake", "-S", str(proj), "-B", str(bdir), f"-DCMAKE_PREFIX_PATH={prefix}"],
                   check=True, capture_output=True, timeout=TIMEOUT)
    subprocess.run(["cmake", "--build", str(bdir)], check=True, capture_output=True,
                   timeout=TIMEOUT)
    run_aws_program(bdir / "fn")


def test_hello_cross_compiles_to_arm64_and_runs(tmp_path):
    cc = shutil.which("aarch64-linux-gnu-gcc")
    qemu = shutil.which("qemu-aarch64-static")
    if cc is None or qemu is None:
        pytest.skip("needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user-static "
                    "(scripts/install-deps.sh installs them)")
    jsmn = tmp_path / "inc"
    jsmn.mkdir()
    shutil.copy("/usr/include/jsmn.h", jsmn / "jsmn.h")  # the cross compiler skips /usr/include
    sources = [str(p) for p in sorted((SOURCE_DIR / "src" / "common").glob("*.c"))]
    sources += [str(p) for p in sorted((SOURCE_DIR / "src" / "runtime").glob("*.c"))]
    boot = tmp_path / "bootstrap"
    subprocess.run([cc, "-std=c11", "-D_GNU_SOURCE", "-DCLAMBDA_BUILDING", "-Os", "-static",
                    "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden", "-ffunction-sections",
                    "-fdata-sections", "-Wl,--gc-sections", "-s",
                    f"-I{SOURCE_DIR / 'include'}", f"-I{SOURCE_DIR / 'src' / 'common'}",
                    f"-I{SOURCE_DIR / 'src' / 'runtime'}", f"-I{jsmn}", "-o", str(boot),
                    str(SOURCE_DIR / "examples" / "hello" / "main.c"), *sources],
                   check=True, capture_output=True, timeout=300)
    header = boot.read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and header[4] == 2  # ELF64
    assert int.from_bytes(header[18:20], "little") == 183  # EM_AARCH64
    with RuntimeAPIServer() as srv:
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=srv.endpoint,
                   AWS_LAMBDA_FUNCTION_NAME="hello-arm64")
        proc = subprocess.Popen([qemu, str(boot)], env=env, stderr=subprocess.PIPE)
        try:
            for _ in range(3):
                rid = srv.push(b"{}")
                res = srv.wait_result(rid, TIMEOUT)
                assert res.body == b'{"message":"Hello from hello-arm64!"}'
            assert srv.connections_accepted == 1
        finally:
            proc.kill()
            proc.wait()
