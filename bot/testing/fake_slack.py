"""A local fake of the Slack Web API, served over real HTTP.

Why: vpabot's tests and demo must run with no internet and no Slack workspace,
yet we want to exercise the real ``slack_sdk`` client (its serialisation, error
handling and retry handlers) rather than mocks. ``FakeSlack`` speaks just enough
of the Web API for ``WebClient(base_url=fake.base_url)`` to work, records every
request for assertions, and can be told to fail or stall so that rate limits,
5xx errors and slow responses are testable. Standard library only, so it can
also back a demo without extra dependencies.

Beyond failures it keeps what Slack keeps: posted messages per channel (with their
``metadata``) answer ``conversations.history``; ``rate_limit`` answers 429 with Retry-After
like Slack's per-channel limit; ``delay`` answers late (after storing the message, as a Slack
that posted but whose answer was lost), ``drop`` closes the connection instead of answering;
a response_url can expire (404 ``expired_url``) or be used up (``used_url``).

Usage: ``with FakeSlack(token="xoxb-test") as fake:`` then
``WebClient(token="xoxb-test", base_url=fake.base_url)`` and
``fake.wait_for("chat.postMessage")``.

What it keeps lives in ``fake_slack_store``, what it suffers in ``fake_slack_faults`` and its
HTTP side in ``fake_http``; this module is the Web API's face: the calls, the answers.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from vpabot.bot.testing.fake_http import DROP, Handler, Server
from vpabot.bot.testing.fake_slack_faults import Failure, Faults, failure_response
from vpabot.bot.testing.fake_slack_store import SlackStore, conversation

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
    status: int | None = None  # the HTTP status answered (429 for a rate-limited call)
    ok: bool | None = None  # Slack stored/did it (``"ok": true``), even if the answer was dropped

    @property
    def token(self) -> str | None:
        """The bearer token sent with the request, if any."""
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None


class FakeSlack:
    """A fake Slack Web API on a local port; see the module docstring."""

    BOT_USER_ID, BOT_ID, TEAM_ID = "UBOT", "BBOT", "T1"
    # What auth.test reports in X-OAuth-Scopes unless a test sets ``fake.scopes``.
    DEFAULT_SCOPES = ("commands", "chat:write", "im:write", "files:write", "users:read",
                      "channels:read", "groups:read", "usergroups:read", "channels:history",
                      "groups:history", "im:history")

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None):
        self.host, self.port, self.token = host, port, token
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._faults = Faults(self._cond)
        self._store = SlackStore(self._cond)
        self.response_url_uses: int | None = None  # Slack: 5; None: unlimited
        self._server: Server | None = None
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
            self._server = Server((self.host, self.port), Handler)
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
             retry_after: float | None = None, times: int = 1, channel: str | None = None) -> None:
        """Queue ``times`` failures for ``method`` (also "response_url"/"upload"), for the next
        calls to it, or with ``channel`` only for calls to that conversation.

        status 429 -> Retry-After header + {"ok": false, "error": "ratelimited"};
        status >= 500 -> plain-text body; status 200 -> {"ok": false, "error": error}.
        """
        where = conversation(channel) if channel else None
        self._faults.fail(
            method, error=error, status=status, retry_after=retry_after, times=times, channel=where
        )

    def delay(self, method: str, seconds: float) -> None:
        """Sleep ``seconds`` before answering ``method`` (0 removes the delay).

        The call is recorded before the sleep, as Slack would have received it.
        """
        self._faults.delay(method, seconds)

    def drop(self, method: str, *, times: int = 1) -> None:
        """Do the next ``times`` calls to ``method`` (a post is stored), then close the
        connection without an answer: the client sees a reset, the work was done."""
        self._faults.drop(method, times=times)

    def rate_limit(self, method: str, *, per_channel: float, burst: int = 1) -> None:
        """Allow ``method`` once per ``per_channel`` seconds per channel (Slack documents about
        one chat.postMessage per second per channel), ``burst`` calls at most at once. Beyond
        that: 429 with ``Retry-After`` in whole seconds (at least 1), as Slack sends it."""
        self._faults.rate_limit(method, per_channel=per_channel, burst=burst)

    def expire_response_url(self, key: str, error: str = "expired_url") -> None:
        """From now on a POST to ``response_url(key)`` gets 404 with ``error`` as body."""
        self._store.expire(key, error)

    def reset(self) -> None:
        """Forget recorded calls, queued failures, delays, drops, limits and messages."""
        with self._cond:
            self._calls.clear()
            self._faults.clear()
            self._store.clear()

    # -- inspection --------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def messages(self, channel: str) -> list[dict]:
        """Messages posted to ``channel`` (a user id means their DM), oldest first."""
        return self._store.messages(channel)

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
    def _record(self, method: str, args: dict, headers: dict) -> tuple[Call, Failure | None, float]:
        with self._cond:
            call = Call(method, args, headers, time.time())
            self._calls.append(call)
            self._cond.notify_all()
            return call, *self._faults.next_for(method, args, call.at)

    def _serve(self, method: str, args: dict, headers: dict):
        """Record, then fail, or answer (storing what Slack stores) and then delay or drop;
        returns (status, extra headers, body)."""
        call, failure, delay = self._record(method, args, headers)
        if failure:
            answer = failure_response(method, failure)
        else:
            answer = self._succeed(method, args, headers)
        with self._cond:
            call.status = answer[0]
            call.ok = answer[0] == 200 and isinstance(answer[2], dict) and answer[2].get("ok") is True
            dropped = not failure and self._faults.take_drop(method)
        if delay > 0:
            time.sleep(delay)
        return (0, {}, DROP) if dropped else answer

    def _succeed(self, method: str, args: dict, headers: dict):
        if method == "response_url":  # not Web API: no token
            return self._store.respond(args["_key"], self.response_url_uses)
        if method == "upload":
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
        # posting to a user id lands in their DM
        channel = conversation(str(args.get("channel") or args.get("channel_id") or ""))
        if method == "auth.test":
            return {"url": "https://fake.slack.com/", "team": "Fake", "user": "vpabot",
                    "team_id": self.TEAM_ID, "user_id": self.BOT_USER_ID, "bot_id": self.BOT_ID}
        if method == "chat.postMessage":
            ts = self._store.next_ts()
            echo = ("text", "blocks", "attachments", "thread_ts", "reply_broadcast", "metadata")
            message = {"type": "message", "user": self.BOT_USER_ID, "bot_id": self.BOT_ID,
                       "ts": ts, **{k: args[k] for k in echo if k in args}}
            self._store.post(channel, message)
            return {"channel": channel, "ts": ts, "message": message}
        if method == "conversations.history":
            return self._store.history(args)
        if method == "conversations.replies":
            return self._store.history(args, thread=str(args.get("ts") or ""))
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
            return {"message_ts": self._store.next_ts()}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = args.get("view") if isinstance(args.get("view"), dict) else {}
            view_id = args.get("view_id") or f"V{self._store.next_ts().replace('.', '')}"
            return {"view": {**view, "id": view_id, "hash": f"h{view_id}"}}
        if method == "conversations.open":
            users = args.get("users", "")
            users = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
            dm_id = ("D" + users[0]) if len(users) == 1 else "G" + "".join(users)
            return {"channel": {"id": dm_id}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{self._store.next_ts().replace('.', '')}"
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
