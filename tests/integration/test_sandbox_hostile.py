# SPDX-License-Identifier: MIT
"""Hostile functions under `clambda serve --isolation full` (issue 4): every attack must fail
inside the sandbox, the server must keep serving, and another function must still answer.
Runs as root only (namespaces, cgroups); skips with the reason otherwise."""

import json
import os
import pathlib
import re
import shutil
import signal
import time
import uuid

import pytest

from conftest import (TIMEOUT, build_dir, env_pids, example_path, full_isolation_skip_reason,
                      runtime_dir)

pytestmark = pytest.mark.skipif(full_isolation_skip_reason() is not None,
                                reason=str(full_isolation_skip_reason()))

FULL = ["--isolation", "full"]


def hostile_binary() -> pathlib.Path:
    p = os.environ.get("CLAMBDA_SANDBOX_HOSTILE")
    path = pathlib.Path(p) if p else (build_dir() or pathlib.Path(".")) / "src/sandbox/hostile"
    if not path.exists():
        pytest.skip(f"tests/sandbox/hostile is not built ({path})")
    return path


@pytest.fixture
def hostile_dir(tmp_path):
    """The hostile function's code: runtimes/hostile/bootstrap and the static hostile program,
    world-readable (the sandbox user is uid 993)."""
    d = tmp_path / "hostile_fn"
    d.mkdir()
    shutil.copy(runtime_dir("hostile") / "bootstrap", d / "bootstrap")
    shutil.copy(hostile_binary(), d / "hostile")
    for p in (d, d / "bootstrap", d / "hostile"):
        p.chmod(0o755)
    return d


def call(srv, name, payload):
    st, h, body = srv.invoke(name, json.dumps(payload).encode())
    assert st == 200, (st, body)
    assert "x-amz-function-error" not in h, body
    return json.loads(body)


def still_serving(srv):
    """After an attack: the server and another function (examples/hello) still answer."""
    st, _, body = srv.invoke("hello", b'{"name":"after"}')
    assert st == 200 and b"Hello" in body, (st, body)


@pytest.fixture
def srv(serve, hostile_dir):
    mark = uuid.uuid4().hex
    s = serve({"hostile": hostile_dir, "victim": runtime_dir("pyrt"),
               "hello": example_path("hello").parent},
              sets=["hostile.timeout=60", f"victim.env.HOSTILE_TEST_MARK={mark}"], args=FULL)
    s.mark = mark
    return s


def victim_pids(srv):
    call(srv, "victim", {"action": "count"})
    pids = env_pids("HOSTILE_TEST_MARK", srv.mark)
    assert pids, "the victim's runtime is not visible from the host"
    return pids


def host_uid(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("Uid:")).split()[1])


@pytest.mark.parametrize("userns", ["auto", "off"])
def test_server_says_full_and_user_namespace(serve, hostile_dir, userns):
    mark = uuid.uuid4().hex
    srv = serve({"hostile": hostile_dir}, sets=[f"hostile.env.HOSTILE_TEST_MARK={mark}"],
                args=FULL + ["--userns", userns])
    assert call(srv, "hostile", {"action": "whoami"})["uid"] == 993  # as seen inside
    pids = env_pids("HOSTILE_TEST_MARK", mark)
    assert pids
    err = srv.stderr()
    assert "clambda: isolation full: namespaces, pivot_root, seccomp, cgroups" in err, err
    if userns == "off":
        assert "no user namespace (--userns off)" in err
        assert {host_uid(p) for p in pids} == {993}
    elif "user namespace (host uids 100000-165535)" in err:
        assert {host_uid(p) for p in pids} == {100993}  # not a host uid of anyone
    else:  # the kernel refused: the reason is printed, the runtime is uid 993
        assert "no user namespace (" in err
        assert {host_uid(p) for p in pids} == {993}


def test_read_other_code_and_state(srv):
    other = str(example_path("hello"))
    r = call(srv, "hostile", {"action": "read", "paths": [
        other, str(runtime_dir("pyrt") / "bootstrap"), str(srv.state_dir),
        str(srv.state_dir / "sandbox" / "root" / "etc" / "passwd"), "/etc/shadow",
        "/var/task/bootstrap"]})
    assert r[other] == r[str(runtime_dir("pyrt") / "bootstrap")] == "ENOENT"
    assert r[str(srv.state_dir)] in ("ENOENT", "EISDIR") and r["/etc/shadow"] == "ENOENT"
    assert r[str(srv.state_dir / "sandbox" / "root" / "etc" / "passwd")] == "ENOENT"
    assert r["/var/task/bootstrap"] == "ok"  # its own code
    r = call(srv, "hostile", {"action": "listdir", "paths": ["/root", "/home", "/work",
                                                            str(srv.state_dir), "/var/task"]})
    assert r["/root"] == r["/home"] == r["/work"] == r[str(srv.state_dir)] == "ENOENT"
    assert r["/var/task"] == ["bootstrap", "hostile"]
    still_serving(srv)


def test_write_task_and_system_dirs(srv, hostile_dir):
    paths = ["/var/task/evil", "/usr/evil", "/etc/passwd", "/evil", "/opt/evil", "/tmp/ok"]
    r = call(srv, "hostile", {"action": "write", "paths": paths})
    assert r["/var/task/evil"] == r["/usr/evil"] == r["/etc/passwd"] == "EROFS", r
    assert r["/evil"] == r["/opt/evil"] == "EROFS", r
    assert r["/tmp/ok"] == "ok"
    assert not (hostile_dir / "evil").exists() and not os.path.exists("/usr/evil")
    still_serving(srv)


def test_signal_and_ptrace_server_and_other_environment(srv):
    victims = victim_pids(srv)
    server = srv.proc.pid
    r = call(srv, "hostile", {"action": "kill", "sig": signal.SIGKILL,
                              "pids": [server] + victims})
    assert all(v == "ESRCH" for v in r.values()), r
    r = call(srv, "hostile", {"action": "ptrace", "pids": [1, server] + victims})
    assert all(v in ("EPERM", "ESRCH") for v in r.values()), r
    assert r["1"] == "EPERM"
    r = call(srv, "hostile", {"action": "kill", "sig": signal.SIGKILL, "pids": [1]})
    assert r["1"] == "ok"  # allowed, and ignored by the kernel: PID 1 of its namespace
    assert call(srv, "hostile", {"action": "whoami"})["uid"] == 993  # same environment lives
    assert call(srv, "victim", {"action": "count"})["count"] == 2
    assert srv.proc.poll() is None
    still_serving(srv)


def test_sees_no_other_process(srv):
    victim_pids(srv)
    r = call(srv, "hostile", {"action": "proc"})
    assert r["self"] == 2 and set(r["pids"]) <= {1, 2}, r  # its reaper and itself
    still_serving(srv)


def test_mount_unshare_modules(srv):
    r = call(srv, "hostile", {"action": "syscalls"})
    assert r == {k: "EPERM" for k in r}, r
    assert set(r) >= {"mount", "unshare_user", "unshare_ns", "finit_module", "init_module"}
    still_serving(srv)


def test_fork_bomb(srv):
    r = call(srv, "hostile", {"action": "hostile", "cmd": "forkbomb"})
    assert r["fork"] == "Resource temporarily unavailable", r
    assert int(r["forks"]) < 1024, r  # pids.max counts every process of the environment
    still_serving(srv)
    assert call(srv, "victim", {"action": "count"})["count"] == 1


def test_memory_bomb(srv):
    st, h, body = srv.invoke("hostile", b'{"action":"memhog"}')
    rid = h["x-amzn-requestid"]
    assert st == 200 and h["x-amz-function-error"] == "Unhandled"
    assert json.loads(body) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed"}
    srv.wait_log("hostile", rf"REPORT RequestId: {rid}\t.*Memory Size: 128 MB\t"
                            r"Max Memory Used: 12[0-8] MB\t.*Status: error\t"
                            r"Error Type: Runtime.OutOfMemory\t$")
    assert call(srv, "hostile", {"action": "whoami"})["uid"] == 993  # a fresh environment
    still_serving(srv)


def test_fill_tmp(serve, hostile_dir):
    srv = serve({"hostile": hostile_dir, "hello": example_path("hello").parent},
                sets=["hostile.memory=1024", "hostile.ephemeral-storage=512",
                      "hostile.timeout=120"], args=FULL)
    def host_fill():  # another process's /tmp/fill may be there: it must stay as it was
        try:
            st = os.stat("/tmp/fill")
            return (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            return None

    before = host_fill()
    r = call(srv, "hostile", {"action": "hostile", "cmd": "fill-tmp"})
    assert r["write"] == "No space left on device", r
    assert 500 << 20 <= int(r["bytes"]) <= 512 << 20, r
    after = host_fill()
    assert after == before or (before is None and after[1] < 500 << 20), (before, after)
    assert os.listdir(srv.state_dir / "sandbox" / "root" / "tmp") == []
    still_serving(srv)


def test_cpu_share_of_128mb(srv):
    r = call(srv, "hostile", {"action": "spin", "seconds": 3})
    share = r["cpu"] / r["wall"]
    print(f"128 MB busy loop: {100 * share:.1f} % of a CPU (quota 100000*128/1769 us/period)")
    assert 0.01 < share < 0.11, r  # 7.2 %; less when the machine is busy, never much more


def cgroup_name(state_dir) -> str:
    """The server's own cgroup parent (sandbox_full_cgroup_name): FNV-1a of its state dir, so
    that another server's environments are never counted."""
    h = 2166136261
    for b in os.path.realpath(state_dir).encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return f"clambda-{h:08x}"


def freezer_states(srv, function):
    """freezer.state of the function's environments of this server (cgroup v1), [] elsewhere."""
    try:
        lines = pathlib.Path(f"/proc/{srv.proc.pid}/cgroup").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        _, ctrls, path = line.split(":", 2)
        if "freezer" in ctrls.split(","):
            base = pathlib.Path("/sys/fs/cgroup/freezer" + path.rstrip("/")) / \
                cgroup_name(srv.state_dir)
            return [p.read_text().strip() for p in base.glob(f"{function}.*/*/freezer.state")]
    return []


def test_frozen_between_invocations(srv):
    call(srv, "hostile", {"action": "whoami"})
    a = call(srv, "hostile", {"action": "bg_start"})
    # 3 s idle, a gap of 1.5 s asked: the freeze may come late on a loaded machine under ASan
    # (a run with other suites beside it froze 0.5 s after the 10 ms idle timer); a thread
    # that is never frozen ticks every few ms, so any such gap shows a freeze
    time.sleep(3)
    states = freezer_states(srv, "hostile")
    b = call(srv, "hostile", {"action": "bg_read"})
    idle_cpu = b["cpu"] - a["cpu"]
    print(f"idle 3 s: background thread max gap {b['max_gap']:.3f} s, CPU {idle_cpu:.3f} s, "
          f"freezer {states}")
    assert b["max_gap"] >= 1.5, b  # the thread stood still while the environment was idle
    # unfrozen, a 7 % thread burns ~0.21 s in 3 s; what it burns while the two invocations
    # themselves run (slower under ASan or a loaded machine) is counted too, hence not 0.05
    assert idle_cpu < 0.10, (a, b)
    if states:  # the idle environment, and the parked one made for the next cold start
        assert sorted(states) in (["FROZEN"], ["FROZEN", "THAWED"]), states
    still_serving(srv)


# late_next: the runtime calls next 0.2 s after the shutdown began (a loaded machine does
# that); the grace timer once became the 10 ms idle-freeze timer there and killed it at once
@pytest.mark.parametrize("next_delay", ["0", "0.2"], ids=["waiting_next", "late_next"])
def test_sigterm_ignored_is_killed_after_grace(serve, hostile_dir, next_delay):
    mark = uuid.uuid4().hex
    srv = serve({"hostile": hostile_dir},
                sets=["hostile.env.IGNORE_TERM=1", f"hostile.env.HOSTILE_TEST_MARK={mark}",
                      f"hostile.env.NEXT_DELAY_S={next_delay}"],
                args=FULL + ["--shutdown-grace-ms", "500"])
    call(srv, "hostile", {"action": "whoami"})
    pids = env_pids("HOSTILE_TEST_MARK", mark)
    assert pids
    t0 = time.monotonic()
    assert srv.stop() == 0
    elapsed = time.monotonic() - t0
    assert env_pids("HOSTILE_TEST_MARK", mark) == []
    assert 0.4 <= elapsed < TIMEOUT, elapsed  # waited for the grace period, then killed
    assert re.search(r"shutting down", srv.stderr())
    # the answered invocation is reported as it was posted, not as the runtime's exit
    reports = re.findall(r"^REPORT .*$", srv.log_text("hostile"), re.M)
    assert reports and all("Status: error" not in r for r in reports), reports


def test_isolated_network_reaches_only_its_runtime_api(serve, hostile_dir):
    srv = serve({"hostile": hostile_dir, "victim": runtime_dir("pyrt"),
                 "hello": example_path("hello").parent},
                args=FULL + ["--network", "isolated"])
    assert "network namespace per environment" in srv.stderr()
    env = call(srv, "victim", {"action": "env"})["env"]
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"  # as on AWS
    public = f"127.0.0.1:{srv.port}"
    r = call(srv, "hostile", {"action": "connect",
                              "addrs": ["127.0.0.1:9001", public, "10.0.0.1:80", "1.1.1.1:53"]})
    assert r["127.0.0.1:9001"] == "ok"  # its own Runtime API
    assert r[public] == "ECONNREFUSED"  # the server's public API is not in this namespace
    assert r["10.0.0.1:80"] == r["1.1.1.1:53"] == "ENETUNREACH", r  # no route out
    still_serving(srv)
    assert call(srv, "victim", {"action": "count"})["count"] == 2


def test_nat_network_by_default(serve, hostile_dir):
    srv = serve({"hostile": hostile_dir}, args=FULL)
    assert "NAT to the outside" in srv.stderr()
    r = call(srv, "hostile", {"action": "connect", "addrs": [f"127.0.0.1:{srv.port}",
                                                             "127.0.0.1:9001"]})
    # the host's loopback (the public API) is not reachable, its own Runtime API is
    assert r == {f"127.0.0.1:{srv.port}": "ECONNREFUSED", "127.0.0.1:9001": "ok"}, r
