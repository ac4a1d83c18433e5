# SPDX-License-Identifier: MIT
"""Tenants that cannot touch each other by default, under `clambda serve --isolation full`:
the NAT network per environment (only its own Runtime API on its loopback, the outside
reachable, the host not), a Runtime API that serves only its environment's processes even on
the host's network, a root where the host's programs run, clean-up after a killed server, and
two servers that never see each other. Root only (namespaces, cgroups, nftables); skips with
the reason otherwise."""

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import uuid

import pytest

from conftest import (TIMEOUT, Server, env_pids, example_path, full_isolation_skip_reason,
                      runtime_dir, wait_until)

pytestmark = pytest.mark.skipif(full_isolation_skip_reason() is not None,
                                reason=str(full_isolation_skip_reason()))

FULL = ["--isolation", "full"]


def cgroup_name(state_dir) -> str:
    """The server's cgroup parent (sandbox_full_cgroup_name): FNV-1a of its state dir."""
    h = 2166136261
    for b in os.path.realpath(state_dir).encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return f"clambda-{h:08x}"


def cgroup_dirs(state_dir) -> list:
    """Every cgroup directory below the server's parent, in every hierarchy."""
    name = cgroup_name(state_dir)
    found = []
    for parent in pathlib.Path("/sys/fs/cgroup").rglob(name):
        found += [p for p in parent.rglob("*") if p.is_dir()]
    return found


def call(srv, name, payload):
    st, h, body = srv.invoke(name, json.dumps(payload).encode())
    assert st == 200, (st, body)
    assert "x-amz-function-error" not in h, body
    return json.loads(body)


@pytest.fixture
def hostile_dir(tmp_path):
    d = tmp_path / "hostile_fn"
    d.mkdir()
    shutil.copy(runtime_dir("hostile") / "bootstrap", d / "bootstrap")
    for p in (d, d / "bootstrap"):
        p.chmod(0o755)
    return d


@pytest.fixture
def outside(tmp_path):
    """A test host in its own network namespace (198.18.N.2, benchmark range) with a TCP
    listener on port 8080: "the outside", reached from the host through a veth pair."""
    n = os.getpid() % 250 + 1
    ns, veth = f"clt{os.getpid()}", f"clt{os.getpid()}h"
    sh = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "addr", "add", f"198.18.{n}.1/30", "dev", veth)
        sh("ip", "link", "set", veth, "up")
        sh("ip", "-n", ns, "addr", "add", f"198.18.{n}.2/30", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "route", "add", "default", "via", f"198.18.{n}.1")
        srv = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c",
                                "import socket,time\n"
                                "s=socket.socket(); s.bind(('0.0.0.0',8080)); s.listen(64)\n"
                                "time.sleep(600)\n"])
        time.sleep(0.3)
        yield {"outside": f"198.18.{n}.2:8080", "host": f"198.18.{n}.1"}
        srv.kill()
        srv.wait()
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["ip", "link", "del", veth], capture_output=True)


def listener(host):
    s = socket.socket()
    s.bind((host, 0))
    s.listen(16)
    return s


# ---- 1. NAT network by default ---------------------------------------------------------

def test_nat_network_by_default(serve, hostile_dir, outside):
    any_l, lo_l = listener("0.0.0.0"), listener("127.0.0.1")  # host services
    open_port = lo_l.getsockname()[1]
    srv = serve({"hostile": hostile_dir, "victim": runtime_dir("pyrt"),
                 "hello": example_path("hello").parent},
                args=FULL + ["--allow-host-port", str(open_port)])
    assert "NAT to the outside, Runtime API at 127.0.0.1:9001" in srv.stderr()
    env = call(srv, "victim", {"action": "env"})["env"]
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"  # as on AWS
    any_port = any_l.getsockname()[1]
    addrs = {"own": "127.0.0.1:9001", "public": f"127.0.0.1:{srv.port}",
             "public_gw": f"169.254.0.1:{srv.port}", "host_any": f"{outside['host']}:{any_port}",
             "host_any_gw": f"169.254.0.1:{any_port}", "opened": f"169.254.0.1:{open_port}",
             "outside": outside["outside"]}
    r = call(srv, "hostile", {"action": "connect", "addrs": list(addrs.values())})
    got = {k: r[a] for k, a in addrs.items()}
    print(got)
    assert got == {"own": "ok", "public": "ECONNREFUSED", "public_gw": "ECONNREFUSED",
                   "host_any": "ECONNREFUSED", "host_any_gw": "ECONNREFUSED",
                   "opened": "ok", "outside": "ok"}, got
    assert call(srv, "victim", {"action": "count"})["count"] == 2


def test_host_network_warns_loudly(serve, hostile_dir):
    srv = serve({"hostile": hostile_dir}, args=FULL + ["--network", "host"])
    assert "WARNING: --network host: environments share the host's network" in srv.stderr()
    r = call(srv, "hostile", {"action": "connect", "addrs": [f"127.0.0.1:{srv.port}"]})
    assert r == {f"127.0.0.1:{srv.port}": "ok"}


# ---- 2. a Runtime API serves only its environment ------------------------------------------

def refused_total(srv) -> float:
    with urllib.request.urlopen(f"{srv.endpoint}/metrics", timeout=TIMEOUT) as resp:
        text = resp.read().decode()
    m = re.search(r"^clambda_rapi_refused_total (\S+)$", text, re.M)
    assert m, text
    return float(m.group(1))


def test_runtime_api_refuses_other_processes_on_host_network(serve, hostile_dir):
    srv = serve({"victim": runtime_dir("pyrt"), "hostile": hostile_dir},
                args=FULL + ["--network", "host"])
    api = call(srv, "victim", {"action": "env"})["env"]["AWS_LAMBDA_RUNTIME_API"]
    host, port = api.rsplit(":", 1)
    assert host == "127.0.0.1" and port != "9001"
    before = refused_total(srv)
    with socket.create_connection((host, int(port)), timeout=5) as s:  # a host process
        s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
    assert data == b"", data  # closed without an answer
    # another environment tries too: its connection is closed as well
    call(srv, "hostile", {"action": "connect", "addrs": [api]})
    deadline = time.monotonic() + 5
    while refused_total(srv) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert refused_total(srv) >= before + 2
    assert call(srv, "victim", {"action": "count"})["count"] == 2  # its own still served


# ---- 3. the host's programs run in the sandbox ---------------------------------------------

TOOLS = ["awk", "sed", "grep", "curl", "python3", "perl", "node", "bash", "which"]

TUTORIAL_BOOTSTRAP = r"""#!/bin/bash
set -euo pipefail
# AWS's custom-runtime tutorial: load the handler, loop on next with curl.
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"
while true
do
  HEADERS="$(mktemp)"
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")
  curl -sS "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "$RESPONSE"
done
"""

TUTORIAL_HANDLER = r"""function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: '$EVENT_DATA'"
  echo $RESPONSE
}
"""

AWK_BOOTSTRAP = r"""#!/bin/bash
# The request id picked out with awk, the answer built with awk and sed.
while true; do
  H="$(mktemp)"
  EV=$(curl -sS -D "$H" "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next")
  ID=$(awk -F': ' 'tolower($1) == "lambda-runtime-aws-request-id" {gsub("\r", "", $2); print $2}' "$H")
  OUT=$(echo "$EV" | awk '{ print length($0) }' | sed 's/^/{"length":/; s/$/}/')
  curl -sS "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$ID/response" -d "$OUT"
done
"""

TOOLS_BOOTSTRAP = r"""#!/bin/bash
while true; do
  H="$(mktemp)"
  curl -sS -D "$H" "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next" >/dev/null
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2)
  OUT="{"
  for t in TOOLS; do
    case $t in
      awk) echo x | awk '{print}' >/dev/null 2>&1 ;;
      sed) echo x | sed 's/x/y/' >/dev/null 2>&1 ;;
      grep) echo x | grep -q x ;;
      curl) curl --version >/dev/null 2>&1 ;;
      python3) python3 -c 'import ssl, json' 2>/dev/null ;;
      perl) perl -MPOSIX -e 'print POSIX::floor(1.5)' >/dev/null 2>&1 ;;
      node) node -e 'require("crypto")' >/dev/null 2>&1 ;;
      bash) bash -c 'true' ;;
      which) which which >/dev/null 2>&1 ;;
    esac
    OUT="$OUT\"$t\":$?,"
  done
  OUT="${OUT%,}}"
  curl -sS "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$ID/response" -d "$OUT"
done
""".replace("TOOLS", " ".join(TOOLS))


def fn_dir(tmp_path, name, files):
    d = tmp_path / name
    d.mkdir()
    for fname, text in files.items():
        (d / fname).write_text(text)
        (d / fname).chmod(0o755)
    d.chmod(0o755)
    return d


def test_host_programs_and_tutorial_runtimes(serve, tmp_path):
    on_host = {t: shutil.which(t, path="/usr/local/bin:/usr/bin:/bin") for t in TOOLS}
    srv = serve({"tools": fn_dir(tmp_path, "tools", {"bootstrap": TOOLS_BOOTSTRAP}),
                 "tutorial": fn_dir(tmp_path, "tutorial", {"bootstrap": TUTORIAL_BOOTSTRAP,
                                                           "function.sh": TUTORIAL_HANDLER}),
                 "awk": fn_dir(tmp_path, "awkfn", {"bootstrap": AWK_BOOTSTRAP})},
                sets=["tutorial.handler=function.handler", "tools.memory=1769",
                      "tools.timeout=60", "tutorial.timeout=30", "awk.timeout=30"], args=FULL)
    r = call(srv, "tools", {})
    want = {t: 0 for t in TOOLS if on_host[t]}  # what the host has runs in the sandbox
    assert {t: r[t] for t in want} == want, (r, on_host)
    st, h, body = srv.invoke("tutorial", b'{"key":"value"}')
    assert st == 200 and body == b"Echoing request: '{\"key\":\"value\"}'", (st, body)
    assert call(srv, "awk", {"k": "abc"}) == {"length": len('{"k": "abc"}')}


def test_root_dir_replaces_the_hosts(serve, tmp_path):
    """--root DIR: /usr, /bin, /lib* and /etc's copies come from DIR. Here DIR has the host's
    /usr (bound) but an /etc/alternatives of its own, without awk: awk fails, which runs."""
    root = tmp_path / "rootfs"
    (root / "etc" / "alternatives").mkdir(parents=True)
    (root / "usr").mkdir()
    os.symlink("/usr/bin/which.debianutils", root / "etc" / "alternatives" / "which")
    for name in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{name}"):
            os.symlink(os.readlink(f"/{name}"), root / name)
    shutil.copy("/etc/ld.so.cache", root / "etc" / "ld.so.cache")
    subprocess.run(["mount", "--bind", "/usr", str(root / "usr")], check=True)
    try:
        srv = serve({"tools": fn_dir(tmp_path, "tools", {"bootstrap": TOOLS_BOOTSTRAP})},
                    sets=["tools.memory=1769", "tools.timeout=60"],
                    args=FULL + ["--root", str(root)])
        r = call(srv, "tools", {})
        assert r["awk"] != 0 and r["which"] == 0 and r["bash"] == 0, r
        assert srv.stop() == 0
    finally:
        subprocess.run(["umount", "-l", str(root / "usr")], check=True)


# ---- 4. clean-up after a killed server --------------------------------------------------------

def test_killed_server_leaves_nothing_after_restart(tmp_path):
    mark = uuid.uuid4().hex
    state = tmp_path / "state"
    fns = {"victim": runtime_dir("pyrt")}
    sets = [f"victim.env.TENANT_TEST_MARK={mark}", "victim.timeout=60"]
    old = Server(state, fns, sets, FULL)
    try:
        def sleep_invoke():
            try:
                old.invoke("victim", json.dumps({"action": "sleep", "seconds": 30}).encode(),
                           timeout=40)
            except OSError:
                pass  # the server is killed under it

        busy = threading.Thread(target=sleep_invoke, daemon=True)
        busy.start()
        wait_until(lambda: len(env_pids("TENANT_TEST_MARK", mark)) >= 1, what="busy runtime")
        time.sleep(0.5)
        assert call(old, "victim", {"action": "count"})["count"] == 1  # a second one, idle
        time.sleep(0.2)  # frozen
        assert len(env_pids("TENANT_TEST_MARK", mark)) >= 2
        old_pid = old.proc.pid
        old.proc.send_signal(signal.SIGKILL)
        old.proc.wait(TIMEOUT)
    finally:
        old.stop()
    time.sleep(0.5)
    left = [p for p in cgroup_dirs(state) if p.name.startswith(f"{old_pid}-")]
    print(f"after kill -9: {len(env_pids('TENANT_TEST_MARK', mark))} processes, "
          f"{len(left)} environment cgroups")
    new = Server(state, fns, sets, FULL)
    try:
        err = new.stderr()
        assert re.search(r"removed what a previous server left in \S+: \d+ processes, "
                         r"[1-9]\d* cgroups", err), err
        assert env_pids("TENANT_TEST_MARK", mark) == []  # none of the old environments
        assert [p for p in cgroup_dirs(state) if p.name.startswith(f"{old_pid}-")] == []
        assert call(new, "victim", {"action": "count"})["count"] == 1  # and it serves
    finally:
        assert new.stop() == 0, new.stderr()


# ---- 9. two servers never see each other ---------------------------------------------------

def test_two_servers_do_not_touch_each_other(serve):
    mark_a, mark_b = uuid.uuid4().hex, uuid.uuid4().hex
    a = serve({"victim": runtime_dir("pyrt")}, sets=[f"victim.env.TENANT_TEST_MARK={mark_a}"],
              args=FULL)
    b = serve({"victim": runtime_dir("pyrt")}, sets=[f"victim.env.TENANT_TEST_MARK={mark_b}"],
              args=FULL)
    assert cgroup_name(a.state_dir) != cgroup_name(b.state_dir)
    assert f"cgroup parent " in a.stderr() and cgroup_name(a.state_dir) in a.stderr()
    call(a, "victim", {"action": "count"})
    call(b, "victim", {"action": "count"})
    time.sleep(0.2)  # both idle (frozen)
    b_pids = env_pids("TENANT_TEST_MARK", mark_b)
    assert b_pids and env_pids("TENANT_TEST_MARK", mark_a)
    assert a.stop() == 0
    assert env_pids("TENANT_TEST_MARK", mark_a) == []
    assert sorted(env_pids("TENANT_TEST_MARK", mark_b)) == sorted(b_pids)  # untouched
    assert call(b, "victim", {"action": "count"})["count"] == 2
    # a restart of A sweeps only A's parent
    a2 = Server(a.state_dir, {"victim": runtime_dir("pyrt")}, [], FULL)
    try:
        assert sorted(env_pids("TENANT_TEST_MARK", mark_b)) == sorted(b_pids)
    finally:
        assert a2.stop() == 0


def test_a_lingering_interface_name_is_skipped(tmp_path):
    """A veth name of this server's still in use (the kernel destroys a dead namespace's pair
    lazily, so a killed predecessor's may linger when its successor starts with the same state
    dir) is skipped instead of failing the start: "rtnetlink(veth ...): File exists" was seen
    in a loaded run."""
    if shutil.which("ip") is None:
        pytest.skip("iproute2 (ip) is not installed")
    state = tmp_path / "state"
    tag = cgroup_name(state)[len("clambda-"):][:6]
    taken = [f"c{tag}x{i:x}" for i in range(1, 4)]
    for name in taken:
        subprocess.run(["ip", "link", "add", name, "type", "veth", "peer", "name", name + "p"],
                       check=True)
    try:
        srv = Server(state, {"hello": example_path("hello").parent},
                     args=FULL + ["--network", "nat"])
        try:
            st, _, body = srv.invoke("hello", b"{}")
            assert st == 200, body
        finally:
            assert srv.stop() == 0, srv.stderr()
    finally:
        for name in taken:
            subprocess.run(["ip", "link", "del", name], check=False)


def _start_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def _nft_tables() -> str:
    return subprocess.run(["nft", "list", "tables"], capture_output=True, text=True,
                          check=True).stdout


def test_a_killed_servers_table_is_swept_by_any_server(serve):
    """A server killed and never restarted with its state dir leaves its nftables table behind,
    whose conntrack rules slow every packet on the host (seen slowing the benchmarks). Any
    server that starts with --network nat deletes the tables whose owner comment names a
    process of its PID namespace that no longer runs (or whose pid another process took); a
    live owner's table, and one without the comment (not ours to judge), stay."""
    if shutil.which("nft") is None:
        pytest.skip("nftables (nft) is not installed")
    dead = subprocess.Popen(["true"])
    dead.wait()
    me, pidns = os.getpid(), os.stat("/proc/self/ns/pid").st_ino
    tables = {
        "clambda_d0d0d0": f"clambda pid={dead.pid} start=12345 pidns={pidns}",     # gone
        "clambda_c3c3c3": f"clambda pid={me} start=1 pidns={pidns}",               # pid reused
        "clambda_a1a1a1": f"clambda pid={me} start={_start_ticks(me)} pidns={pidns}",  # alive
        "clambda_e4e4e4": f"clambda pid={dead.pid} start=12345 pidns={pidns + 1}",  # elsewhere
        "clambda_b2b2b2": None,                                                    # no comment
    }
    text = "".join(f"table inet {name} {{\n" + (f'  comment "{c}"\n' if c else "") + "}\n"
                   for name, c in tables.items())
    subprocess.run(["nft", "-f", "-"], input=text, text=True, check=True)
    try:
        srv = serve({"hello": example_path("hello").parent}, args=FULL + ["--network", "nat"])
        listed = _nft_tables()
        assert "clambda_d0d0d0" not in listed and "clambda_c3c3c3" not in listed, listed
        for kept in ("clambda_a1a1a1", "clambda_e4e4e4", "clambda_b2b2b2"):
            assert kept in listed, (kept, listed)
        own = "clambda_" + cgroup_name(srv.state_dir)[len("clambda-"):][:6]
        shown = subprocess.run(["nft", "list", "table", "inet", own], capture_output=True,
                               text=True, check=True).stdout
        assert (f'comment "clambda pid={srv.proc.pid} start={_start_ticks(srv.proc.pid)} '
                f'pidns={pidns}"') in shown, shown
        st, _, body = srv.invoke("hello", b"{}")
        assert st == 200, body
    finally:
        for name in tables:
            subprocess.run(["nft", "delete", "table", "inet", name], capture_output=True)
