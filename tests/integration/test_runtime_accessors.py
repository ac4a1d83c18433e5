# SPDX-License-Identifier: MIT
"""Invocation and function accessors as the probe sees them: every next header, the deadline
and remaining time, _X_AMZN_TRACE_ID, and the function configuration from the environment."""

from __future__ import annotations

import time

import pytest

from conftest import TIMEOUT, probe_path

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
CLIENT_CONTEXT = ('{"client":{"installation_id":"i-1","app_title":"t"},'
                  '"custom":{"k":"v"},"env":{"platform":"linux"}}')
COGNITO = '{"cognitoIdentityId":"us-east-1:1234","cognitoIdentityPoolId":"us-east-1:pool"}'
ARN = "arn:aws:lambda:us-east-2:123456789012:function:probe:prod"


def test_every_header_is_exposed(rapi, probe):
    before = int(time.time() * 1000)
    rid = rapi.push("accessors", timeout_ms=30000, trace_id=TRACE, client_context=CLIENT_CONTEXT,
                    cognito_identity=COGNITO, tenant_id="tenant-42", function_arn=ARN,
                    content_type="text/plain")
    deadline = rapi.wait_delivered(rid, TIMEOUT)
    res = rapi.wait_result(rid, TIMEOUT)
    doc = res.json()
    assert doc["request_id"] == rid
    assert doc["deadline_ms"] == deadline
    assert before + 30000 <= deadline
    assert 0 < doc["remaining_ms"] <= 30000
    assert doc["function_arn"] == ARN
    assert doc["trace_id"] == TRACE
    assert doc["env_trace_id"] == TRACE
    assert doc["client_context"] == CLIENT_CONTEXT
    assert doc["cognito_identity"] == COGNITO
    assert doc["tenant_id"] == "tenant-42"
    assert doc["content_type"] == "text/plain"
    assert doc["payload_len"] == len("accessors")
    # The trace id is the invocation's only: unset once it is answered.
    probe.wait_line(r"probe: trace env after respond=\(unset\)")


def test_absent_optional_headers_read_as_null(rapi, probe):
    rid = rapi.push("accessors", trace_id=TRACE)
    assert rapi.wait_result(rid, TIMEOUT).json()["env_trace_id"] == TRACE
    rid = rapi.push("accessors", content_type=None, function_arn="")
    doc = rapi.wait_result(rid, TIMEOUT).json()
    for k in ("trace_id", "env_trace_id", "client_context", "cognito_identity", "tenant_id"):
        assert doc[k] is None, k
    assert doc["content_type"] == "application/json"
    assert doc["function_arn"] == ""


def test_deadline_in_the_past_gives_zero_remaining(rapi, probe):
    rid = rapi.push("accessors", timeout_ms=-5000)
    doc = rapi.wait_result(rid, TIMEOUT).json()
    assert doc["remaining_ms"] == 0
    assert doc["deadline_ms"] > 0


@pytest.mark.parametrize("value", ["not-a-number", "-1", "12abc", None])
def test_malformed_or_absent_deadline_reads_as_zero(rapi, probe, value):
    rid = rapi.push("accessors", header_overrides={"Lambda-Runtime-Deadline-Ms": value})
    doc = rapi.wait_result(rid, TIMEOUT).json()
    assert doc["deadline_ms"] == 0
    assert doc["remaining_ms"] == 0


@pytest.mark.parametrize("env,expected", [
    ({}, {"function_name": "probe", "function_version": "$LATEST", "memory_mb": 128,
          "log_group": "/aws/lambda/probe",
          "log_stream": "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
          "handler": "bootstrap"}),
    ({"AWS_LAMBDA_FUNCTION_NAME": "other", "AWS_LAMBDA_FUNCTION_VERSION": "7",
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "10240", "_HANDLER": "main.handler"},
     {"function_name": "other", "function_version": "7", "memory_mb": 10240,
      "handler": "main.handler"}),
    ({"AWS_LAMBDA_FUNCTION_NAME": None, "AWS_LAMBDA_FUNCTION_VERSION": None,
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": None, "AWS_LAMBDA_LOG_GROUP_NAME": None,
      "AWS_LAMBDA_LOG_STREAM_NAME": None, "_HANDLER": None},
     {"function_name": "", "function_version": "", "memory_mb": 0, "log_group": "",
      "log_stream": "", "handler": ""}),
    ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128MB"}, {"memory_mb": 0}),
    ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "-128"}, {"memory_mb": 0}),
])
def test_function_configuration(rapi, start, env, expected):
    start(probe_path(), rapi, env=env)
    rid = rapi.push("accessors")
    doc = rapi.wait_result(rid, TIMEOUT).json()
    for k, v in expected.items():
        assert doc[k] == v, k


def test_version_num(rapi, probe):
    rid = rapi.push("accessors")
    assert rapi.wait_result(rid, TIMEOUT).json()["version_num"] == 100  # 0.1.0


def test_trace_id_changes_per_invocation(rapi, probe):
    traces = [TRACE.replace("Sampled=1", f"Sampled={i % 2}") for i in range(4)] + [None]
    for t in traces:
        rid = rapi.push("accessors", trace_id=t)
        doc = rapi.wait_result(rid, TIMEOUT).json()
        assert doc["trace_id"] == t and doc["env_trace_id"] == t
