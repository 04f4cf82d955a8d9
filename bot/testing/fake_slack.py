"""A local fake of the Slack Web API, served over real HTTP.

Why: vpabot's tests and demo must run with no internet and no Slack workspace,
yet we want to exercise the real ``slack_sdk`` client (its serialisation, error
handling and retry handlers) rather than mocks. ``FakeSlack`` speaks just enough
of the Web API for ``WebClient(base_url=fake.base_url)`` to work, records every
request for assertions, and can be told to fail or stall so that rate limits,
5xx errors and slow responses are testable. Standard library only, so it can
also back a demo without extra dependencies.

Usage: ``with FakeSlack(token="xoxb-test") as fake:`` then
``WebClient(token="xoxb-test", base_url=fake.base_url)`` and
``fake.wait_for("chat.postMessage")``.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Call", "FakeSlack"]


@dataclass
class Call:
    """One request received by the fake.

    ``method`` is the Web API method ("chat.postMessage"), or "response_url" /
    "upload" for the non-API endpoints. ``headers`` keys are Title-Cased
    ("Authorization", "Content-Type") so lookups do not depend on the client.
    Failed attempts (queued via ``fail``) are recorded too, so retries can be
    counted.
    """

    method: str
    args: dict
    headers: dict
    at: float

    @property
    def token(self) -> str | None:
        """The bearer token sent with the request, if any."""
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: float | None


def _decode_json_strings(args: dict) -> dict:
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


class _Handler(BaseHTTPRequestHandler):
    """Routes /api/<method>, /response/<key> and /upload/<id> to the FakeSlack."""

    server: _Server

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
            args = _decode_json_strings(args)
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack


class FakeSlack:
    """A fake Slack Web API on a local port; see the module docstring."""

    BOT_USER_ID, BOT_ID, TEAM_ID = "UBOT", "BBOT", "T1"
    # What auth.test reports in X-OAuth-Scopes unless a test sets ``fake.scopes``.
    DEFAULT_SCOPES = ("commands", "chat:write", "im:write", "files:write", "users:read",
                      "channels:read", "groups:read", "usergroups:read")

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None):
        self.host, self.port, self.token = host, port, token
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._seq = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Workspace state for checks like ``vpabot doctor``; tests change these directly.
        self.scopes: list[str] = list(self.DEFAULT_SCOPES)
        # conversations.info: known channels and whether the bot is a member; others are
        # channel_not_found.
        self.channels: dict[str, dict] = {}
        # users.info: fields that override the default active user (e.g. {"deleted": True});
        # None makes the id unknown (user_not_found).
        self.users: dict[str, dict | None] = {}
        # User groups: {"S01ADMINS": {"handle": "vpa-admins", "users": ["U1", ...]}}
        self.usergroups: dict[str, dict] = {}

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> FakeSlack:
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        if self._server is None:
            self._server = _Server((self.host, self.port), _Handler)
            self._server.fake = self
            self.port = self._server.server_address[1]
            # A short poll interval keeps stop() (and so every test teardown) fast.
            self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                            name="FakeSlack", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    __enter__ = start

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What WebClient(base_url=...) expects: trailing slash, method appended."""
        return self.url + "/api/"

    def response_url(self, key: str) -> str:
        """A URL to put in fake interaction payloads; POSTs to it are recorded."""
        return f"{self.url}/response/{key}"

    # -- programming behaviour -------------------------------------------------
    def fail(self, method: str, *, error: str | None = None, status: int = 200,
             retry_after: float | None = None, times: int = 1) -> None:
        """Queue ``times`` failures for ``method`` (also "response_url"/"upload").

        status 429 -> Retry-After header + {"ok": false, "error": "ratelimited"};
        status >= 500 -> plain-text body; status 200 -> {"ok": false, "error": error}.
        """
        with self._cond:
            self._failures.setdefault(method, []).extend(
                _Failure(status, error, retry_after) for _ in range(times))

    def delay(self, method: str, seconds: float) -> None:
        """Sleep ``seconds`` before answering ``method`` (0 removes the delay).

        The call is recorded before the sleep, as Slack would have received it.
        """
        with self._cond:
            self._delays[method] = seconds

    def reset(self) -> None:
        """Forget recorded calls, queued failures and delays."""
        with self._cond:
            self._calls.clear()
            self._failures.clear()
            self._delays.clear()

    # -- inspection --------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0,
                 predicate: Callable[[Call], bool] | None = None) -> list[Call]:
        """Block until ``count`` calls to ``method`` (matching ``predicate``) arrived.

        Why: the bot answers Slack asynchronously (acks first, works later), so
        tests must wait for side effects instead of sleeping a guessed amount.
        Returns all matching calls; raises AssertionError on timeout.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls
                         if c.method == method and (predicate is None or predicate(c))]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = Counter(c.method for c in self._calls)
                    summary = ", ".join(f"{m} x{n}" for m, n in seen.items()) or "none"
                    what = " matching predicate" if predicate else ""
                    raise AssertionError(
                        f"FakeSlack: timed out after {timeout}s waiting for {count} call(s) to "
                        f"{method!r}{what}; got {len(found)}. Recorded methods: {summary}")
                self._cond.wait(remaining)

    # -- request handling (called from server threads) --------------------------
    def _record(self, method: str, args: dict, headers: dict) -> tuple[_Failure | None, float]:
        with self._cond:
            self._calls.append(Call(method, args, headers, time.time()))
            self._cond.notify_all()
            queue = self._failures.get(method)
            return (queue.pop(0) if queue else None), self._delays.get(method, 0.0)

    def _next_ts(self) -> str:
        with self._cond:
            self._seq += 1
            micros = self._seq * 100
        return f"{1700000000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    @staticmethod
    def _failure_response(method: str, f: _Failure):
        """(status, extra headers, body) the way Slack fails: see ``fail``."""
        if f.status == 429:
            after = str(int(f.retry_after if f.retry_after is not None else 1))
            return 429, {"Retry-After": after}, {"ok": False, "error": f.error or "ratelimited"}
        if f.status >= 500:
            return f.status, {}, (f.error or f"fake {f.status} for {method}").encode()
        return f.status, {}, {"ok": False, "error": f.error or "fatal_error"}

    def _serve(self, method: str, args: dict, headers: dict):
        """Record, then delay / fail / answer; returns (status, extra headers, body)."""
        failure, delay = self._record(method, args, headers)
        if delay > 0:
            time.sleep(delay)
        if failure:
            return self._failure_response(method, failure)
        if method in ("response_url", "upload"):  # not Web API: no token, plain "ok"
            return 200, {}, b"ok"
        if self.token is not None:
            sent = headers.get("Authorization", "")
            if sent != f"Bearer {self.token}" and args.get("token") != self.token:
                return 200, {}, {"ok": False, "error": "invalid_auth"}
        error = self._workspace_error(method, args)
        if error:
            return 200, {}, {"ok": False, "error": error}
        extra = {"X-OAuth-Scopes": ",".join(self.scopes)} if method == "auth.test" else {}
        return 200, extra, {"ok": True, **self._answer(method, args)}

    def _workspace_error(self, method: str, args: dict) -> str | None:
        """Slack's error for a channel or user this workspace does not have."""
        if method == "conversations.info" and args.get("channel") not in self.channels:
            return "channel_not_found"
        if method == "users.info" and self.users.get(args.get("user", ""), {}) is None:
            return "user_not_found"
        return None

    def _answer(self, method: str, args: dict) -> dict:
        """The success payload for ``method``: just the fields our code reads."""
        channel = str(args.get("channel") or args.get("channel_id") or "")
        if channel[:1] in ("U", "W"):  # posting to a user id lands in their DM
            channel = "D" + channel
        if method == "auth.test":
            return {"url": "https://fake.slack.com/", "team": "Fake", "user": "vpabot",
                    "team_id": self.TEAM_ID, "user_id": self.BOT_USER_ID, "bot_id": self.BOT_ID}
        if method == "chat.postMessage":
            ts = self._next_ts()
            echo = ("text", "blocks", "attachments", "thread_ts", "metadata")
            message = {"type": "message", "user": self.BOT_USER_ID, "bot_id": self.BOT_ID,
                       "ts": ts, **{k: args[k] for k in echo if k in args}}
            return {"channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            return {"channel": channel, "ts": args.get("ts", ""), "text": args.get("text", "")}
        if method == "usergroups.list":
            return {"usergroups": [{"id": gid, "handle": g["handle"]} for gid, g in self.usergroups.items()]}
        if method == "usergroups.users.list":
            return {"users": list(self.usergroups.get(str(args.get("usergroup")), {}).get("users", []))}
        if method == "chat.getPermalink":
            ts = str(args.get("message_ts", ""))
            return {"channel": channel, "permalink": f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"}
        if method == "chat.postEphemeral":
            return {"message_ts": self._next_ts()}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = args.get("view") if isinstance(args.get("view"), dict) else {}
            view_id = args.get("view_id") or f"V{self._next_ts().replace('.', '')}"
            return {"view": {**view, "id": view_id, "hash": f"h{view_id}"}}
        if method == "conversations.open":
            users = args.get("users", "")
            users = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
            dm_id = ("D" + users[0]) if len(users) == 1 else "G" + "".join(users)
            return {"channel": {"id": dm_id}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{self._next_ts().replace('.', '')}"
            return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files") if isinstance(args.get("files"), list) else []
            return {"files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "users.info":
            uid = args.get("user", "")
            name = f"User {uid}"
            return {"user": {"id": uid, "name": uid.lower(), "real_name": name,
                             "tz": "Europe/Berlin", "tz_offset": 3600, "is_bot": False,
                             "deleted": False,
                             "profile": {"real_name": name, "display_name": name},
                             **(self.users.get(uid) or {})}}
        if method == "conversations.info":
            channel_id = args.get("channel", "")
            return {"channel": {"id": channel_id, "name": channel_id.lower(), "is_member": False,
                                **self.channels[channel_id]}}
        return {}
