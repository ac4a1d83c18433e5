# SPDX-License-Identifier: MIT
"""clambda serve and a state database it must not trust: a damaged page (PRAGMA quick_check at
start) or an emptied clambda.db is refused with the file named and how to recover (exit 2),
never served as an empty registry; and a store write that fails during CreateFunction is a
500 ServiceException that leaves nothing of the function, then or after a restart.

The write failure uses the test hook CLAMBDA_TEST_STORE_FAIL_WRITE=N (state/store.h): the Nth
write statement of the server's store fails."""

import sqlite3

import pytest

from conftest import Server
from test_control_functions import create, make_zip
from test_serve_registry import run_refused


@pytest.fixture
def servers():
    started = []
    yield started
    for s in started:
        rc = s.stop()
        print(f"=== clambda serve (exit {rc})\n{s.stderr()}")
        assert rc == 0, f"clambda serve exited with {rc}:\n{s.stderr()}"


def start(servers, state):
    s = Server(state, {})
    servers.append(s)
    return s


def stop(servers, s):
    assert s.stop() == 0, s.stderr()
    servers.remove(s)


def populate(servers, state, n=3):
    """A stopped server's state dir with n functions created through the API."""
    s = start(servers, state)
    c = s.boto3()
    for i in range(n):
        create(c, f"fn{i}", make_zip("hello"), Description="x" * 200)
    stop(servers, s)
    db = state / "clambda.db"
    assert db.stat().st_size > 0 and not (state / "clambda.db-wal").exists()
    return db


def no_retry(s):
    """A client that sends each call once (Server.boto3's retries a 500 once)."""
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=s.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"total_max_attempts": 1}))


def assert_recovery_message(err, db):
    assert str(db) in err, err
    assert "move it aside" in err and "restore a backup" in err, err


def test_damaged_page_refused(servers, tmp_path):
    state = tmp_path / "state"
    db = populate(servers, state)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    root, = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'functions'").fetchone()
    page_size, = con.execute("PRAGMA page_size").fetchone()
    n_pages, = con.execute("PRAGMA page_count").fetchone()
    con.close()
    assert 1 < root < n_pages  # a page in the middle of the file
    with open(db, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(bytes([0xa5]) * page_size)
    rc, err = run_refused(state, {})
    assert rc == 2, err
    assert "is damaged" in err and "quick_check" in err, err
    assert_recovery_message(err, db)
    # Moved aside as the message says, the server starts with an empty registry.
    db.rename(state / "clambda.db.damaged")
    s = start(servers, state)
    assert s.boto3().list_functions()["Functions"] == []


def test_zero_byte_db_refused(servers, tmp_path):
    state = tmp_path / "state"
    db = populate(servers, state)
    db.write_bytes(b"")
    rc, err = run_refused(state, {})
    assert rc == 2, err
    assert "is empty (0 bytes)" in err, err
    assert_recovery_message(err, db)
    assert db.stat().st_size == 0  # left as it was


def test_db_without_registry_beside_code_refused(servers, tmp_path):
    state = tmp_path / "state"
    db = populate(servers, state)
    db.unlink()
    sqlite3.connect(db).execute("CREATE TABLE other (x)").connection.commit()
    rc, err = run_refused(state, {})
    assert rc == 2, err
    assert "has no function registry" in err, err
    assert_recovery_message(err, db)


def test_create_write_failure_leaves_nothing(servers, tmp_path, monkeypatch):
    state = tmp_path / "state"
    # CreateFunction with a Role writes the function row (1), then the Role (2): the second
    # fails, and the first must not stay.
    monkeypatch.setenv("CLAMBDA_TEST_STORE_FAIL_WRITE", "2")
    s = start(servers, state)
    monkeypatch.delenv("CLAMBDA_TEST_STORE_FAIL_WRITE")
    c = no_retry(s)
    with pytest.raises(c.exceptions.ServiceException) as ei:
        create(c, "half", make_zip("hello"))
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "Role" in ei.value.response["Error"]["Message"]
    assert "failed by CLAMBDA_TEST_STORE_FAIL_WRITE" in s.stderr()
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName="half")
    assert s.invoke("half")[0] == 404
    # The hook fired once: the same call now succeeds, and is kept.
    create(c, "whole", make_zip("hello"))
    stop(servers, s)
    s = start(servers, state)
    c = s.boto3()
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName="half")
    assert [f["FunctionName"] for f in c.list_functions()["Functions"]] == ["whole"]


def test_delete_alias_write_failure_keeps_alias_and_its_settings(servers, tmp_path, monkeypatch):
    """DeleteAlias removes the alias and its provisioned concurrency setting in one transaction.
    Regression: the setting's removal was a second write whose failure was ignored (204), and
    the setting came back with the next alias of that name. Every write of the sequence is made
    to fail in turn (N = 1, 2, ...) until the hook no longer fires; whenever DeleteAlias fails
    it is a 500 that leaves both, and whenever it succeeds neither is left."""
    delete_failures = 0
    for n in range(1, 20):
        monkeypatch.setenv("CLAMBDA_TEST_STORE_FAIL_WRITE", str(n))
        s = start(servers, tmp_path / f"state{n}")
        monkeypatch.delenv("CLAMBDA_TEST_STORE_FAIL_WRITE")
        c = no_retry(s)
        try:
            create(c, "f", make_zip("hello"))
            v = c.publish_version(FunctionName="f")["Version"]
            c.create_alias(FunctionName="f", Name="live", FunctionVersion=v)
            c.put_provisioned_concurrency_config(FunctionName="f", Qualifier="live",
                                                 ProvisionedConcurrentExecutions=1)
        except c.exceptions.ServiceException:
            stop(servers, s)
            continue  # the hook fired before DeleteAlias
        try:
            c.delete_alias(FunctionName="f", Name="live")
        except c.exceptions.ServiceException as e:
            delete_failures += 1
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 500
            assert c.get_alias(FunctionName="f", Name="live")["FunctionVersion"] == v
            p = c.get_provisioned_concurrency_config(FunctionName="f", Qualifier="live")
            assert p["RequestedProvisionedConcurrentExecutions"] == 1
        else:
            try:
                c.create_alias(FunctionName="f", Name="live", FunctionVersion=v)
            except c.exceptions.ServiceException:
                pass  # the hook fired here, after DeleteAlias
            else:
                with pytest.raises(c.exceptions.ProvisionedConcurrencyConfigNotFoundException):
                    c.get_provisioned_concurrency_config(FunctionName="f", Qualifier="live")
        fired = "failed by CLAMBDA_TEST_STORE_FAIL_WRITE" in s.stderr()
        stop(servers, s)
        if not fired:
            break
    else:
        pytest.fail("the write hook still fired after 19 writes")
    assert delete_failures == 2, delete_failures  # the alias's row, then its setting
