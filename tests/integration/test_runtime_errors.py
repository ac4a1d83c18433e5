# SPDX-License-Identifier: MIT
"""Error documents as libclambda posts them, for every way a function can fail (/error with
and without a stack trace, a failed stream's trailers, /init/error) and awkward bytes in the
type and message: the body is always valid UTF-8 JSON {"errorMessage","errorType",
"stackTrace"}; valid UTF-8 is kept as is, invalid bytes become U+FFFD, control bytes are
escaped as \\u00XX; the Lambda-Runtime-Function-Error-Type header stays a safe header value."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest

from conftest import CLAMBDA_OK, TIMEOUT, probe_path

# (id, type bytes or None for NULL, message bytes or None for NULL)
CASES = [
    ("ascii", b"MyError", b"plain message"),
    ("utf8 kept", b"Caf\xc3\xa9Error",
     "caf\u00e9 \u20ac \U0001F600 \u2603 \u65e5\u672c\u8a9e".encode()),
    ("lone invalid bytes", b"Bad.Bytes", b"x\xffy\xfez\x80w\xbf"),
    ("overlong", b"Bad.Overlong", b"a\xc0\xafb\xc1\xbfc\xe0\x80\xafd"),
    ("surrogate", b"Bad.Surrogate", b"a\xed\xa0\x80b\xed\xbf\xbfc"),
    ("above U+10FFFF", b"Bad.Range", b"a\xf4\x90\x80\x80b\xf5\x80\x80\x80c"),
    ("5 and 6 byte forms", b"Bad.Long", b"a\xf8\x88\x80\x80\x80b\xfc\x84\x80\x80\x80\x80c"),
    ("control bytes", b"Ctl", b"a\x01b\x1fc\td\ne\rf\x7fg\x08h\x0ci\x1bj"),
    ("quotes and slashes", b"Quote", b'say "hi" \\ there / </script> \\u0041'),
    ("null message", b"NoMessage", None),
    ("null type", None, b"message without a type"),
    ("type header injection", b"Bad\r\nX-Injected:1", b"m"),
    ("non-ascii type", b"Typ\xc3\xa9.\xe2\x98\x83", b"m"),
    ("invalid utf8 type", b"T\xff\x01", b"m"),
    ("100 KB message", b"Big", ("\u00e9" * 50000).encode()),
]

SINKS = ["fail", "failtrace", "streamfail", "init"]


def expected_text(raw: bytes | None, default: str) -> str:
    if raw is None:
        return default
    return raw.decode("utf-8", "replace")


CUT = "(error message too large)"


def check_document(body: bytes, raw_type, raw_msg, frames=None, may_cut=False) -> dict:
    """The checks every posted error document must pass. may_cut: the library may replace
    a long message by CUT (a failed stream's error travels in a trailer field)."""
    text = body.decode("utf-8")  # strict: the document is valid UTF-8
    assert not re.search(r"[\x00-\x1f]", text), f"raw control byte in {body[:200]!r}"
    doc = json.loads(text)
    assert doc["errorType"] == expected_text(raw_type, "Function.Unhandled")
    if may_cut and doc["errorMessage"] == CUT:
        assert len(raw_msg) > 16 * 1024, "only long messages may be cut"
        return doc
    assert doc["errorMessage"] == expected_text(raw_msg, "")
    assert isinstance(doc.get("stackTrace", []), list)
    if frames is not None:
        assert doc["stackTrace"] == frames
    if raw_msg is not None:
        # Valid UTF-8 sequences are kept as UTF-8, not escaped.
        for piece in re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", raw_msg):
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError:
                continue
            assert piece in body, f"{piece!r} was not kept as UTF-8"
        # Control bytes other than the short escapes come out as \u00XX.
        for c in set(re.findall(rb"[\x01-\x07\x0b\x0e-\x1f]", raw_msg)):
            assert re.search(rb"\\u00" + f"{c[0]:02x}".encode(), body, re.I), \
                f"control byte {c!r} not escaped as \\u00XX"
    return doc


def check_type_header(value: str | None, raw_type) -> None:
    assert value is not None, "Lambda-Runtime-Function-Error-Type missing"
    assert re.fullmatch(r"[\x21-\x7e]+", value), f"unsafe header value {value!r}"
    if raw_type is None:
        assert value == "Function.Unhandled"
    elif re.fullmatch(rb"[\x21-\x7e]+", raw_type):
        assert value == raw_type.decode()


def field(raw: bytes | None) -> bytes:
    return b"-" if raw is None else raw


@pytest.mark.parametrize("sink", SINKS)
@pytest.mark.parametrize("name,raw_type,raw_msg", CASES, ids=[c[0] for c in CASES])
def test_error_document(rapi, start, sink, name, raw_type, raw_msg):
    if sink == "init":
        env = {"PROBE_INIT_ERROR": "1"}
        if raw_type is not None:
            env["PROBE_INIT_ERROR_TYPE"] = os.fsdecode(raw_type)
        if raw_msg is not None:
            env["PROBE_INIT_ERROR_MESSAGE"] = os.fsdecode(raw_msg)
        else:
            pytest.skip("the probe's init error always has a message")
        if raw_type is None:
            pytest.skip("the probe's init error always has a type")
        p = start(probe_path(), rapi, env=env)
        res = rapi.wait_init_error(TIMEOUT)
        assert p.wait_exit(TIMEOUT) == 1
        check_type_header(res.error_type, raw_type)
        assert res.content_type == "application/json"
        check_document(res.body, raw_type, raw_msg)
        return

    p = start(probe_path(), rapi)
    if sink == "streamfail":
        payload = b"streamfail 2 " + field(raw_type) + b" " + field(raw_msg)
    else:
        payload = sink.encode() + b" " + field(raw_type) + b" " + field(raw_msg)
    rid = rapi.push(payload, content_type="text/plain")
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "error", p.output()
    assert "X-Injected" not in res.headers and "X-Injected" not in res.trailers
    if sink == "streamfail":
        assert p.rc("stream_fail") == CLAMBDA_OK
        assert res.streamed and res.body == b"chunk 1 of 2\nchunk 2 of 2\n"
        check_type_header(res.trailers.get("Lambda-Runtime-Function-Error-Type"), raw_type)
        raw_b64 = res.trailers.get("Lambda-Runtime-Function-Error-Body")
        assert raw_b64 is not None
        check_document(base64.b64decode(raw_b64, validate=True), raw_type, raw_msg,
                       may_cut=True)
    else:
        assert p.rc("fail") == CLAMBDA_OK
        check_type_header(res.error_type, raw_type)
        assert res.content_type == "application/json"
        frames = None
        if sink == "failtrace":
            frames = ["probe.c:dispatch", expected_text(raw_msg, "")] if raw_msg else None
        elif sink == "fail":
            frames = []
        check_document(res.body, raw_type, raw_msg, frames)
    # The loop goes on, on the same connection.
    rid2 = rapi.push("respond 1")
    assert rapi.wait_result(rid2, TIMEOUT).body == b"a"
    assert rapi.connections_accepted == 1


@pytest.mark.parametrize("raw", [b"a\xe2\x82b", b"a\xf0\x9f\x98", b"\xe2\x82", b"\xf0\x9f"])
def test_truncated_sequences_become_replacement_characters(rapi, probe, raw):
    """A cut multi-byte sequence becomes one U+FFFD (maximal subpart) or one per byte;
    either way the document is valid and nothing else changes."""
    rid = rapi.push(b"fail Trunc " + raw)
    res = rapi.wait_result(rid, TIMEOUT)
    doc = json.loads(res.body.decode("utf-8"))
    msg = doc["errorMessage"]
    ascii_part = bytes(b for b in raw if b < 0x80).decode()
    assert msg.replace("\ufffd", "") == ascii_part
    n = msg.count("\ufffd")
    assert 1 <= n <= len(raw) - len(ascii_part)


def test_huge_message_still_gives_a_valid_document(rapi, probe):
    rid = rapi.push(b"fail Huge " + b"m" * (2 << 20))
    res = rapi.wait_result(rid, TIMEOUT)
    assert res.kind == "error"
    doc = json.loads(res.body)
    assert doc["errorType"] == "Huge"
    assert doc["errorMessage"] in ("m" * (2 << 20), "(error message too large)")
    rid2 = rapi.push("respond 1")
    assert rapi.wait_result(rid2, TIMEOUT).body == b"a"
