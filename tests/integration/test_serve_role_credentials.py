# SPDX-License-Identifier: MIT
"""clambda serve --role-credentials FILE (issue 14 item 2): a function's environments receive
its execution role's credentials as AWS hands them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN); a function with another role, a role not in the file, or none gets none of
them; they are in no API answer and no log; SIGHUP reads the file again."""

import json
import os
import signal
import subprocess

import pytest

from conftest import (TIMEOUT, clambda_path, full_isolation_skip_reason, invoke_json,
                      runtime_dir, wait_until)
from test_control_config import dir_zip
from test_control_functions import create

ROLE_A = "arn:aws:iam::123456789012:role/role-a"
ROLE_B = "arn:aws:iam::123456789012:role/service-role/role-b"
UNKNOWN = "arn:aws:iam::123456789012:role/not-in-the-file"
KEYS = {
    ROLE_A: {"AccessKeyId": "ASIAROLEAAAAAAAAAAAA", "SecretAccessKey": "secret-of-a/Zq8+x",
             "SessionToken": "token-of-a-IQoJb3JpZ2luX2VjE", "Expiration": "2030-01-01T00:00:00Z"},
    ROLE_B: {"AccessKeyId": "ASIAROLEBBBBBBBBBBBB", "SecretAccessKey": "secret-of-b/Yw7+y",
             "SessionToken": "token-of-b-IQoJb3JpZ2luX2VjF"},
}
NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def write_keys(path, keys) -> None:
    path.write_text(json.dumps(keys))
    os.chmod(path, 0o600)


def creds_of(srv, name: str) -> tuple:
    env = invoke_json(srv, name, {"action": "env"})[1]["env"]
    return tuple(env.get(k) for k in NAMES)


def expected(role: str) -> tuple:
    k = KEYS[role]
    return (k["AccessKeyId"], k["SecretAccessKey"], k.get("SessionToken"))


def secrets() -> list:
    return [v for k in KEYS.values() for m, v in k.items() if m != "AccessKeyId"]


def modes():
    return ["none", pytest.param("full", marks=pytest.mark.skipif(
        full_isolation_skip_reason() is not None, reason=str(full_isolation_skip_reason())))]


@pytest.mark.parametrize("mode", modes())
def test_each_function_gets_only_its_roles_credentials(serve, tmp_path, mode):
    keys = tmp_path / "roles.json"
    write_keys(keys, KEYS)
    py = runtime_dir("pyrt")
    srv = serve({"a": py, "plain": py, "unknown": py},
                sets=["a.role=" + ROLE_A, "unknown.role=" + UNKNOWN,
                      "a.env.AWS_SESSION_TOKEN=forged"],  # reserved: dropped
                args=["--isolation", mode, "--role-credentials", str(keys)])
    c = srv.boto3()
    create(c, "b", dir_zip(py), Role=ROLE_B)  # through the API, as on AWS
    assert creds_of(srv, "a") == expected(ROLE_A)
    assert creds_of(srv, "b") == expected(ROLE_B)
    assert creds_of(srv, "plain") == (None, None, None)
    assert creds_of(srv, "unknown") == (None, None, None)
    # The configuration shows the Role, never its credentials; neither do the logs.
    for name, role in (("a", ROLE_A), ("b", ROLE_B)):
        cfg = c.get_function_configuration(FunctionName=name)
        assert cfg["Role"] == role
        text = json.dumps(cfg, default=str) + json.dumps(c.get_function(FunctionName=name),
                                                         default=str)
        assert not any(s in text for s in secrets()), text
    listed = json.dumps(c.list_functions(), default=str)
    assert not any(s in listed for s in secrets())
    for name in ("a", "b", "plain", "unknown"):
        log = srv.log_text(name)
        assert log and not any(s in log for s in secrets()), log
    assert not any(s in srv.stderr() for s in secrets())
    if mode == "none":
        assert "--role-credentials under isolation none" in srv.stderr()
    # A new Role is a new configuration: new environments with the new role's credentials.
    c.update_function_configuration(FunctionName="b", Role=ROLE_A)
    assert creds_of(srv, "b") == expected(ROLE_A)


def test_role_survives_restart_and_versions_keep_theirs(tmp_path):
    """The Role of an API function is stored, as is a --set NAME.role: after a restart (without
    the --set) their environments still get the credentials; a published version keeps the
    role it was published with."""
    from conftest import Server
    keys = tmp_path / "roles.json"
    write_keys(keys, KEYS)
    args = ["--role-credentials", str(keys)]
    py = runtime_dir("pyrt")
    srv = Server(tmp_path / "state", {"g": py}, sets=["g.role=" + ROLE_B], args=args)
    try:
        c = srv.boto3()
        assert c.get_function_configuration(FunctionName="g")["Role"] == ROLE_B
        create(c, "f", dir_zip(py), Role=ROLE_A)
        v1 = c.publish_version(FunctionName="f")["Version"]
        c.update_function_configuration(FunctionName="f", Role=ROLE_B)
    finally:
        assert srv.stop() == 0, srv.stderr()
    srv = Server(tmp_path / "state", {"g": py}, args=args)
    try:
        assert creds_of(srv, "f") == expected(ROLE_B)
        assert creds_of(srv, f"f:{v1}") == expected(ROLE_A)
        assert creds_of(srv, "g") == expected(ROLE_B)
        assert srv.boto3().get_function_configuration(FunctionName="g")["Role"] == ROLE_B
    finally:
        assert srv.stop() == 0, srv.stderr()


def test_sighup_reads_the_file_again(serve, tmp_path):
    keys = tmp_path / "roles.json"
    write_keys(keys, {ROLE_A: KEYS[ROLE_A]})
    py = runtime_dir("pyrt")
    srv = serve({"a": py, "late": py}, sets=["a.role=" + ROLE_A, "late.role=" + ROLE_A],
                args=["--role-credentials", str(keys)])
    assert creds_of(srv, "a") == expected(ROLE_A)
    rotated = dict(KEYS[ROLE_A], AccessKeyId="ASIAROTATEDAAAAAAAAA", SessionToken="rotated")
    write_keys(keys, {ROLE_A: rotated})
    srv.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "SIGHUP: reloaded" in srv.stderr(), what="the reload")
    # Environments started from now on get the new credentials; a warm one keeps its own.
    assert creds_of(srv, "late") == ("ASIAROTATEDAAAAAAAAA", rotated["SecretAccessKey"],
                                     "rotated")
    assert creds_of(srv, "a") == expected(ROLE_A)
    # A file that no longer loads keeps the credentials read before.
    keys.write_text("{not json")
    srv.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "keeping the credentials read before" in srv.stderr(), what="refusal")
    srv.invoke("late", b'{"action": "exit"}')  # its environment goes; the next starts anew
    assert creds_of(srv, "late")[0] == "ASIAROTATEDAAAAAAAAA"


@pytest.mark.parametrize("text,message", [
    ("{not json", "roles.json:1: "),
    ('{"arn:aws:iam::123:role/x": {}}', "is not a role ARN"),
    (json.dumps({ROLE_A: {"AccessKeyId": "short", "SecretAccessKey": "s3cr3t-value"}}),
     "AccessKeyId must be 16-128 of [A-Za-z0-9_]"),
    (json.dumps({ROLE_A: {"AccessKeyId": "ASIAROLEAAAAAAAAAAAA"}}),
     "SecretAccessKey (required)"),
    (json.dumps({ROLE_A: dict(KEYS[ROLE_A], Token="x")}), "unknown member Token"),
    (json.dumps([ROLE_A]), "expected an object mapping role ARNs to credentials"),
])
def test_bad_file_refuses_to_start(tmp_path, text, message):
    keys = tmp_path / "roles.json"
    keys.write_text(text)
    p = subprocess.run([str(clambda_path()), "serve", "--listen", "127.0.0.1:0", "--isolation",
                        "none", "--state-dir", str(tmp_path / "state"), "--role-credentials",
                        str(keys)], capture_output=True, timeout=TIMEOUT)
    err = p.stderr.decode()
    assert p.returncode == 1 and "--role-credentials: " in err and message in err, err
    assert "s3cr3t-value" not in err
