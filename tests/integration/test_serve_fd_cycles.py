# SPDX-License-Identifier: MIT
"""Regression test: create/invoke/delete cycles must not leak the server's file descriptors.
The metering file of a deleted function used to stay open (one descriptor per cycle)."""

import os

from conftest import wait_until
from test_control_functions import create, make_zip

CYCLES = 50
SLACK = 4  # descriptors the loop may hold for a moment (a connection, a retiring pipe)


def n_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cycle(c, srv, name, z):
    create(c, name, z)
    st, _, body = srv.invoke(name)
    assert st == 200, body
    c.delete_function(FunctionName=name)


def test_create_invoke_delete_cycles_keep_descriptors(serve):
    srv = serve({})
    c = srv.boto3()
    z = make_zip("hello")
    pid = srv.proc.pid
    cycle(c, srv, "warm", z)  # first-use descriptors (metering dir, logs) are not leaks
    base = n_fds(pid)
    for i in range(CYCLES):
        cycle(c, srv, f"cycle{i}", z)
    wait_until(lambda: n_fds(pid) <= base + SLACK, timeout=30,
               what=f"descriptors back to {base} (+{SLACK}); now {n_fds(pid)}: "
                    f"{sorted(os.readlink(f'/proc/{pid}/fd/{f}') for f in os.listdir(f'/proc/{pid}/fd'))}")
    assert (srv.state_dir / "metering" / "cycle0.jsonl").exists()
