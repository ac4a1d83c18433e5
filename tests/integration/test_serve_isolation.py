# SPDX-License-Identifier: MIT
"""clambda serve --isolation / --network / --cgroup-root: what the server does when full
isolation cannot be had (refuse, or fall back loudly), whoever runs the tests (root or not)."""

import os
import subprocess

from conftest import TIMEOUT, clambda_path, example_path


def run_serve(tmp_path, *args):
    """Starts the server with args; returns (exit code or None if it runs, stderr)."""
    err = tmp_path / "stderr"
    with open(err, "wb") as e:
        p = subprocess.Popen([str(clambda_path()), "serve", "--listen", "127.0.0.1:0",
                              "--state-dir", str(tmp_path / "state"),
                              "--function", f"hello={example_path('hello').parent}", *args],
                             stdout=subprocess.PIPE, stderr=e)
        line = p.stdout.readline()
        if line.startswith(b"clambda: listening on"):
            p.terminate()
            assert p.wait(TIMEOUT) == 0
            p.stdout.close()
            return None, err.read_text()
        rc = p.wait(TIMEOUT)
        p.stdout.close()
        return rc, err.read_text()


def test_full_refuses_to_start_and_says_why(tmp_path):
    rc, err = run_serve(tmp_path, "--isolation", "full", "--cgroup-root", "/nonexistent")
    assert rc == 1, err
    assert "clambda: --isolation full cannot be had: " in err
    if os.geteuid() == 0:
        assert "no cgroup v2 at /nonexistent (no cgroup.controllers) and no v1 memory " \
               "controller (/nonexistent/memory missing)" in err, err
    else:
        assert "not running as root (full isolation needs root)" in err, err


def test_auto_falls_back_loudly(tmp_path):
    rc, err = run_serve(tmp_path, "--cgroup-root", "/nonexistent")  # --isolation auto
    assert rc is None, err  # it serves
    assert "clambda: WARNING: full isolation is not available here (" in err, err
    assert "functions run UNSANDBOXED" in err


def test_isolated_network_needs_full_isolation(tmp_path):
    rc, err = run_serve(tmp_path, "--isolation", "none", "--network", "isolated")
    assert rc == 2 and "--network isolated needs --isolation full" in err, err
    rc, err = run_serve(tmp_path, "--network", "isolated", "--cgroup-root", "/nonexistent")
    assert rc == 1 and "--network isolated cannot be had: " in err, err  # auto: no fallback


def test_bad_values(tmp_path):
    for args in (["--isolation", "some"], ["--network", "bridge"], ["--cgroup-root", "rel"]):
        rc, err = run_serve(tmp_path, *args)
        assert rc == 2 and "invalid value for --" in err, (args, err)


def test_none_says_so(tmp_path):
    rc, err = run_serve(tmp_path, "--isolation", "none")
    assert rc is None and "isolation none" in err, err


def test_relative_state_dir_keeps_full_isolation(tmp_path):
    """Regression: a relative --state-dir (as scripts/start.sh passes) made full isolation
    unavailable ("skeleton root must be an absolute path"): the state dir is made absolute."""
    if os.geteuid() != 0:
        import pytest
        pytest.skip("full isolation needs root")
    os.makedirs(tmp_path / "cwd")
    err = tmp_path / "stderr"
    with open(err, "wb") as e:
        p = subprocess.Popen([str(clambda_path()), "serve", "--listen", "127.0.0.1:0",
                              "--state-dir", "rel/state", "--isolation", "full",
                              "--function", f"hello={example_path('hello').parent}"],
                             stdout=subprocess.PIPE, stderr=e, cwd=tmp_path / "cwd")
        line = p.stdout.readline()
        p.terminate()
        p.wait(TIMEOUT)
        p.stdout.close()
    assert line.startswith(b"clambda: listening on"), err.read_text()
    assert (tmp_path / "cwd" / "rel" / "state" / "clambda.db").exists()


def test_auto_fallback_serves_with_the_default_network(serve):
    """Regression: the default --network nat must not survive a fallback to isolation none
    (the environments would wait for a Runtime API listener from a namespace they lack)."""
    srv = serve({"hello": example_path("hello").parent},
                args=["--isolation", "auto", "--cgroup-root", "/nonexistent"])
    assert "functions run UNSANDBOXED" in srv.stderr()
    st, _, body = srv.invoke("hello", b'{"name":"fallback"}')
    assert st == 200 and b"Hello" in body, (st, body)


def test_nat_and_root_flags_need_full_isolation(tmp_path):
    rc, err = run_serve(tmp_path, "--isolation", "none", "--network", "nat")
    assert rc == 2 and "--network nat needs --isolation full" in err, err
    rc, err = run_serve(tmp_path, "--network", "isolated", "--allow-host-port", "8000")
    assert rc == 2 and "--allow-host-port needs --network nat" in err, err
    for args in (["--allow-host-port", "0"], ["--allow-host-port", "x"], ["--root", "rel"]):
        rc, err = run_serve(tmp_path, *args)
        assert rc == 2 and "invalid value for --" in err, (args, err)
