# SPDX-License-Identifier: MIT
"""`clambda watch` as a user runs it: `clambda new` a project, `watch` it, invoke it through the
Invoke API and the Function URL, edit the handler and get the new answer; an invocation running
during a swap finishes on the old code; a broken edit shows the compiler's error and the old code
keeps answering; Ctrl-C stops the server."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from clitool import new_project
from conftest import TIMEOUT, clambda_path, is_sanitized


@pytest.fixture(scope="module", autouse=True)
def not_sanitized():
    if is_sanitized():
        pytest.skip("static musl builds are checked in the plain build")
    if shutil.which("musl-gcc") is None:
        pytest.skip("musl-gcc is not installed (musl-tools)")


class Watch:
    """A running `clambda watch` with its stdout and stderr collected line by line."""

    def __init__(self, proj, *args):
        self.proc = subprocess.Popen([str(clambda_path()), "watch", "--listen", "127.0.0.1:0",
                                      "--isolation", "none", *args], cwd=proj,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list = []
        self.cv = threading.Condition()
        for s in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._pump, args=(s,), daemon=True).start()

    def _pump(self, stream):
        for line in iter(stream.readline, ""):
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()

    def text(self) -> str:
        with self.cv:
            return "\n".join(self.lines)

    def wait_line(self, pattern, after=0, timeout=TIMEOUT):
        """The first line from index `after` on matching pattern: (match, index)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for i in range(after, len(self.lines)):
                    m = rx.search(self.lines[i])
                    if m:
                        return m, i
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"no line {pattern!r}; exit {self.proc.poll()}\n"
                                         f"{self.text()}")
                self.cv.wait(min(left, 0.2))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                return self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


def invoke(endpoint, name, event):
    port = int(endpoint.rsplit(":", 1)[1])
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        c.request("POST", f"/2015-03-31/functions/{name}/invocations", body=json.dumps(event))
        r = c.getresponse()
        body = r.read()
        assert r.status == 200 and r.getheader("X-Amz-Function-Error") is None, (r.status, body)
        return json.loads(body)
    finally:
        c.close()


def url_get(endpoint, path):
    port = int(endpoint.rsplit(":", 1)[1])
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def edit(src, old, new):
    text = src.read_text()
    assert old in text, old
    src.write_text(text.replace(old, new))


def wait_answer(endpoint, name, event, want, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        got = invoke(endpoint, name, event)
        if got == want:
            return
        assert time.monotonic() < deadline, f"still {got}, want {want}"
        time.sleep(0.05)


@pytest.fixture
def watched(tmp_path):
    proj = new_project(tmp_path, "watched")
    w = Watch(proj)
    yield proj, w
    w.stop()
    print(w.text())


def test_watch_serves_and_swaps_in_every_saved_change(watched):
    proj, w = watched
    m, _ = w.wait_line(r"^Invoke API: +(http://127\.0\.0\.1:\d+)")
    ep = m.group(1)
    host_url, _ = w.wait_line(r"^Function URL: (http://\w+\.lambda-url\.us-east-1\.localhost:\d+/)")
    path_url, _ = w.wait_line(r"^ +(http://127\.0\.0\.1:\d+/lambda-url/watched/)$")
    assert path_url.group(1) == f"{ep}/lambda-url/watched/"
    assert host_url.group(1).endswith(f":{ep.rsplit(':', 1)[1]}/")
    _, first = w.wait_line(r"clambda watch: watched serving in \d+ ms")
    assert invoke(ep, "watched", {"name": "Ada"}) == {"message": "Hello, Ada!"}
    assert url_get(ep, "/lambda-url/watched/") == (200, b'{"message":"Hello, world!"}')

    src = proj / "src" / "handler.c"
    edit(src, "Hello, %s!", "Howdy, %s!")
    wait_answer(ep, "watched", {"name": "Ada"}, {"message": "Howdy, Ada!"})
    _, upd = w.wait_line(r"clambda watch: watched updated in \d+ ms \(build \d+ ms, "
                         r"UpdateFunctionCode \d+ ms\)", after=first)
    assert url_get(ep, "/lambda-url/watched/")[1] == b'{"message":"Howdy, world!"}'

    # an invocation in flight during a swap finishes on the code it started with
    edit(src, "#include <string.h>", "#include <string.h>\n#include <unistd.h>")
    edit(src, "    find_name(event, len, name, sizeof(name));",
         "    find_name(event, len, name, sizeof(name));\n"
         "    if (strcmp(name, \"slow\") == 0) {\n        sleep(2);\n    }")
    edit(src, "Howdy, %s!", "Old, %s!")
    wait_answer(ep, "watched", {"name": "Ada"}, {"message": "Old, Ada!"})
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=invoke(ep, "watched", {"name": "slow"})))
    t.start()
    time.sleep(0.5)
    edit(src, "Old, %s!", "New, %s!")
    wait_answer(ep, "watched", {"name": "Ada"}, {"message": "New, Ada!"})
    t.join(TIMEOUT)
    assert slow["r"] == {"message": "Old, slow!"}

    # a broken edit: the compiler's error is shown, the last good build keeps answering
    _, mark = w.wait_line(r"watched updated in", after=upd + 1)
    edit(src, "New, %s!", "Broken, %s!\" oops")
    w.wait_line(r"error: expected", after=mark)
    w.wait_line(r"the build failed: the last good build keeps serving", after=mark)
    assert invoke(ep, "watched", {"name": "Ada"}) == {"message": "New, Ada!"}
    # and the fix is picked up
    edit(src, "Broken, %s!\" oops", "Fixed, %s!")
    wait_answer(ep, "watched", {"name": "Ada"}, {"message": "Fixed, Ada!"})

    assert w.stop() == 0
    port = int(ep.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_watch_refuses_an_extension_project(tmp_path):
    proj = new_project(tmp_path, "ext", "--extension")
    r = subprocess.run([str(clambda_path()), "watch"], cwd=proj, capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 1
    assert "ext is an extension: watch serves a function" in r.stderr


def test_watch_usage_errors_exit_2(tmp_path):
    r = subprocess.run([str(clambda_path()), "watch", "--isolation", "paper"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 2 and "--isolation paper: auto, full or none" in r.stderr


def test_watch_arm64_serves_under_qemu(tmp_path):
    """--arm64: the function is created with Architectures arm64 and clambda serve runs it under
    qemu-user on an x86_64 host."""
    if shutil.which("aarch64-linux-gnu-gcc") is None or \
            shutil.which("qemu-aarch64-static") is None:
        pytest.skip("needs gcc-aarch64-linux-gnu and qemu-user-static")
    proj = new_project(tmp_path, "armwatch")
    w = Watch(proj, "--arm64")
    try:
        m, _ = w.wait_line(r"^Invoke API: +(http://127\.0\.0\.1:\d+)")
        w.wait_line(r"armwatch serving in")
        assert invoke(m.group(1), "armwatch", {"name": "Arm"}) == {"message": "Hello, Arm!"}
        assert "arch=arm64" in (proj / "target" / "lambda" / "armwatch" /
                                ".clambda-build").read_text()
    finally:
        assert w.stop() == 0
        print(w.text())


def test_watch_starts_with_a_broken_build_and_serves_once_fixed(tmp_path):
    proj = new_project(tmp_path, "late")
    src = proj / "src" / "handler.c"
    edit(src, "Hello, %s!", "Late, %s!\" oops")
    w = Watch(proj)
    try:
        m, _ = w.wait_line(r"^Invoke API: +(http://127\.0\.0\.1:\d+)")
        w.wait_line(r"the build failed; watching src/ for the next save")
        edit(src, "Late, %s!\" oops", "Late, %s!")
        w.wait_line(r"late serving in \d+ ms")
        assert invoke(m.group(1), "late", {"name": "Ada"}) == {"message": "Late, Ada!"}
    finally:
        assert w.stop() == 0
        print(w.text())


def test_watch_again_keeps_the_function_and_its_url_on_the_new_port(tmp_path):
    """The state dir (target/lambda/.watch) is kept: a second watch updates the function it
    finds and prints its URL with the port it listens on now."""
    proj = new_project(tmp_path, "again")
    ids = []
    for _ in range(2):
        w = Watch(proj)
        try:
            m, _ = w.wait_line(r"^Invoke API: +(http://127\.0\.0\.1:(\d+))")
            u, _ = w.wait_line(r"^Function URL: http://(\w+)\.lambda-url\.us-east-1\.localhost:"
                               r"(\d+)/")
            assert u.group(2) == m.group(2)
            ids.append(u.group(1))
            status, body = url_get(m.group(1), "/lambda-url/again/")
            assert (status, body) == (200, b'{"message":"Hello, world!"}')
        finally:
            assert w.stop() == 0
            print(w.text())
    assert ids[0] == ids[1]
    assert "again updated in" in w.text()  # found from the first run: UpdateFunctionCode
