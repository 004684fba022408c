"""Stand-in for lambdalite_bootstrap in tests: runs the Python snippets a test sends it.

Connects to ``STANDIN_ADDRESS`` (host:port), says hello, then answers each line (JSON
``{"code": ...}``) with ``{"ok": true, "value": <the snippet's ``result``>}`` or
``{"ok": false, "error": "Type: message"}``. Without ``STANDIN_ADDRESS`` it prints one line
and waits for stdin to close.
"""

import json
import os
import socket
import sys


def main():
    address = os.environ.get("STANDIN_ADDRESS")
    if not address:
        print("standin ready", flush=True)
        sys.stdin.read()
        return
    host, port = address.rsplit(":", 1)
    stream = socket.create_connection((host, int(port))).makefile("rwb")
    _send(stream, {"hello": os.getpid()})
    namespace = {}
    for line in stream:
        _send(stream, _run(json.loads(line)["code"], namespace))


def _run(code, namespace):
    namespace.pop("result", None)
    try:
        exec(code, namespace)
    except SystemExit:
        raise
    except BaseException as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "value": namespace.get("result")}


def _send(stream, message):
    stream.write(json.dumps(message, default=repr).encode() + b"\n")
    stream.flush()
