# SPDX-License-Identifier: MIT
"""clambda serve, provisioned concurrency (`--provisioned N`, `--set NAME.provisioned=N`):
environments initialised before any invocation, never reaped by keep-warm, replaced when they
die, REPORT without Init Duration, spill-over to on-demand environments."""

import os
import re
import signal
import threading
import time

from conftest import TIMEOUT, invoke_json, runtime_dir, wait_until

PY = runtime_dir("pyrt")


def init_pids(srv, name):
    return [int(p) for p in re.findall(r"^init done pid=(\d+)$", srv.log_text(name), re.M)]


def waiting_in_next(pid):
    """True when the runtime pid has a connection open to its Runtime API (it called next)."""
    try:
        env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        api = [e for e in env if e.startswith(b"AWS_LAMBDA_RUNTIME_API=")][0]
        port = int(api.rsplit(b":", 1)[1])
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "01" and int(cols[2].split(":")[1], 16) == port \
                        and cols[9] in inodes:
                    return True
    except (OSError, IndexError, ValueError):
        pass
    return False


def wait_ready(srv, name, n):
    """Waits for n provisioned inits whose runtimes all wait in `next`; returns their pids."""
    wait_until(lambda: len(init_pids(srv, name)) >= n, what=f"{n} provisioned inits")
    pids = init_pids(srv, name)
    wait_until(lambda: all(waiting_in_next(p) for p in pids), what="runtimes in next")
    time.sleep(0.2)  # the server reads the `next` requests
    return pids


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_initialised_before_first_invoke(serve):
    srv = serve({"py": PY}, sets=["py.provisioned=2"])
    pids = set(wait_ready(srv, "py", 2))
    h, body = invoke_json(srv, "py", {"action": "env"})
    assert body["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency"
    rid = h["x-amzn-requestid"]
    m = srv.wait_log("py", rf"^REPORT RequestId: {rid}\t.*$")
    assert "Init Duration" not in m.group(0)
    _, again = invoke_json(srv, "py", {"action": "count"})
    assert again["pid"] in pids
    assert len(srv.log_files("py")) == 2  # no on-demand environment was needed


def test_not_reaped_and_replaced_when_killed(serve):
    srv = serve({"py": PY}, args=["--provisioned", "1", "--keep-warm", "1"])
    pid = wait_ready(srv, "py", 1)[0]
    _, body = invoke_json(srv, "py", {"action": "count"})
    assert body["pid"] == pid
    time.sleep(2.5)  # keep-warm is 1 s: an on-demand environment would be gone
    assert alive(pid)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: len(init_pids(srv, "py")) == 2, what="a replacement")
    (new,) = set(init_pids(srv, "py")) - {pid}
    assert alive(new)
    wait_until(lambda: waiting_in_next(new), what="the replacement in next")
    time.sleep(0.2)
    _, body = invoke_json(srv, "py", {"action": "count"})
    assert body["pid"] == new


def test_spill_over_to_on_demand(serve):
    srv = serve({"py": PY}, sets=["py.provisioned=1", "py.timeout=30"])
    wait_ready(srv, "py", 1)
    results = []

    def run():
        results.append(invoke_json(srv, "py", {"action": "sleep", "seconds": 1})[1])

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert len(results) == 3 and len({r["pid"] for r in results}) == 3
    _, env = invoke_json(srv, "py", {"action": "env"})
    kinds = {env["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"]}
    assert kinds <= {"provisioned-concurrency", "on-demand"}
    assert len(srv.log_files("py")) == 3


def test_failing_init_backs_off(serve):
    srv = serve({"py": PY}, sets=["py.provisioned=1", "py.env.INIT_MODE=exit"])
    srv.wait_log("py", r"INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\t"
                       r"Error Type: Runtime.ExitError")
    time.sleep(2.5)
    # attempts at 0, ~1 s and ~3 s at most (1 s backoff, doubling), not one per 100 ms tick
    assert 1 <= len(srv.log_files("py")) <= 3
    h, body = invoke_json(srv, "py", {})
    assert h["x-amz-function-error"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"


def test_provisioned_respects_reserved(serve):
    srv = serve({"py": PY}, sets=["py.provisioned=3", "py.reserved=1"])
    wait_until(lambda: len(init_pids(srv, "py")) == 1, what="the provisioned init")
    time.sleep(0.5)
    assert len(init_pids(srv, "py")) == 1
