# SPDX-License-Identifier: MIT
"""clambda serve --manifest FILE and SIGHUP reloads: functions and settings from a JSON file,
changed functions get new environments without failing in-flight invocations, removed ones
disappear, a bad manifest is refused with a message naming the problem."""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import TIMEOUT, clambda_path, example_path, invoke_json, runtime_dir, wait_until

PY = runtime_dir("pyrt")


def write_manifest(path, functions):
    path.write_text(json.dumps({"functions": functions}))
    return path


def wait_stderr(srv, text, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in srv.stderr():
            return
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in the server's stderr:\n{srv.stderr()}")


def test_manifest_functions_and_settings(serve, tmp_path):
    echo = example_path("echo").parent
    m = write_manifest(tmp_path / "m.json", {
        "py": {"code": os.path.relpath(PY, tmp_path), "memory": 256, "timeout": "5",
               "environment": {"GREETING": "hi", "INIT_MODE": "ok"}},
        "echo": {"code": str(echo)},
    })
    srv = serve({}, args=["--manifest", str(m)])
    _, body = invoke_json(srv, "py", {"action": "env"})
    assert body["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert body["env"]["GREETING"] == "hi"
    _, body = invoke_json(srv, "echo", {"a": 1})
    assert body == {"a": 1}


def test_set_overrides_manifest(serve, tmp_path):
    m = write_manifest(tmp_path / "m.json", {"py": {"code": str(PY), "memory": 256}})
    srv = serve({}, sets=["py.memory=512"], args=["--manifest", str(m)])
    _, body = invoke_json(srv, "py", {"action": "env"})
    assert body["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"


BAD = [
    ("not json", "{", "line 1"),
    ("no functions", {"fns": {}}, "expected {\"functions\""),
    ("no code", {"functions": {"f": {"memory": 128}}}, "functions.f: expected an object with"),
    ("missing code dir", {"functions": {"f": {"code": "/nonexistent/dir"}}},
     "functions.f.code"),
    ("memory too low", {"functions": {"f": {"code": str(PY), "memory": 64}}},
     "functions.f.memory: invalid value 64"),
    ("unknown key", {"functions": {"f": {"code": str(PY), "colour": "blue"}}},
     "functions.f.colour"),
    ("float", {"functions": {"f": {"code": str(PY), "timeout": 1.5}}},
     "functions.f.timeout: expected a string or an integer"),
    ("env not object", {"functions": {"f": {"code": str(PY), "environment": ["A=1"]}}},
     "functions.f.environment: expected an object"),
    ("bad env name", {"functions": {"f": {"code": str(PY), "environment": {"1X": "v"}}}},
     "functions.f.environment.1X"),
    ("bad name", {"functions": {"f/x": {"code": str(PY)}}}, "functions.f/x.code"),
]


@pytest.mark.parametrize("what,doc,message", BAD, ids=[b[0] for b in BAD])
def test_bad_manifest_refused(tmp_path, what, doc, message):
    m = tmp_path / "m.json"
    m.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    r = subprocess.run([str(clambda_path()), "serve", "--listen", "127.0.0.1:0", "--state-dir",
                        str(tmp_path / "state"), "--manifest", str(m)],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 2, (what, r.stdout, r.stderr)
    assert "listening" not in r.stdout
    assert str(m) in r.stderr and message in r.stderr, r.stderr


def test_missing_manifest_and_duplicate_name(tmp_path):
    base = [str(clambda_path()), "serve", "--listen", "127.0.0.1:0", "--state-dir",
            str(tmp_path / "state")]
    r = subprocess.run(base + ["--manifest", str(tmp_path / "none.json")], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert r.returncode == 2 and "No such file or directory" in r.stderr
    m = write_manifest(tmp_path / "m.json", {"py": {"code": str(PY)}})
    r = subprocess.run(base + ["--manifest", str(m), "--function", f"py={PY}"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 2 and "function py is both in --function and in" in r.stderr


def test_sighup_replaces_changed_function_without_failing_inflight(serve, tmp_path):
    m = write_manifest(tmp_path / "m.json",
                       {"py": {"code": str(PY), "timeout": 30, "environment": {"VER": "1"}}})
    srv = serve({}, args=["--manifest", str(m)])
    _, before = invoke_json(srv, "py", {"action": "count"})
    slow = {}

    def run():
        slow["r"] = invoke_json(srv, "py", {"action": "sleep", "seconds": 2})

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.5)  # the sleep is running on the only environment
    write_manifest(m, {"py": {"code": str(PY), "timeout": 30, "environment": {"VER": "2"}}})
    srv.proc.send_signal(signal.SIGHUP)
    wait_stderr(srv, "1 replaced")
    _, env = invoke_json(srv, "py", {"action": "env"})
    assert env["env"]["VER"] == "2"
    t.join(TIMEOUT)
    h, old = slow["r"]
    assert "x-amz-function-error" not in h
    assert old["pid"] == before["pid"]  # the in-flight invocation finished where it started
    _, after = invoke_json(srv, "py", {"action": "count"})
    assert after["pid"] != before["pid"] and after["count"] == 2
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and os.path.exists(f"/proc/{before['pid']}/status"):
        with open(f"/proc/{before['pid']}/status") as f:
            if "State:\tZ" in f.read():
                break
        time.sleep(0.05)
    else:
        assert not os.path.exists(f"/proc/{before['pid']}/status"), "old runtime still runs"


def test_sighup_unchanged_keeps_environment(serve, tmp_path):
    m = write_manifest(tmp_path / "m.json", {"py": {"code": str(PY)}})
    srv = serve({}, args=["--manifest", str(m)])
    _, a = invoke_json(srv, "py", {"action": "count"})
    srv.proc.send_signal(signal.SIGHUP)
    wait_stderr(srv, "1 unchanged or rescaled")
    _, b = invoke_json(srv, "py", {"action": "count"})
    assert b["pid"] == a["pid"] and b["count"] == 2


def test_sighup_adds_and_removes(serve, tmp_path):
    m = write_manifest(tmp_path / "m.json", {"a": {"code": str(PY)}})
    srv = serve({"keep": str(PY)}, args=["--manifest", str(m)])
    invoke_json(srv, "a", {"action": "count"})
    write_manifest(m, {"b": {"code": str(PY)}})
    srv.proc.send_signal(signal.SIGHUP)
    wait_stderr(srv, "1 added, 0 replaced, 0 unchanged or rescaled, 1 removed")
    st, h, body = srv.invoke("a", b"{}")
    assert st == 404 and h["x-amzn-errortype"] == "ResourceNotFoundException"
    invoke_json(srv, "b", {"action": "count"})
    invoke_json(srv, "keep", {"action": "count"})  # --function functions are not the manifest's


def test_sighup_bad_manifest_keeps_running(serve, tmp_path):
    m = write_manifest(tmp_path / "m.json", {"py": {"code": str(PY)}})
    srv = serve({"cli": str(PY)}, args=["--manifest", str(m)])
    _, a = invoke_json(srv, "py", {"action": "count"})
    m.write_text("{not json")
    srv.proc.send_signal(signal.SIGHUP)
    wait_stderr(srv, "keeping the running functions")
    write_manifest(m, {"cli": {"code": str(PY)}})  # clashes with --function cli
    srv.proc.send_signal(signal.SIGHUP)
    wait_stderr(srv, "function cli is also given by --function")
    _, b = invoke_json(srv, "py", {"action": "count"})
    assert b["pid"] == a["pid"]


def test_sighup_without_manifest_is_harmless(serve):
    srv = serve({"py": str(PY)})
    srv.proc.send_signal(signal.SIGHUP)
    wait_stderr(srv, "no --manifest to reload")
    invoke_json(srv, "py", {"action": "count"})


def test_lowered_reserved_concurrency_applies_to_warm_environments(serve, tmp_path):
    """Regression: reserved concurrency 0 (or below the warm count) throttles even though
    warm idle environments exist."""
    m = write_manifest(tmp_path / "m.json", {"py": {"code": str(PY)}})
    srv = serve({}, args=["--manifest", str(m), "--throttle-wait-ms", "100"])
    invoke_json(srv, "py", {"action": "count"})  # one warm environment
    write_manifest(m, {"py": {"code": str(PY), "reserved": 0}})
    srv.proc.send_signal(signal.SIGHUP)
    wait_stderr(srv, "1 unchanged or rescaled")
    st, h, body = srv.invoke("py", b"{}")
    assert st == 429, (st, body)
    assert json.loads(body)["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    write_manifest(m, {"py": {"code": str(PY), "reserved": 1}})
    srv.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: srv.stderr().count("1 unchanged or rescaled") == 2, what="second reload")
    _, body = invoke_json(srv, "py", {"action": "count"})
    assert body["count"] == 2  # the warm environment serves again
