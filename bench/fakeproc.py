"""The fake Slack Web API in a process of its own, with a small JSON control port.

Why a process: the load generator, the fake and the app under test must not share one GIL,
or the fake's work would be billed to whichever app the generator happens to be timing.

Control: ``POST /`` with ``{"op": "call", "name": "delay", "args": [...], "kwargs": {...}}``
calls that method of ``FakeSlack`` (so switches added to the fake later work unchanged);
``{"op": "has", "name": ...}``; ``{"op": "calls", "methods": [...], "since": n}`` returns
recorded calls; ``{"op": "count", "methods": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vpabot.bot.testing.fake_slack import FakeSlack


def _answer(fake: FakeSlack, request: dict[str, Any]) -> Any:
    op = request.get("op")
    if op == "has":
        return hasattr(fake, request["name"])
    if op == "call":
        result = getattr(fake, request["name"])(*request.get("args", []), **request.get("kwargs", {}))
        return None if result is fake else result
    methods = set(request.get("methods") or [])
    calls = fake.calls
    if op == "count":
        return sum(1 for c in calls if not methods or c.method in methods)
    if op == "calls":
        since = int(request.get("since", 0))
        return [
            {"i": i, "method": c.method, "args": c.args, "at": c.at, "ok": c.ok}
            for i, c in enumerate(calls[since:], start=since)
            if not methods or c.method in methods
        ]
    raise ValueError(f"unknown op {op!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", default="xoxb-bench")
    args = parser.parse_args(argv)
    fake = FakeSlack(token=args.token).start()
    server = fake._server  # a client that gave up (timeout, SIGKILL) is expected here
    default = server.handle_error  # type: ignore[union-attr]

    def quiet(request: object, address: object) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            default(request, address)

    server.handle_error = quiet  # type: ignore[union-attr,method-assign]

    class Control(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                status, out = 200, {"ok": True, "result": _answer(fake, json.loads(body))}
            except Exception as error:  # the caller sees what went wrong, the fake keeps running
                status, out = 400, {"ok": False, "error": f"{type(error).__name__}: {error}"}
            data = json.dumps(out, default=repr).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    control.daemon_threads = True
    print(json.dumps({"api": fake.base_url, "url": fake.url, "control": control.server_address[1]}),
          flush=True)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()  # the parent closes our stdin (or dies): time to go
    finally:
        control.shutdown()
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
