#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The main job until `clambda serve` exists: runs the example functions (static bootstraps from
a build dir) against the test Runtime API server, invokes each a few times and prints what came
back. Usage: scripts/demo.py [BUILD_DIR] (default build/release)."""
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from rapi_server import RuntimeAPIServer  # noqa: E402

HTTP_FIXTURE = ROOT / "tests" / "fixtures" / "events" / "apigw-v2.json"


def http_event() -> bytes:
    """An HTTP API (payload 2.0) request for GET /hello?name=clambda, from the test fixture."""
    ev = json.loads(HTTP_FIXTURE.read_text())
    ev.update(rawPath="/hello", rawQueryString="name=clambda", routeKey="GET /hello")
    ev["requestContext"]["http"].update(method="GET", path="/hello")
    ev.pop("body", None)
    ev["isBase64Encoded"] = False
    return json.dumps(ev).encode()


DEMOS = [
    ("hello", [b"{}"]),
    ("echo", [b'{"numbers":[1,2,3],"text":"caf\xc3\xa9"}']),
    ("fail", [b"{}"]),
    ("stream", [b'{"chunks":3}']),
    ("http-api", [http_event()] if HTTP_FIXTURE.exists() else []),
]


def run(build: pathlib.Path, name: str, events) -> bool:
    boot = build / "examples" / name / "bootstrap"
    if not boot.exists():
        print(f"{name}: {boot} is missing; build first")
        return False
    with RuntimeAPIServer() as srv:
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=srv.endpoint,
                   AWS_LAMBDA_FUNCTION_NAME=name, AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                   AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", _HANDLER="bootstrap")
        proc = subprocess.Popen([str(boot)], env=env, stderr=subprocess.PIPE)
        ok = True
        try:
            for payload in events:
                rid = srv.push(payload)
                res = srv.wait_result(rid, timeout=10)
                body = res.error_body if res.kind == "error" else res.body
                extra = f" type={res.error_type}" if res.error_type else ""
                extra += f" chunks={len(res.chunks)}" if res.streamed else ""
                print(f"{name:9} {res.kind:8}{extra} {body[:200]!r}")
        except TimeoutError as e:
            print(f"{name}: {e}")
            ok = False
        finally:
            proc.kill()
            proc.wait()
        return ok


def main() -> int:
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "release")
    results = [run(build, name, events) for name, events in DEMOS if events]
    print("demo:", "all examples answered" if all(results) else "some examples failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
