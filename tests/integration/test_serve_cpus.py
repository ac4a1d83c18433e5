# SPDX-License-Identifier: MIT
"""--cpu-affinity (src/server/exec/cpuplace.h): with `auto`, the default, while invocations
come one at a time the environment that takes one (of at most one vCPU: ≤ 1769 MB) runs on the
CPU of the server's loop, both pinned there, so that a warm invoke's ping-pong wakes no other
CPU; concurrency gives the server and every runtime all CPUs back, and invocations one at a
time (a second after) pin the one that serves them again; a bigger function and
`--cpu-affinity none` are never pinned. An extension subscribed to INVOKE runs on the other
CPUs, beside the runtime; the other extensions share the runtime's. Checked from /proc (sched_getaffinity) under isolation
none and full."""

import os
import threading
import uuid

import pytest

from conftest import env_pids, full_isolation_skip_reason, invoke_json, runtime_dir, wait_until

ALL = os.sched_getaffinity(0)
pytestmark = pytest.mark.skipif(len(ALL) < 2, reason="one CPU: nothing to place")


def modes():
    return ["none", pytest.param("full", marks=pytest.mark.skipif(
        full_isolation_skip_reason() is not None, reason=str(full_isolation_skip_reason())))]


def cpus(pid: int) -> set:
    """The CPUs pid (its main thread) may run on."""
    return os.sched_getaffinity(pid)


def runtimes(mark: str) -> list:
    """Host pids of the runtimes (and their children) started with CPU_TEST_MARK=mark."""
    return env_pids("CPU_TEST_MARK", mark)


def start(serve, mode: str, memory: int = 128, args=()):
    mark = uuid.uuid4().hex
    srv = serve({"py": runtime_dir("pyrt")},
                sets=[f"py.env.CPU_TEST_MARK={mark}", f"py.memory={memory}"],
                args=["--isolation", mode, *args])
    return srv, mark


@pytest.mark.parametrize("mode", modes())
def test_one_at_a_time_shares_the_server_cpu_concurrency_spreads(serve, mode):
    srv, mark = start(serve, mode)
    invoke_json(srv, "py", {"action": "count"})
    pids = runtimes(mark)
    assert pids
    server = cpus(srv.proc.pid)
    assert len(server) == 1, server  # the loop thread, pinned
    for p in pids:
        assert cpus(p) == server, (p, cpus(p), server)

    # two at once: a second environment; everything gets every CPU back
    threads = [threading.Thread(target=invoke_json, args=(srv, "py", {"action": "sleep",
                                                                     "seconds": 1.5}))
               for _ in range(2)]
    for t in threads:
        t.start()
    wait_until(lambda: len(runtimes(mark)) >= 2, what="a second environment")
    wait_until(lambda: cpus(srv.proc.pid) == ALL, what="the server unpinned")
    for t in threads:
        t.join()
    for p in runtimes(mark):
        assert cpus(p) == ALL, (p, cpus(p))

    # one at a time again, more than a second after the concurrency: the environment that
    # serves is pinned with the server, the other one keeps every CPU
    _, got = invoke_json(srv, "py", {"action": "count"})
    server = cpus(srv.proc.pid)
    assert len(server) == 1, server
    serving = set(env_pids("AWS_LAMBDA_LOG_STREAM_NAME", got["stream"]))
    assert serving
    for p in runtimes(mark):
        assert cpus(p) == (server if p in serving else ALL), (p, cpus(p), serving)


def cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode()


@pytest.mark.parametrize("mode", modes())
def test_invoke_extension_runs_apart_the_others_with_the_runtime(serve, mode):
    """An extension subscribed to INVOKE works beside the runtime, not in turn with it: pinned
    to every CPU but the server's; one that is not (SHUTDOWN only, or none, as the web
    adapter) shares the server's CPU with the runtime. Concurrency gives both all CPUs back."""
    from test_serve_extensions import EXT, ROLE, _zip
    mark = uuid.uuid4().hex
    srv = serve({}, args=["--isolation", mode])
    c = srv.boto3()
    lv = c.publish_layer_version(LayerName="cpu-ext", Content={"ZipFile": _zip(
        {"extensions/inv": EXT, "extensions/quiet": EXT})})
    boot = (runtime_dir("pyrt") / "bootstrap").read_bytes()
    c.create_function(FunctionName="x", Runtime="provided.al2023", Handler="bootstrap",
                      Role=ROLE, Code={"ZipFile": _zip({"bootstrap": boot})},
                      Layers=[lv["LayerVersionArn"]], Environment={"Variables": {
                          "CPU_TEST_MARK": mark, "EXT_MODE_inv": "invoke-only",
                          "EXT_MODE_quiet": "shutdown-only"}})
    c.get_waiter("function_active_v2").wait(FunctionName="x")
    invoke_json(srv, "x", {"action": "count"})
    server = cpus(srv.proc.pid)
    assert len(server) == 1, server
    procs = {p: cmdline(p) for p in runtimes(mark)}
    inv = [p for p, cmd in procs.items() if "extensions/inv" in cmd]
    quiet = [p for p, cmd in procs.items() if "extensions/quiet" in cmd]
    assert len(inv) == 1 and len(quiet) == 1, procs
    for p in procs:
        want = ALL - server if p in inv else server
        assert cpus(p) == want, (procs[p], cpus(p), want)

    threads = [threading.Thread(target=invoke_json, args=(srv, "x", {"action": "sleep",
                                                                    "seconds": 1.5}))
               for _ in range(2)]
    for t in threads:
        t.start()
    wait_until(lambda: cpus(srv.proc.pid) == ALL, what="the server unpinned")
    for t in threads:
        t.join()
    for p in inv + quiet:
        assert cpus(p) == ALL, (procs[p], cpus(p))


def test_bigger_than_one_vcpu_is_not_pinned(serve):
    srv, mark = start(serve, "none", memory=2048)
    invoke_json(srv, "py", {"action": "count"})
    assert runtimes(mark)
    assert cpus(srv.proc.pid) == ALL
    for p in runtimes(mark):
        assert cpus(p) == ALL


def test_affinity_none_pins_nothing(serve):
    srv, mark = start(serve, "none", args=["--cpu-affinity", "none"])
    invoke_json(srv, "py", {"action": "count"})
    assert runtimes(mark)
    assert cpus(srv.proc.pid) == ALL
    for p in runtimes(mark):
        assert cpus(p) == ALL


def test_bad_affinity_is_a_usage_error(serve, tmp_path):
    import subprocess

    from conftest import clambda_path
    r = subprocess.run([str(clambda_path()), "serve", "--cpu-affinity", "pack", "--state-dir",
                        str(tmp_path / "s")], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r
    assert "cpu-affinity" in r.stderr, r.stderr
