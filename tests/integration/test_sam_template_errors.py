# SPDX-License-Identifier: MIT
"""`clambda serve --template` on broken SAM templates: the server does not start, exits 2, and
its message names the file, the line and the key (FILE:LINE: Resources.X.Properties.Key: ...),
for YAML syntax errors and for what the template means (bad values, intrinsics clambda does not
evaluate, a missing CodeUri, an event naming an API the template does not have)."""

import subprocess

import pytest

from conftest import TIMEOUT, clambda_path

GOOD_HEAD = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code
"""

CASES = [
    # (name, text after GOOD_HEAD or a whole template, line, key, message)
    ("yaml_syntax", "Resources:\n  Fn: [\n", 3, None, "YAML: "),
    ("memory", GOOD_HEAD + "      MemorySize: 99999\n", 8,
     "Resources.Fn.Properties.MemorySize", "must be an integer from 128 to 10240"),
    ("no_code_uri", GOOD_HEAD.replace("      CodeUri: code\n", "      Handler: x\n"), 6,
     "Resources.Fn.Properties", "CodeUri is required"),
    ("unknown_intrinsic",
     GOOD_HEAD + "      Environment:\n        Variables:\n          SHARED: !ImportValue net\n",
     10, "Resources.Fn.Properties.Environment.Variables.SHARED",
     "Fn::ImportValue is not supported"),
    ("missing_api",
     GOOD_HEAD + "      Events:\n        Get:\n          Type: HttpApi\n          Properties:\n"
     "            ApiId: Nope\n            Path: /\n            Method: get\n",
     12, "Resources.Fn.Properties.Events.Get.Properties",
     "ApiId: Nope is not an AWS::Serverless::HttpApi of the template"),
]


@pytest.mark.parametrize("name,text,line,key,message", CASES, ids=[c[0] for c in CASES])
def test_broken_template_names_file_line_key(tmp_path, name, text, line, key, message):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "bootstrap").write_text("#!/bin/sh\n")
    tpl = tmp_path / f"{name}.yaml"
    tpl.write_text(text)
    cmd = [str(clambda_path()), "serve", "--listen", "127.0.0.1:0", "--state-dir",
           str(tmp_path / "state"), "--isolation", "none", "--template", str(tpl)]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert p.returncode == 2, p.stderr
    want = f"{tpl}:{line}: " + (f"{key}: " if key else "") + message
    assert want in p.stderr, p.stderr
    assert "listening" not in p.stdout + p.stderr
