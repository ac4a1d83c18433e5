# SPDX-License-Identifier: MIT
"""clambda serve, function registry: zip code packages (the examples' zips, hostile zips),
functions that survive a restart through the state database, and clear refusals for bad zips
and unusable state directories (exit status 2 for a bad --function, 1 for the state dir)."""

import io
import json
import shutil
import stat
import subprocess
import zipfile

import pytest

from conftest import TIMEOUT, Server, clambda_path, example_path, runtime_dir


def example_zip(name):
    p = example_path(name).parent / f"{name}.zip"
    if not p.exists():
        pytest.skip(f"{p} is not built")
    return p


@pytest.fixture
def servers():
    """Servers started with Server() directly (several on one state dir); all must exit 0."""
    started = []
    yield started
    for s in started:
        rc = s.stop()
        print(f"=== clambda serve (exit {rc})\n{s.stderr()}")
        assert rc == 0, f"clambda serve exited with {rc}:\n{s.stderr()}"


def start(servers, state, functions, sets=()):
    s = Server(state, functions, sets)
    servers.append(s)
    return s


def restart(servers, s, functions=None, sets=()):
    assert s.stop() == 0, s.stderr()
    servers.remove(s)
    return start(servers, s.state_dir, functions or {}, sets)


def run_refused(state, functions, timeout=TIMEOUT):
    """Runs a server that must refuse to start: (exit status, stderr)."""
    cmd = [str(clambda_path()), "serve", "--listen", "127.0.0.1:0", "--state-dir", str(state)]
    for name, path in functions.items():
        cmd += ["--function", f"{name}={path}"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    assert b"listening on" not in p.stdout
    return p.returncode, p.stderr.decode(errors="replace")


def write_zip(path, entries):
    """entries: (name, unix mode, data) written with their Unix modes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, mode, data in entries:
            zi = zipfile.ZipInfo(name)
            zi.create_system = 3
            zi.external_attr = mode << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    path.write_bytes(buf.getvalue())
    return path


def test_zip_function_serves(servers, tmp_path):
    z = example_zip("hello")
    s = start(servers, tmp_path / "state", {"hello": z})
    r = s.boto3().invoke(FunctionName="hello", Payload=b"{}")
    assert json.loads(r["Payload"].read()) == {"message": "Hello from hello!"}
    # Extracted once into the content-addressed directory, bootstrap still executable.
    dirs = [d for d in (s.state_dir / "code").iterdir() if d.is_dir()]  # and the kept zip
    assert len(dirs) == 1 and len(dirs[0].name) == 64
    assert dirs[0].joinpath("bootstrap").stat().st_mode & stat.S_IXUSR
    # The same zip under a second name reuses the directory.
    s = restart(servers, s, {"hello": z, "hello2": z})
    r = s.boto3().invoke(FunctionName="hello2", Payload=b"{}")
    assert r["StatusCode"] == 200 and "FunctionError" not in r
    assert sorted(p.name for p in (s.state_dir / "code").iterdir()) == \
        [dirs[0].name, dirs[0].name + ".zip"]


def test_restart_keeps_functions(servers, tmp_path):
    s = start(servers, tmp_path / "state", {"hello": example_zip("hello"),
                                            "py": runtime_dir("pyrt")},
              sets=["py.memory=256", "py.env.MARK=kept"])
    assert s.invoke("hello")[0] == 200
    # Restart with only --state-dir: both functions and py's settings are back.
    s = restart(servers, s)
    st, _, body = s.invoke("hello")
    assert st == 200 and json.loads(body) == {"message": "Hello from hello!"}
    env = json.loads(s.invoke("py", {"action": "env"})[2])["env"]
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["MARK"] == "kept"
    # A --set alone changes a stored function, and is saved too.
    s = restart(servers, s, sets=["py.memory=512"])
    s = restart(servers, s)
    env = json.loads(s.invoke("py", {"action": "env"})[2])["env"]
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["MARK"] == "kept"
    # A --function replaces the stored function as a whole (code and configuration).
    s = restart(servers, s, {"py": example_path("echo").parent})
    assert s.invoke("py", b'{"x":1}')[2] == b'{"x":1}'
    s = restart(servers, s)
    assert s.invoke("py", b'{"x":2}')[2] == b'{"x":2}'


def test_vanished_code_dir_fails_invokes_only(servers, tmp_path):
    s = start(servers, tmp_path / "state", {"hello": example_zip("hello"),
                                            "echo": example_path("echo").parent})
    assert s.invoke("hello")[0] == 200
    assert s.stop() == 0
    servers.remove(s)
    shutil.rmtree(next(d for d in (tmp_path / "state" / "code").iterdir() if d.is_dir()))
    s = start(servers, tmp_path / "state", {})
    assert "code directory" in s.stderr() and "is missing" in s.stderr()
    r = s.boto3().invoke(FunctionName="hello", Payload=b"{}")
    assert r["FunctionError"] == "Unhandled"
    assert json.loads(r["Payload"].read())["errorType"] == "Runtime.InvalidEntrypoint"
    assert s.invoke("echo", b'"still fine"')[2] == b'"still fine"'


def test_zip_without_bootstrap_fails_at_invoke(servers, tmp_path):
    z = write_zip(tmp_path / "nob.zip", [("handler.txt", 0o100644, "no bootstrap here")])
    s = start(servers, tmp_path / "state", {"nob": z})
    r = s.boto3().invoke(FunctionName="nob", Payload=b"{}")
    assert r["FunctionError"] == "Unhandled"
    assert json.loads(r["Payload"].read())["errorType"] == "Runtime.InvalidEntrypoint"


def test_bad_zip_refused(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"this is not a zip file\n" * 10)
    rc, err = run_refused(tmp_path / "state", {"fn": bad})
    assert rc == 2, err
    assert f"function fn, code {bad}" in err
    assert "Could not unzip uploaded file. Please check your file, then try to upload again." \
        in err
    # Truncated: a real zip cut in half.
    half = tmp_path / "half.zip"
    data = example_zip("hello").read_bytes()
    half.write_bytes(data[: len(data) // 2])
    rc, err = run_refused(tmp_path / "state", {"fn": half})
    assert rc == 2 and "Could not unzip" in err, err


@pytest.mark.parametrize("entries,needle", [
    ([("bootstrap", 0o100755, "#!/bin/sh\n"), ("../escaped", 0o100644, "x")], "../escaped"),
    ([("/tmp/clambda-registry-abs", 0o100644, "x")], "/tmp/clambda-registry-abs"),
    ([("etc", 0o120777, "/etc")], "etc (symlink target leaves the package)"),
    ([("d", 0o120777, "."), ("e", 0o120777, "d/..")], "e (symlink target leaves the package)"),
], ids=["zip-slip", "absolute", "symlink-etc", "symlink-chain"])
def test_unsafe_zip_refused(tmp_path, entries, needle):
    z = write_zip(tmp_path / "evil.zip", entries)
    rc, err = run_refused(tmp_path / "state", {"fn": z})
    assert rc == 2, err
    assert "Unsafe entry in code package" in err and needle in err, err
    assert not (tmp_path / "escaped").exists()
    assert not (tmp_path / "state" / "escaped").exists()
    assert not pathlib_exists("/tmp/clambda-registry-abs")
    assert list((tmp_path / "state" / "code").iterdir()) == []


def pathlib_exists(p):
    import os
    return os.path.lexists(p)


def test_corrupt_state_db_refused(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "clambda.db").write_bytes(b"garbage, not an SQLite database " * 200)
    rc, err = run_refused(state, {"hello": example_path("hello").parent})
    assert rc == 2, err  # damaged: refused, not served as an empty registry
    assert f"{state}/clambda.db" in err and "not a database" in err
    assert "move it aside" in err and "restore a backup" in err
    # Left as it was: nothing is overwritten.
    assert (state / "clambda.db").read_bytes().startswith(b"garbage")


def test_unusable_state_dir_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("a file, not a directory")
    rc, err = run_refused(f / "state", {"hello": example_path("hello").parent})
    assert rc == 1, err
    assert f"mkdir({f}" in err
    # The database path is taken by a directory.
    state = tmp_path / "state"
    (state / "clambda.db").mkdir(parents=True)
    rc, err = run_refused(state, {"hello": example_path("hello").parent})
    assert rc == 1, err
    assert "clambda.db" in err


def test_set_unknown_function_refused(tmp_path):
    cmd = [str(clambda_path()), "serve", "--listen", "127.0.0.1:0", "--state-dir",
           str(tmp_path / "state"), "--set", "ghost.memory=256"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 2
    assert b"--set ghost.memory=256: no function with that name" in p.stderr


def test_manifest_zip_not_stored(servers, tmp_path):
    """A manifest's functions may be zips; they are not stored (the manifest is their source),
    and a manifest function shadows a stored one of the same name for that run only."""
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"functions": {"mz": {"code": str(example_zip("hello"))},
                                           "same": {"code": str(example_zip("hello"))}}}))
    state = tmp_path / "state"
    s = start(servers, state, {"same": example_path("echo").parent})
    assert s.invoke("same", b'"echo"')[2] == b'"echo"'
    assert s.stop() == 0
    servers.remove(s)
    s = Server(state, {}, (), ["--manifest", str(m)])
    servers.append(s)
    assert json.loads(s.invoke("mz")[2]) == {"message": "Hello from mz!"}
    assert json.loads(s.invoke("same")[2]) == {"message": "Hello from same!"}
    s = restart(servers, s)
    assert s.invoke("mz")[0] == 404
    assert s.invoke("same", b'"echo"')[2] == b'"echo"'
