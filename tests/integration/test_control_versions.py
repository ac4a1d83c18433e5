# SPDX-License-Identifier: MIT
"""Versions, aliases and concurrency through the control plane (boto3 and both aws CLIs):
PublishVersion / ListVersionsByFunction, invoking name:N, ?Qualifier=N, full ARNs and aliases
(X-Amz-Executed-Version, AWS_LAMBDA_FUNCTION_VERSION, the log stream's [N]), a weighted alias
split, every alias validation error as botocore reports it, reserved concurrency throttles,
provisioned concurrency configs reaching READY, and a restart that keeps all of it."""

import io
import json
import math
import threading
import time
import zipfile

import pytest

from awscli import clis, run
from conftest import Server, example_path, runtime_dir, wait_until
from test_control_functions import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
PY = runtime_dir("pyrt")


def pyrt_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, (PY / "bootstrap").read_bytes())
    return buf.getvalue()


def create(c, name, **kw):
    return c.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                             Role=ROLE, Code={"ZipFile": pyrt_zip()}, **kw)


def env_of(srv, ident):
    """Invokes ident ("name[:qualifier]", an ARN, or "name?Qualifier=q") with action env:
    (headers, decoded body)."""
    import http.client
    name, _, query = ident.partition("?")
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    try:
        c.request("POST", f"/2015-03-31/functions/{name}/invocations" + (f"?{query}" * bool(query)),
                  body=b'{"action":"env"}')
        r = c.getresponse()
        st, h, body = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()
    assert st == 200, (ident, st, body)
    return h, json.loads(body)


def restart(srv, tmp_path, sets=(), args=()):
    assert srv.stop() == 0, srv.stderr()
    return Server(srv.state_dir, {}, sets=sets, args=args)


def unchecked(srv):
    """A boto3 client without botocore's own parameter validation: the server's is tested."""
    import boto3
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1}, parameter_validation=False))


def error_code(fn, **kw):
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    return ei.value.response["Error"]["Code"], ei.value.response["Error"]["Message"]


def publish_two(tmp_path, name="fn"):
    """A function with versions 1 (V=one) and 2 (V=two): the server, restarted once."""
    s1 = Server(tmp_path / "state", {})
    c = s1.boto3()
    create(c, name, Environment={"Variables": {"VV": "one"}})
    v1 = c.publish_version(FunctionName=name, Description="first")
    assert v1["Version"] == "1" and v1["FunctionArn"] == ARN + name + ":1"
    assert v1["Description"] == "first"
    # an unchanged $LATEST publishes nothing new
    assert c.publish_version(FunctionName=name)["Version"] == "1"
    s2 = restart(s1, tmp_path, sets=[f"{name}.env.VV=two"])
    c = s2.boto3()
    v2 = c.publish_version(FunctionName=name)
    assert v2["Version"] == "2"
    return s2, c


def test_list_max_items_checked_alike(tmp_path):
    """ListFunctions, ListVersionsByFunction and ListAliases read MaxItems the same way."""
    srv = Server(tmp_path / "state", {})
    try:
        c = unchecked(srv)
        create(c, "fn")
        c.publish_version(FunctionName="fn")
        c.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        lists = ((c.list_functions, {}, "Functions"),
                 (c.list_versions_by_function, {"FunctionName": "fn"}, "Versions"),
                 (c.list_aliases, {"FunctionName": "fn"}, "Aliases"))
        for fn, kw, key in lists:
            for bad, constraint in ((0, "greater than or equal to 1"),
                                    (20000, "less than or equal to 10000")):
                assert error_code(fn, MaxItems=bad, **kw) == (
                    "ValidationException",
                    f"1 validation error detected: Value '{bad}' at 'maxItems' failed to satisfy "
                    f"constraint: Member must have value {constraint}")
            assert len(fn(MaxItems=10000, **kw)[key]) >= 1  # accepted, capped at the page size
    finally:
        srv.stop()


def test_function_and_qualifier_checked_alike(tmp_path):
    """GetFunctionConfiguration and the settings operations (here GetPolicy) parse the function
    name and ?Qualifier= the same way and answer the same errors."""
    srv = Server(tmp_path / "state", {})
    try:
        c = unchecked(srv)
        create(c, "fn")
        c.publish_version(FunctionName="fn")
        for fn in (c.get_function_configuration, c.get_policy):
            code, msg = error_code(fn, FunctionName="fn", Qualifier="bad!")
            assert code == "ValidationException" and "at 'qualifier'" in msg, fn
            code, msg = error_code(fn, FunctionName="fn:1", Qualifier="2")
            assert (code, msg) == ("InvalidParameterValueException",
                                   "The derived qualifier from the function name does not match "
                                   "the specified qualifier."), fn
            code, msg = error_code(fn, FunctionName="bad name")
            assert code == "ValidationException" and "at 'functionName'" in msg, fn
            # GetPolicy's own answer for a function that does not exist (AWS's, recorded)
            assert error_code(fn, FunctionName="nope") == (
                "ResourceNotFoundException",
                "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"
                if fn == c.get_function_configuration else
                "The resource you requested does not exist."), fn
    finally:
        srv.stop()


def test_publish_list_invoke_versions(tmp_path):
    srv, c = publish_two(tmp_path)
    try:
        vs = c.list_versions_by_function(FunctionName="fn")["Versions"]
        assert [v["Version"] for v in vs] == ["$LATEST", "1", "2"]
        assert vs[0]["FunctionArn"] == ARN + "fn:$LATEST" or vs[0]["FunctionArn"] == ARN + "fn"
        assert vs[1]["Environment"] == {"Variables": {"VV": "one"}}
        assert vs[1]["CodeSha256"] == vs[0]["CodeSha256"] and vs[1]["CodeSize"] > 0
        assert vs[1]["Role"] == ROLE and vs[1]["Description"] == "first"
        p1 = c.list_versions_by_function(FunctionName="fn", MaxItems=2)
        assert [v["Version"] for v in p1["Versions"]] == ["$LATEST", "1"]
        p2 = c.list_versions_by_function(FunctionName="fn", Marker=p1["NextMarker"])
        assert [v["Version"] for v in p2["Versions"]] == ["2"] and "NextMarker" not in p2
        g = c.get_function_configuration(FunctionName="fn", Qualifier="1")
        assert g["Version"] == "1" and g["FunctionArn"] == ARN + "fn:1"
        assert c.get_function(FunctionName="fn:2")["Configuration"]["Version"] == "2"
        for ident, want, v in (("fn:1", "1", "one"), ("fn?Qualifier=2", "2", "two"),
                               (ARN + "fn:1", "1", "one"), ("fn", "$LATEST", "two")):
            h, out = env_of(srv, ident)
            assert h["x-amz-executed-version"] == want, ident
            assert out["env"]["AWS_LAMBDA_FUNCTION_VERSION"] == want
            assert out["env"]["VV"] == v
            assert out["env"]["AWS_LAMBDA_LOG_STREAM_NAME"].split("]")[0].endswith("[" + want)
        # boto3's invoke with Qualifier
        r = c.invoke(FunctionName="fn", Qualifier="1", Payload=b'{"action":"env"}')
        assert r["ExecutedVersion"] == "1"
        assert error_code(c.get_function, FunctionName="fn", Qualifier="9")[0] == \
            "ResourceNotFoundException"
        st, _, body = srv.invoke("fn:9")
        assert st == 404 and b"function:fn:9" in body
        # preconditions
        latest = c.get_function_configuration(FunctionName="fn")
        assert error_code(c.publish_version, FunctionName="fn", RevisionId="nope")[0] == \
            "PreconditionFailedException"
        code, msg = error_code(c.publish_version, FunctionName="fn", CodeSha256="abc")
        assert code == "InvalidParameterValueException" and "CodeSHA256 (abc)" in msg
        assert c.publish_version(FunctionName="fn", RevisionId=latest["RevisionId"],
                                 CodeSha256=latest["CodeSha256"])["Version"] == "2"
        # delete a version: never reused
        assert error_code(c.delete_function, FunctionName="fn", Qualifier="$LATEST")[0] == \
            "InvalidParameterValueException"
        c.delete_function(FunctionName="fn", Qualifier="2")
        assert [v["Version"] for v in
                c.list_versions_by_function(FunctionName="fn")["Versions"]] == ["$LATEST", "1"]
        st, _, _ = srv.invoke("fn:2")
        assert st == 404
    finally:
        assert srv.stop() == 0, srv.stderr()


def test_aliases_crud_and_errors(tmp_path):
    srv, c = publish_two(tmp_path)
    try:
        a = c.create_alias(FunctionName="fn", Name="live", FunctionVersion="1",
                           Description="d")
        assert a["AliasArn"] == ARN + "fn:live" and a["FunctionVersion"] == "1"
        assert a["ResponseMetadata"]["HTTPStatusCode"] == 201 and a["RevisionId"]
        g = c.get_alias(FunctionName="fn", Name="live")
        assert (g["RevisionId"], g["Description"]) == (a["RevisionId"], "d")
        h, out = env_of(srv, "fn:live")
        assert h["x-amz-executed-version"] == "1" and out["env"]["VV"] == "one"
        u = c.update_alias(FunctionName="fn", Name="live", FunctionVersion="2",
                           RevisionId=a["RevisionId"])
        assert u["FunctionVersion"] == "2" and u["RevisionId"] != a["RevisionId"]
        assert u["Description"] == "d"
        assert error_code(c.update_alias, FunctionName="fn", Name="live",
                          RevisionId=a["RevisionId"])[0] == "PreconditionFailedException"
        h, _ = env_of(srv, ARN + "fn:live")
        assert h["x-amz-executed-version"] == "2"
        c.create_alias(FunctionName="fn", Name="edge", FunctionVersion="$LATEST")
        names = [x["Name"] for x in c.list_aliases(FunctionName="fn")["Aliases"]]
        assert names == ["edge", "live"]
        p = c.list_aliases(FunctionName="fn", MaxItems=1)
        assert [x["Name"] for x in p["Aliases"]] == ["edge"]
        assert [x["Name"] for x in c.list_aliases(FunctionName="fn", Marker=p["NextMarker"])[
            "Aliases"]] == ["live"]
        assert [x["Name"] for x in c.list_aliases(FunctionName="fn", FunctionVersion="2")[
            "Aliases"]] == ["live"]
        bad = [
            (dict(Name="live", FunctionVersion="1"), "ResourceConflictException"),
            (dict(Name="123", FunctionVersion="1"), "ValidationException"),
            (dict(Name="a.b", FunctionVersion="1"), "ValidationException"),
            (dict(Name="x" * 129, FunctionVersion="1"), "ValidationException"),
            (dict(Name="v", FunctionVersion="7"), "ResourceNotFoundException"),
            (dict(Name="v", FunctionVersion="abc"), "ValidationException"),
            (dict(Name="v", FunctionVersion="1",
                  RoutingConfig={"AdditionalVersionWeights": {"2": 1.5}}), "ValidationException"),
            (dict(Name="v", FunctionVersion="1",
                  RoutingConfig={"AdditionalVersionWeights": {"2": -0.1}}),
             "ValidationException"),
            (dict(Name="v", FunctionVersion="1",
                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}),
             "InvalidParameterValueException"),
            (dict(Name="v", FunctionVersion="$LATEST",
                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}}),
             "InvalidParameterValueException"),
            (dict(Name="v", FunctionVersion="1",
                  RoutingConfig={"AdditionalVersionWeights": {"$LATEST": 0.1}}),
             "ValidationException"),
            (dict(Name="v", FunctionVersion="1",
                  RoutingConfig={"AdditionalVersionWeights": {"1": 0.1}}),
             "InvalidParameterValueException"),
            (dict(Name="v", FunctionVersion="1",
                  RoutingConfig={"AdditionalVersionWeights": {"9": 0.1}}),
             "ResourceNotFoundException"),
        ]
        u = unchecked(srv)
        for kw, want in bad:
            assert error_code(u.create_alias, FunctionName="fn", **kw)[0] == want, kw
        assert error_code(c.create_alias, FunctionName="nofn", Name="x",
                          FunctionVersion="1")[0] == "ResourceNotFoundException"
        assert error_code(c.get_alias, FunctionName="fn", Name="nope")[0] == \
            "ResourceNotFoundException"
        code, msg = error_code(c.delete_function, FunctionName="fn", Qualifier="2")
        assert code == "ResourceConflictException" and "[live]" in msg
        c.delete_alias(FunctionName="fn", Name="edge")
        assert error_code(c.get_alias, FunctionName="fn", Name="edge")[0] == \
            "ResourceNotFoundException"
        st, _, _ = srv.invoke("fn:edge")
        assert st == 404
    finally:
        assert srv.stop() == 0, srv.stderr()


def test_weighted_alias_split(tmp_path):
    srv, c = publish_two(tmp_path)
    try:
        a = c.create_alias(FunctionName="fn", Name="canary", FunctionVersion="1",
                           RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
        assert a["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.3}}
        n = 400
        counts = {"1": 0, "2": 0}
        for _ in range(n):
            st, h, _ = srv.invoke("fn:canary", b'{"action":"count"}')
            assert st == 200
            counts[h["x-amz-executed-version"]] += 1
        # binomial(400, 0.3): mean 120, sd 9.2; 5 sd either side fails once in ~3.5 million
        sd = math.sqrt(n * 0.3 * 0.7)
        assert abs(counts["2"] - n * 0.3) < 5 * sd, counts
        # removing the routing sends everything to the primary version
        c.update_alias(FunctionName="fn", Name="canary",
                       RoutingConfig={"AdditionalVersionWeights": {}})
        for _ in range(20):
            assert srv.invoke("fn:canary")[1]["x-amz-executed-version"] == "1"
    finally:
        assert srv.stop() == 0, srv.stderr()


def test_reserved_concurrency_throttles(serve):
    srv = serve({}, args=["--max-concurrency", "20"])
    c = srv.boto3()
    create(c, "busy")
    r = c.put_function_concurrency(FunctionName="busy", ReservedConcurrentExecutions=1)
    assert r["ReservedConcurrentExecutions"] == 1
    assert c.get_function_concurrency(FunctionName="busy")["ReservedConcurrentExecutions"] == 1
    assert c.get_function(FunctionName="busy")["Concurrency"] == {
        "ReservedConcurrentExecutions": 1}
    s = c.get_account_settings()["AccountLimit"]
    assert (s["ConcurrentExecutions"], s["UnreservedConcurrentExecutions"]) == (20, 19)
    code, msg = error_code(c.put_function_concurrency, FunctionName="busy",
                           ReservedConcurrentExecutions=21)
    assert code == "InvalidParameterValueException" and "below its minimum value" in msg
    assert error_code(unchecked(srv).put_function_concurrency, FunctionName="busy",
                      ReservedConcurrentExecutions=-1)[0] == "ValidationException"
    v = c.publish_version(FunctionName="busy")["Version"]
    results = []
    held = threading.Thread(target=lambda: results.append(
        srv.invoke("busy", {"action": "sleep", "seconds": 4})[0]))
    held.start()
    try:
        deadline = time.monotonic() + 60
        while True:  # the sleeping invoke holds the only environment, of any version
            st, h, body = srv.invoke(f"busy:{v}", b"{}", headers={})
            if st == 429 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert st == 429, body
        err = json.loads(body)
        assert err["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert h["x-amzn-errortype"] == "TooManyRequestsException"
    finally:
        held.join()
    assert results == [200]  # an idle environment of version v gave its slot to $LATEST
    c.delete_function_concurrency(FunctionName="busy")
    assert "ReservedConcurrentExecutions" not in c.get_function_concurrency(FunctionName="busy")
    assert srv.invoke(f"busy:{v}")[0] == 200
    c.put_function_concurrency(FunctionName="busy", ReservedConcurrentExecutions=0)
    st, _, body = srv.invoke("busy")
    assert st == 429 and b"ReservedFunctionConcurrentInvocationLimitExceeded" in body


def test_provisioned_concurrency_and_restart(tmp_path):
    srv, c = publish_two(tmp_path)
    try:
        c.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        assert error_code(c.put_provisioned_concurrency_config, FunctionName="fn",
                          Qualifier="$LATEST", ProvisionedConcurrentExecutions=1)[0] == \
            "InvalidParameterValueException"
        assert error_code(c.put_provisioned_concurrency_config, FunctionName="fn",
                          Qualifier="9", ProvisionedConcurrentExecutions=1)[0] == \
            "ResourceNotFoundException"
        assert error_code(c.get_provisioned_concurrency_config, FunctionName="fn",
                          Qualifier="2")[0] == "ProvisionedConcurrencyConfigNotFoundException"
        r = c.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="live",
                                                 ProvisionedConcurrentExecutions=1)
        assert r["RequestedProvisionedConcurrentExecutions"] == 1
        assert r["Status"] in ("IN_PROGRESS", "READY")
        wait_until(lambda: c.get_provisioned_concurrency_config(
            FunctionName="fn", Qualifier="live")["Status"] == "READY", what="READY")
        h, out = env_of(srv, "fn:live")
        assert out["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency"
        assert h["x-amz-executed-version"] == "1"
        lst = c.list_provisioned_concurrency_configs(FunctionName="fn")
        assert [x["FunctionArn"] for x in lst["ProvisionedConcurrencyConfigs"]] == \
            [ARN + "fn:live"]
        # the provisioned environments follow the alias to its new version
        c.update_alias(FunctionName="fn", Name="live", FunctionVersion="2")
        wait_until(lambda: c.get_provisioned_concurrency_config(
            FunctionName="fn", Qualifier="live")["Status"] == "READY", what="READY on 2")
        h, out = env_of(srv, "fn:live")
        assert out["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency"
        assert h["x-amz-executed-version"] == "2"
        c.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=5)
        c.update_alias(FunctionName="fn", Name="live",
                       RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
        srv = restart(srv, tmp_path)
        c = srv.boto3()
        vs = [v["Version"] for v in c.list_versions_by_function(FunctionName="fn")["Versions"]]
        assert vs == ["$LATEST", "1", "2"]
        a = c.get_alias(FunctionName="fn", Name="live")
        assert a["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.5}}
        assert c.get_function_concurrency(FunctionName="fn")["ReservedConcurrentExecutions"] == 5
        wait_until(lambda: c.get_provisioned_concurrency_config(
            FunctionName="fn", Qualifier="live")["Status"] == "READY", what="READY again")
        seen = set()
        for _ in range(60):
            seen.add(srv.invoke("fn:live")[1]["x-amz-executed-version"])
        assert seen == {"1", "2"}
        c.delete_provisioned_concurrency_config(FunctionName="fn", Qualifier="live")
        assert c.list_provisioned_concurrency_configs(
            FunctionName="fn")["ProvisionedConcurrencyConfigs"] == []
    finally:
        assert srv.stop() == 0, srv.stderr()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aws_cli(tmp_path, version):
    cli = clis().get(version)
    if cli is None:
        pytest.skip(f"aws CLI {version} is not installed")
    srv, c = publish_two(tmp_path)
    try:
        rc, out, err = run(cli, srv.endpoint, ["list-versions-by-function", "--function-name",
                                               "fn"])
        assert rc == 0, err
        assert [v["Version"] for v in out["Versions"]] == ["$LATEST", "1", "2"]
        rc, out, err = run(cli, srv.endpoint, ["create-alias", "--function-name", "fn", "--name",
                                               "cli", "--function-version", "1",
                                               "--routing-config",
                                               "AdditionalVersionWeights={2=0.25}"])
        assert rc == 0, err
        assert out["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
        rc, out, err = run(cli, srv.endpoint, ["get-alias", "--function-name", "fn", "--name",
                                               "cli"])
        assert rc == 0 and out["FunctionVersion"] == "1", err
        rc, out, err = run(cli, srv.endpoint, ["create-alias", "--function-name", "fn", "--name",
                                               "cli", "--function-version", "1"])
        assert rc != 0 and "ResourceConflictException" in err
        rc, out, err = run(cli, srv.endpoint, ["publish-version", "--function-name", "fn"])
        assert rc == 0 and out["Version"] == "2", err
        rc, out, err = run(cli, srv.endpoint, ["put-function-concurrency", "--function-name",
                                               "fn", "--reserved-concurrent-executions", "3"])
        assert rc == 0 and out["ReservedConcurrentExecutions"] == 3, err
        rc, out, err = run(cli, srv.endpoint, ["delete-alias", "--function-name", "fn",
                                               "--name", "cli"])
        assert rc == 0, err
    finally:
        assert srv.stop() == 0, srv.stderr()


def versions(c, name):
    return [v["Version"] for v in c.list_versions_by_function(FunctionName=name)["Versions"]]


def runs_echo(srv, ident) -> bool:
    """True when ident runs the echo example, False when it runs hello."""
    st, _, body = srv.invoke(ident, b'{"probe":7}')
    assert st == 200, (ident, body)
    return body == b'{"probe":7}'


def test_publish_on_create_and_update_code(serve):
    srv = serve({})
    c = srv.boto3()
    r = c.create_function(FunctionName="pub", Runtime="provided.al2023", Handler="bootstrap",
                          Role=ROLE, Code={"ZipFile": make_zip("echo")}, Publish=True,
                          Description="made")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (r["Version"], r["FunctionArn"]) == ("1", ARN + "pub:1")
    assert r["Role"] == ROLE and r["Description"] == "made" and r["State"] == "Active"
    assert versions(c, "pub") == ["$LATEST", "1"]
    assert c.get_function_configuration(FunctionName="pub", Qualifier="1")["CodeSha256"] == \
        r["CodeSha256"]
    u = c.update_function_code(FunctionName="pub", ZipFile=make_zip("hello"), Publish=True)
    assert u["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (u["Version"], u["FunctionArn"]) == ("2", ARN + "pub:2")
    assert u["CodeSha256"] != r["CodeSha256"] and u["Role"] == ROLE
    assert versions(c, "pub") == ["$LATEST", "1", "2"]
    latest = c.get_function_configuration(FunctionName="pub")
    assert latest["Version"] == "$LATEST" and latest["CodeSha256"] == u["CodeSha256"]
    # each version runs the code it was published with
    assert runs_echo(srv, "pub:1") and not runs_echo(srv, "pub:2")
    assert not runs_echo(srv, "pub")
    h, _ = env_of(srv, "pub:1")
    assert h["x-amz-executed-version"] == "1"
    # DryRun with Publish changes and publishes nothing
    d = c.update_function_code(FunctionName="pub", ZipFile=make_zip("echo"), Publish=True,
                               DryRun=True)
    assert d["Version"] == "$LATEST" and d["FunctionArn"] == ARN + "pub"
    assert versions(c, "pub") == ["$LATEST", "1", "2"]
    assert c.get_function_configuration(FunctionName="pub")["CodeSha256"] == u["CodeSha256"]
    # the same code again: $LATEST is unchanged, so the newest version is the answer
    again = c.update_function_code(FunctionName="pub", ZipFile=make_zip("hello"),
                                   Publish=True)
    assert again["Version"] == "2"
    assert c.publish_version(FunctionName="pub")["Version"] == "2"
    assert versions(c, "pub") == ["$LATEST", "1", "2"]
    # without Publish nothing is published (and $LATEST is answered)
    n = c.update_function_code(FunctionName="pub", ZipFile=make_zip("echo"))
    assert n["Version"] == "$LATEST" and versions(c, "pub") == ["$LATEST", "1", "2"]
    assert c.publish_version(FunctionName="pub")["Version"] == "3"
    assert runs_echo(srv, "pub:3") and not runs_echo(srv, "pub:2")
    # Publish false on create: no version
    f = create(c, "nopub", Publish=False)
    assert f["Version"] == "$LATEST" and versions(c, "nopub") == ["$LATEST"]


def test_publish_code_of_manifest_function(serve, tmp_path):
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"functions": {"fromfile": {
        "code": str(example_path("hello").parent)}}}))
    srv = serve({}, args=["--manifest", str(m)])
    c = srv.boto3()
    code, msg = error_code(c.update_function_code, FunctionName="fromfile",
                           ZipFile=make_zip("echo"), Publish=True)
    assert code == "ResourceConflictException" and "--manifest" in msg
    code, msg = error_code(c.publish_version, FunctionName="fromfile")
    assert code == "ResourceConflictException" and "cannot be versioned" in msg
    assert versions(c, "fromfile") == ["$LATEST"]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aws_cli_publish(serve, tmp_path, version):
    cli = clis().get(version)
    if cli is None:
        pytest.skip(f"aws CLI {version} is not installed")
    srv = serve({})
    c = srv.boto3()
    echo, hello = tmp_path / "echo.zip", tmp_path / "hello.zip"
    echo.write_bytes(make_zip("echo"))
    hello.write_bytes(make_zip("hello"))
    home = str(tmp_path)
    rc, out, err = run(cli, srv.endpoint, ["create-function", "--function-name", "clip",
                                           "--runtime", "provided.al2023", "--handler",
                                           "bootstrap", "--role", ROLE, "--zip-file",
                                           f"fileb://{echo}", "--publish"], home=home)
    assert rc == 0, err
    assert (out["Version"], out["FunctionArn"]) == ("1", ARN + "clip:1")
    rc, out, err = run(cli, srv.endpoint, ["update-function-code", "--function-name", "clip",
                                           "--zip-file", f"fileb://{hello}", "--dry-run",
                                           "--publish"], home=home)
    assert rc == 0 and out["Version"] == "$LATEST", err
    assert versions(c, "clip") == ["$LATEST", "1"]
    rc, out, err = run(cli, srv.endpoint, ["update-function-code", "--function-name", "clip",
                                           "--zip-file", f"fileb://{hello}", "--publish"],
                       home=home)
    assert rc == 0, err
    assert (out["Version"], out["FunctionArn"]) == ("2", ARN + "clip:2")
    rc, out, err = run(cli, srv.endpoint, ["list-versions-by-function", "--function-name",
                                           "clip"], home=home)
    assert rc == 0, err
    assert [v["Version"] for v in out["Versions"]] == ["$LATEST", "1", "2"]
    assert runs_echo(srv, "clip:1") and not runs_echo(srv, "clip:2")
