# SPDX-License-Identifier: MIT
"""What the test extensions (Python scripts published in layers as extensions/<name>, and a
runtime that registers internal ones) share: their opening. HEAD + a script's own lines is
the file; it runs inside the environment, under full isolation too, so it imports nothing of
the tests."""

# The interpreter line, the imports every script uses, NAME (the file name, which the scripts
# register under), API (the Runtime API's host:port) and call(), one HTTP request to it that
# returns (status, headers with lower-case names, body).
HEAD = r'''#!/usr/bin/python3
import http.client, http.server, json, os, socket, sys, threading, time
NAME = os.path.basename(sys.argv[0])
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
EXT_API = "/2020-01-01/extension"

def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(API, timeout=None)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data
'''
