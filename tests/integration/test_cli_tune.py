# SPDX-License-Identifier: MIT
"""`clambda tune` against a clambda server: the CPU-bound example (examples/cpu-bound) under full
isolation, where CPU comes in proportion to memory (docs/sandbox.md), is faster at 1024 MB than at
128 MB in the printed table; the SVG chart parses as XML with both series; the original memory
size is restored. Usage errors exit 2, a missing function exits 1 with AWS's error."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from clitool import clambda
from conftest import example_path, full_isolation_skip_reason

SVG_NS = "{http://www.w3.org/2000/svg}"


def table(stdout):
    """{memory: {column: value}} of the printed table."""
    cols = ["cold_init", "cold_dur", "p50", "p90", "billed", "max_mb", "cost"]
    rows = {}
    for line in stdout.splitlines():
        m = re.match(r"^\s+(\d+)((?:\s+[\d.]+){7})$", line)
        if m:
            rows[int(m.group(1))] = dict(zip(cols, map(float, m.group(2).split())))
    return rows


def test_tune_cpu_bound_faster_with_more_memory(serve, tmp_path):
    reason = full_isolation_skip_reason()
    if reason:
        pytest.skip(f"needs full isolation for CPU in proportion to memory: {reason}")
    cpu = example_path("cpu-bound").parent
    srv = serve({"cpu": cpu}, sets=["cpu.memory=256"], args=["--isolation", "full"])
    svg = tmp_path / "tune.svg"
    r = clambda("tune", "cpu", "--memory", "128,1024", "--invocations", "3",
                "--payload", '{"n":200000}', "--endpoint-url", srv.endpoint, "--svg", svg,
                check=0)
    rows = table(r.stdout)
    assert sorted(rows) == [128, 1024], r.stdout
    assert rows[1024]["p50"] < rows[128]["p50"], r.stdout
    # 128 MB gets 7 % of a CPU, 1024 MB 58 %: far apart even on a busy machine
    assert rows[128]["p50"] > 2 * rows[1024]["p50"], r.stdout
    assert rows[128]["cold_init"] > 0 and rows[1024]["cold_init"] > 0, r.stdout
    assert "fastest:  1024 MB" in r.stdout
    assert re.search(r"^cheapest: (128|1024) MB \(\$[\d.]+ per 1M invocations", r.stdout, re.M)
    assert "aws.amazon.com/lambda/pricing" in r.stdout
    assert "restoring cpu to 256 MB" in r.stderr
    assert srv.boto3().get_function_configuration(FunctionName="cpu")["MemorySize"] == 256

    root = ET.parse(svg).getroot()
    assert root.tag == SVG_NS + "svg"
    lines = {p.get("class"): p.get("points").split() for p in root.iter(SVG_NS + "polyline")}
    assert sorted(lines) == ["cost", "duration"]
    assert all(len(v) == 2 for v in lines.values())
    # the duration falls from 128 to 1024 MB: in SVG's y-down coordinates, y grows
    y = [float(p.split(",")[1]) for p in lines["duration"]]
    assert y[1] > y[0]
    assert len(list(root.iter(SVG_NS + "circle"))) == 4
    labels = [t.text for t in root.iter(SVG_NS + "text")]
    assert "128" in labels and "1024" in labels
    assert "cpu" in root.find(SVG_NS + "title").text


def test_tune_missing_function_fails_clearly(serve):
    srv = serve({}, args=["--isolation", "none"])
    r = clambda("tune", "nope", "--memory", "128", "--endpoint-url", srv.endpoint, check=1)
    assert "GetFunctionConfiguration failed" in r.stderr
    assert "ResourceNotFoundException" in r.stderr


def test_tune_usage_errors_exit_2():
    r = clambda("tune", "fn", check=2)
    assert "--memory MB,MB,... is required" in r.stderr
    r = clambda("tune", "fn", "--memory", "128,64", check=2)
    assert "--memory 128,64: want sizes 128..10240" in r.stderr
    r = clambda("tune", "--memory", "128", check=2)
    assert "the function NAME is missing" in r.stderr
    r = clambda("tune", "fn", "--memory", "128", "--payload", "{nope", check=2)
    assert "--payload: not JSON" in r.stderr
