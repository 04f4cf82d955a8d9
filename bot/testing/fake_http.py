"""The HTTP side of the fake Slack: routes requests to ``FakeSlack._serve`` and writes answers.

Split from ``fake_slack`` to keep each file readable; nothing here is public.
"""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from vpabot.bot.testing.fake_slack import FakeSlack

# An answer that is never sent: the handler closes the connection instead (a reset).
DROP = object()


def decode_json_strings(args: dict) -> dict:
    """Turn JSON-encoded list/dict strings into objects.

    slack_sdk form-encodes some methods, so structured params such as
    ``blocks``, ``view`` or ``files`` arrive as JSON strings; tests want to
    assert on the structure, not on a serialisation detail.
    """
    out = {}
    for key, value in args.items():
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                parsed = json.loads(value)
                if isinstance(parsed, (list, dict)):
                    value = parsed
            except ValueError:
                pass
        out[key] = value
    return out


class Handler(BaseHTTPRequestHandler):
    """Routes /api/<method>, /response/<key> and /upload/<id> to the FakeSlack."""

    server: Server

    def log_message(self, format, *args):
        pass

    def do_GET(self):  # Slack accepts GET for every method; slack_sdk never uses it
        self._handle(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def _handle(self, body: bytes) -> None:
        url = urlsplit(self.path)
        headers = {k.title(): v for k, v in self.headers.items()}
        fake, path = self.server.fake, url.path
        if path.startswith(("/api/", "/response/")):
            args = dict(parse_qsl(url.query, keep_blank_values=True))
            args.update(self._parse_body(body, headers.get("Content-Type", "")))
            args = decode_json_strings(args)
        if path.startswith("/api/"):
            status, extra, payload = fake._serve(path[5:], args, headers)
        elif path.startswith("/response/"):
            args["_key"] = path[10:]
            status, extra, payload = fake._serve("response_url", args, headers)
        elif path.startswith("/upload/"):
            args = {"file_id": path[8:], "content": body}
            status, extra, payload = fake._serve("upload", args, headers)
        else:
            status, extra, payload = 404, {}, b"not found"
        if payload is DROP:  # Slack did the work, the answer never comes: a reset connection
            self.close_connection = True
            return
        if isinstance(payload, dict):
            data, ctype = json.dumps(payload).encode(), "application/json; charset=utf-8"
        else:
            data, ctype = payload, "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    @staticmethod
    def _parse_body(body: bytes, content_type: str) -> dict:
        """JSON if it says so (or looks like it), else form-encoded."""
        text = body.decode("utf-8", "replace").strip()
        if not text:
            return {}
        if "json" in content_type or text.startswith("{"):
            try:
                parsed = json.loads(text)
                return parsed if isinstance(parsed, dict) else {"_body": parsed}
            except ValueError:
                pass
        return dict(parse_qsl(text, keep_blank_values=True))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack
