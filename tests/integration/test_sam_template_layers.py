# SPDX-License-Identifier: MIT
"""`clambda serve --template`: a function's Layers that name the template's
AWS::Serverless::LayerVersion resources (ContentUri a directory or a zip) are merged in order
into its /opt (CLAMBDA_OPT_DIR under isolation none), shown as layer ARNs by the control plane,
and an edited layer directory is seen at the next start."""

import io
import json
import shutil
import zipfile

from conftest import Server, probe_path

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Layers: [!Ref DirLayer]
Resources:
  DirLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  ZipLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {LayerName: zipped, ContentUri: layer2.zip}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: withlayers
      CodeUri: fn/
      Runtime: provided.al2023
      Handler: bootstrap
      Layers: [!Ref ZipLayer]
"""


def invoke_text(c, name, payload):
    out = c.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    return out["Payload"].read().decode()


def test_template_layers_dir_and_zip(tmp_path):
    (tmp_path / "fn").mkdir()
    shutil.copy(probe_path(), tmp_path / "fn" / "bootstrap")
    (tmp_path / "layer" / "data").mkdir(parents=True)
    (tmp_path / "layer" / "data" / "who.txt").write_text("dir")
    (tmp_path / "layer" / "data" / "dir-only.txt").write_text("kept")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in {"data/who.txt": "zip", "data/zip-only.txt": "z"}.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    (tmp_path / "layer2.zip").write_bytes(buf.getvalue())
    tpl = tmp_path / "template.yaml"
    tpl.write_text(TEMPLATE)
    state = tmp_path / "state"
    args = ["--isolation", "none", "--template", str(tpl)]
    s1 = Server(state, {}, args=args)
    try:
        c = s1.boto3()
        layers = c.get_function_configuration(FunctionName="withlayers")["Layers"]
        arn = "arn:aws:lambda:us-east-1:000000000000:layer:"
        assert [x["Arn"] for x in layers] == [arn + "DirLayer:1", arn + "zipped:1"]
        assert layers[0]["CodeSize"] == 0 and layers[1]["CodeSize"] == len(buf.getvalue())
        opt = invoke_text(c, "withlayers", "getenv CLAMBDA_OPT_DIR")
        assert opt.startswith(str(state)), opt
        # Globals' list first, then the function's: the zip's file wins
        assert invoke_text(c, "withlayers", f"cat {opt}/data/who.txt") == "zip"
        assert invoke_text(c, "withlayers", f"cat {opt}/data/dir-only.txt") == "kept"
        assert invoke_text(c, "withlayers", f"cat {opt}/data/zip-only.txt") == "z"
    finally:
        assert s1.stop() == 0
    (tmp_path / "layer" / "data" / "dir-only.txt").write_text("edited")
    s2 = Server(state, {}, args=args)
    try:
        c = s2.boto3()
        opt2 = invoke_text(c, "withlayers", "getenv CLAMBDA_OPT_DIR")
        assert opt2 != opt
        assert invoke_text(c, "withlayers", f"cat {opt2}/data/dir-only.txt") == "edited"
    finally:
        assert s2.stop() == 0
