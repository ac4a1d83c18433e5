# SPDX-License-Identifier: MIT
"""Max Memory Used (issue 15 item 7): what AWS users read it as, the environment's peak
resident memory with file-backed pages included, and the same under --isolation none and full
(within 10 %). Under full isolation on cgroup v1 a Node runtime holding 45 MB used to report
8 MB: the cgroup's own peak counts only the pages charged to it, not Node's binary and
libraries already in the host's page cache."""

import re
import shutil

import pytest

from conftest import example_path, full_isolation_skip_reason, invoke_json, runtime_dir, wait_until

MB = 1024


def modes():
    return ["none", pytest.param("full", marks=pytest.mark.skipif(
        full_isolation_skip_reason() is not None, reason=str(full_isolation_skip_reason())))]


def max_used(srv, name: str, n: int) -> list:
    """The Max Memory Used (MB) of the first n REPORT lines of function name."""
    rx = re.compile(r"^REPORT RequestId: .*\tMax Memory Used: (\d+) MB\t", re.M)
    wait_until(lambda: len(rx.findall(srv.log_text(name))) >= n, what=f"{n} REPORT lines")
    return [int(m) for m in rx.findall(srv.log_text(name))][:n]


def measure(serve, mode: str) -> dict:
    """Runs the Node runtime through: nothing, 40 MB touched, a child holding 30 MB; and the
    libclambda hello once. Returns what the runtime saw and what REPORT said."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    srv = serve({"nodemem": runtime_dir("nodemem"), "hello": example_path("hello").parent},
                sets=["nodemem.memory=512"], args=["--isolation", mode])
    seen = [invoke_json(srv, "nodemem", ev)[1]
            for ev in ({}, {"mb": 40}, {"child_mb": 30})]
    invoke_json(srv, "hello", {})
    return {"seen": seen, "node": max_used(srv, "nodemem", 3), "hello": max_used(srv, "hello", 1)}


def close(a: float, b: float, tolerance: float = 0.10) -> bool:
    return abs(a - b) <= tolerance * max(a, b)


@pytest.mark.parametrize("mode", modes())
def test_max_memory_used_is_the_resident_memory(serve, mode):
    r = measure(serve, mode)
    seen, node = r["seen"], r["node"]
    # A bare Node runtime: its whole resident set (binary and libraries included), not 8 MB.
    assert close(node[0], seen[0]["rss_kb"] / MB), (node, seen)
    # 40 MB touched: counted.
    assert close(node[1], seen[1]["rss_kb"] / MB), (node, seen)
    assert node[1] >= node[0] + 35, node
    # A child process of the runtime holding 30 MB: the environment's memory includes it.
    total = (seen[2]["rss_kb"] + seen[2]["children_rss_kb"]) / MB
    assert close(node[2], total), (node, seen)
    assert node[2] >= node[1] + 25, node
    # The C hello: a small figure.
    assert r["hello"][0] <= 4, r["hello"]


@pytest.mark.skipif(full_isolation_skip_reason() is not None,
                    reason=str(full_isolation_skip_reason()))
def test_same_under_both_isolation_modes(serve):
    none, full = measure(serve, "none"), measure(serve, "full")
    for a, b in zip(none["node"], full["node"]):
        assert close(a, b), (none["node"], full["node"])
    assert abs(none["hello"][0] - full["hello"][0]) <= 1, (none["hello"], full["hello"])
