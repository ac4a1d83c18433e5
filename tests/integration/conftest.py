# SPDX-License-Identifier: MIT
"""Shared fixtures: the test Runtime API server, bootstraps started against it (killed at
teardown), and where the build put the examples and the probe.

Environment (ctest sets these): CLAMBDA_BUILD_DIR (required for anything that runs a
bootstrap), CLAMBDA_SOURCE_DIR, CLAMBDA_PROBE (path of the probe bootstrap), CLAMBDA_SANITIZE
(1 in ASan/UBSan builds: examples are then dynamic and unstripped)."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rapi_server import RuntimeAPIServer  # noqa: E402

SOURCE_DIR = pathlib.Path(os.environ.get("CLAMBDA_SOURCE_DIR", HERE.parent.parent))
FIXTURES_DIR = SOURCE_DIR / "tests" / "fixtures" / "events"

# Generous: CI machines are slow and sanitizer builds slower still.
TIMEOUT = 60

# Error codes from include/clambda/runtime.h, for the probe's "rc=" lines.
CLAMBDA_OK = 0
CLAMBDA_EIO = -5
CLAMBDA_ETOOBIG = -7
CLAMBDA_EREQUESTID = -8
CLAMBDA_ESTATE = -9
CLAMBDA_ESERVER = -10
CLAMBDA_ESHUTDOWN = -11
CLAMBDA_EBADREQUEST = -12


def build_dir() -> pathlib.Path | None:
    d = os.environ.get("CLAMBDA_BUILD_DIR")
    return pathlib.Path(d) if d else None


def is_sanitized() -> bool:
    if os.environ.get("CLAMBDA_SANITIZE", "") in ("1", "ON", "on", "true", "TRUE"):
        return True
    b = build_dir()
    if b is not None and (b / "CMakeCache.txt").exists():
        text = (b / "CMakeCache.txt").read_text(errors="replace")
        return re.search(r"^CLAMBDA_SANITIZE:BOOL=(ON|1|TRUE)$", text, re.M) is not None
    return False


def example_path(name: str) -> pathlib.Path:
    b = build_dir()
    if b is None:
        pytest.skip("CLAMBDA_BUILD_DIR is not set (run through ctest, or set it to a build dir)")
    src = SOURCE_DIR / "examples" / name / "main.c"
    if not src.exists():
        pytest.skip(f"examples/{name}/main.c does not exist yet")
    p = b / "examples" / name / "bootstrap"
    if not p.exists():
        pytest.skip(f"{p} is not built (cmake --build {b})")
    return p


def probe_path() -> pathlib.Path:
    p = os.environ.get("CLAMBDA_PROBE")
    if p:
        path = pathlib.Path(p)
    else:
        b = build_dir()
        if b is None:
            pytest.skip("neither CLAMBDA_PROBE nor CLAMBDA_BUILD_DIR is set")
        path = b / "tests" / "integration" / "probe"
    if not path.exists():
        pytest.skip(f"probe bootstrap {path} is not built")
    return path


def lambda_env(endpoint: str, name: str = "probe", task_root: str = "/var/task",
               extra: dict | None = None) -> dict:
    """The environment Lambda gives a provided.al2023 runtime (spec section 7.1)."""
    env = {
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
                           "/var/task:/var/task/lib:/opt/lib",
        "AWS_LAMBDA_RUNTIME_API": endpoint,
        "_HANDLER": "bootstrap",
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "test-session-token",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }
    # Sanitizer builds: keep the runner's sanitizer settings.
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "ASAN_SYMBOLIZER_PATH"):
        if k in os.environ:
            env[k] = os.environ[k]
    if extra:
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
    return env


class Bootstrap:
    """A bootstrap process with its stdout/stderr collected line by line."""

    def __init__(self, path, env: dict, cwd=None):
        self.path = str(path)
        self._cv = threading.Condition()
        self.out_lines: list = []
        self.err_lines: list = []
        self.proc = subprocess.Popen([self.path], env=env, cwd=cwd or os.path.dirname(self.path),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.out_lines),
                             daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.err_lines),
                             daemon=True),
        ]
        for t in self._readers:
            t.start()

    def _pump(self, stream, lines: list) -> None:
        for raw in iter(stream.readline, b""):
            with self._cv:
                lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def lines(self) -> list:
        with self._cv:
            return list(self.err_lines) + list(self.out_lines)

    def output(self) -> str:
        with self._cv:
            return ("--- stderr ---\n" + "\n".join(self.err_lines) +
                    "\n--- stdout ---\n" + "\n".join(self.out_lines))

    def find(self, pattern: str) -> list:
        rx = re.compile(pattern)
        return [m for m in (rx.search(line) for line in self.lines()) if m]

    def wait_line(self, pattern: str, timeout: float = TIMEOUT):
        """Waits for a stderr/stdout line matching the regex; returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for line in self.err_lines + self.out_lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {pattern!r} within {timeout}s; "
                                         f"exit={self.proc.poll()}\n{self.output()}")
                self._cv.wait(min(left, 0.2))

    def rc(self, what: str, timeout: float = TIMEOUT) -> int:
        """The probe's logged return code for `what` ("probe: <what> rc=<n>")."""
        return int(self.wait_line(r"probe: " + re.escape(what) + r" rc=(-?\d+)", timeout)
                   .group(1))

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"bootstrap did not exit within {timeout}s\n{self.output()}")
        for t in self._readers:
            t.join(5)
        return rc

    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal(self, sig) -> None:
        if self.alive():
            self.proc.send_signal(sig)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for t in self._readers:
            t.join(5)
        for s in (self.proc.stdout, self.proc.stderr):
            try:
                s.close()
            except OSError:
                pass


def ipv6_loopback_available() -> str | None:
    """None when [::1] can be bound and connected to, else the reason."""
    if not socket.has_ipv6:
        return "Python was built without IPv6"
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
            s.listen(1)
            with socket.create_connection(("::1", s.getsockname()[1]), timeout=5):
                pass
    except OSError as e:
        return f"IPv6 loopback ::1 is unavailable here: {e}"
    return None


@pytest.fixture
def rapi():
    srv = RuntimeAPIServer()
    yield srv
    srv.close()


@pytest.fixture
def start():
    """start(path, server, name=..., env={...}) -> Bootstrap; every one is killed at teardown
    and its output printed (pytest shows it for failing tests)."""
    started = []

    def _start(path, server, name: str = "probe", env: dict | None = None,
               endpoint: str | None = None) -> Bootstrap:
        e = lambda_env(server.endpoint if endpoint is None else endpoint, name=name,
                       task_root=os.path.dirname(str(path)), extra=env)
        b = Bootstrap(path, e)
        started.append(b)
        return b

    yield _start
    for b in started:
        b.kill()
        print(f"=== {b.path} (pid {b.pid}, exit {b.proc.returncode})\n{b.output()}")


@pytest.fixture
def probe(start, rapi):
    """A probe bootstrap running against rapi (clambda_run loop)."""
    return start(probe_path(), rapi)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


# --- clambda serve -----------------------------------------------------------------------------

RUNTIMES_DIR = HERE / "runtimes"


def clambda_path() -> pathlib.Path:
    b = build_dir()
    if b is None:
        pytest.skip("CLAMBDA_BUILD_DIR is not set (run through ctest)")
    p = b / "clambda"
    if not p.exists():
        pytest.skip(f"{p} is not built")
    return p


def serve_isolation() -> str:
    """The --isolation the serve tests run with: CLAMBDA_TEST_ISOLATION (ctest runs the serve
    files once more with "full" as root), default "none"."""
    return os.environ.get("CLAMBDA_TEST_ISOLATION", "none")


def full_isolation_skip_reason() -> str | None:
    """None when this process can run `clambda serve --isolation full`, else why not."""
    if os.geteuid() != 0:
        return "full isolation needs root (namespaces, cgroups, pivot_root)"
    for ctrl in ("memory", "cpu", "pids", "freezer"):
        if not os.path.isdir(f"/sys/fs/cgroup/{ctrl}") and \
                not os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            return f"no cgroup v1 {ctrl} controller and no cgroup v2 at /sys/fs/cgroup"
    return None


def env_pids(key: str, value: str) -> list:
    """Live host pids whose environment holds key=value: finds a runtime from the host, also
    inside a PID namespace (reading other users' environ needs root)."""
    needle = f"{key}={value}".encode()
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{d}/stat") as f:
                state = f.read().split(")")[-1].split()[0]
        except OSError:
            continue
        if needle in env and state != "Z":
            pids.append(int(d))
    return pids


def runtime_alive(result: dict) -> bool:
    """Whether the runtime that answered result (pyrt's {"stream": ...}) still runs."""
    return bool(env_pids("AWS_LAMBDA_LOG_STREAM_NAME", result["stream"]))


class Server:
    """A running `clambda serve` on 127.0.0.1:<ephemeral port> with its own state dir. Runs
    with --isolation serve_isolation() unless args choose one."""

    def __init__(self, state_dir: pathlib.Path, functions: dict, sets=(), args=()):
        self.state_dir = state_dir
        cmd = [str(clambda_path()), "serve", "--listen", "127.0.0.1:0",
               "--state-dir", str(state_dir)]
        if not any(str(a).startswith("--isolation") for a in args):
            if serve_isolation() == "full" and full_isolation_skip_reason():
                pytest.skip(full_isolation_skip_reason())
            cmd += ["--isolation", serve_isolation()]
        for name, path in functions.items():
            cmd += ["--function", f"{name}={path}"]
        for s in sets:
            cmd += ["--set", s]
        cmd += list(args)
        self.cmd = cmd
        self.err_path = state_dir.parent / (state_dir.name + ".stderr")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._err)
        line = self.proc.stdout.readline().decode()
        m = re.match(r"clambda: listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.stop()
            raise AssertionError(f"server did not start: {line!r}\n{self.stderr()}")
        self.port = int(m.group(1))
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def api_lines(self) -> list:
        """The lines --template's gateway prints after "listening on" (its routes, then
        "clambda: APIs on http://HOST:PORT"), read once; self.api_port is that port."""
        if getattr(self, "_api_lines", None) is None:
            self._api_lines = []
            while True:
                line = self.proc.stdout.readline().decode()
                if not line:
                    raise AssertionError(f"no 'APIs on' line:\n{self.stderr()}")
                self._api_lines.append(line.rstrip("\n"))
                m = re.match(r"clambda: APIs on http://[^ ]*:(\d+)$", line.strip())
                if m:
                    self.api_port = int(m.group(1))
                    break
        return self._api_lines

    def stderr(self) -> str:
        try:
            return self.err_path.read_text(errors="replace")
        except OSError:
            return ""

    def invoke(self, name: str, payload=b"{}", headers=None, timeout=TIMEOUT):
        """Raw HTTP invoke: (status, headers dict with lower-case names, body bytes)."""
        import http.client
        if isinstance(payload, (dict, list)):
            import json
            payload = json.dumps(payload).encode()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("POST", f"/2015-03-31/functions/{name}/invocations", body=payload,
                      headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def boto3(self):
        boto3 = pytest.importorskip("boto3")
        from botocore.config import Config
        return boto3.client("lambda", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(retries={"max_attempts": 1, "mode": "standard"},
                                          read_timeout=TIMEOUT))

    def log_files(self, function: str) -> list:
        return sorted((self.state_dir / "logs" / function).rglob("*.log"))

    def log_text(self, function: str) -> str:
        return "".join(p.read_text(errors="replace") for p in self.log_files(function))

    def wait_log(self, function: str, pattern: str, timeout: float = TIMEOUT):
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = rx.search(self.log_text(function))
            if m:
                return m
            time.sleep(0.05)
        raise AssertionError(f"no log line {pattern!r} for {function}:\n"
                             f"{self.log_text(function)}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()
        self._err.close()
        return self.proc.returncode


def invoke_json(srv: "Server", name: str, payload):
    """Invokes name with payload (JSON-encoded) and expects a 200: (headers, decoded body)."""
    import json
    st, h, body = srv.invoke(name, json.dumps(payload).encode())
    assert st == 200, (st, body)
    return h, json.loads(body)


def wait_until(cond, timeout: float = TIMEOUT, what: str = "condition") -> None:
    """Polls cond() every 50 ms until it is true; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def http_request(port: int, target: str, method="GET", body=None, headers=(), host=None):
    """One HTTP request to 127.0.0.1:port: (status, [(name, value)], body). headers are
    (name, value) pairs, so that a name may repeat; host: the Host header (default the
    address)."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        c.putrequest(method, target, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            c.putheader("Host", host)
        for k, v in headers:
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        c.close()


def runtime_dir(name: str) -> pathlib.Path:
    return RUNTIMES_DIR / name


@pytest.fixture
def serve(tmp_path):
    """serve(functions={name: path}, sets=[...], args=[...]) -> Server. At teardown the server
    gets SIGTERM and must exit 0 (under ASan a leak makes it fail), and no runtime it started
    may survive."""
    servers = []

    def _serve(functions: dict, sets=(), args=()) -> Server:
        s = Server(tmp_path / f"state{len(servers)}", functions, sets, args)
        servers.append(s)
        return s

    yield _serve
    for s in servers:
        rc = s.stop()
        print(f"=== clambda serve (exit {rc})\n{s.stderr()}")
        assert rc == 0, f"clambda serve exited with {rc}:\n{s.stderr()}"
