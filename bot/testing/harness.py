"""The bot over real HTTP, driven like Slack drives it: signed requests in, fake Web API out.

Used by the end-to-end tests and by ``vpabot demo``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from vpabot.bot.mrkdwn import escape
from vpabot.bot.config import Settings
from vpabot.bot.runtime import Runtime
from vpabot.bot.server import make_wsgi_app
from vpabot.policy.clock import Clock
from vpabot.bot.testing.fake_slack import Call, FakeSlack

SIGNING_SECRET = "demo-signing-secret"
BOT_TOKEN = "xoxb-demo"
ADMIN = "UADMIN1"
ADMIN_2 = "UADMIN2"
MANAGER = "UMANAGER1"
OUTSIDER = "UOUTSIDER"
TEAM_CHANNEL = "CTEAM"
FAKE_PACE = timedelta(milliseconds=10)
# Production renders a user's Home at most every 2 s; the fake's Homes may come faster, so a
# test that waits for the Home after each of several writes does not wait 2 s of real time
# for each (a test of the coalescing itself passes ``home_interval``).
FAKE_HOME_INTERVAL = 0.2


def demo_settings(database_url: str, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        admin_ids=frozenset({ADMIN, ADMIN_2}),
        manager_ids=frozenset({MANAGER}),
        team_channel=TEAM_CHANNEL,
        api_url=api_url,
        database_url=database_url,
        run_scheduler=False,
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class HttpResult:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackDriver:
    """Plays Slack: builds payloads, signs them like Slack, posts them to the app."""

    def __init__(self, app_url: str, fake: FakeSlack, signing_secret: str = SIGNING_SECRET) -> None:
        self.app_url = app_url
        self.fake = fake
        self.verifier = SignatureVerifier(signing_secret)
        self._ids = itertools.count(1)

    # -- transport ---------------------------------------------------------------------------
    def post(
        self,
        body: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        """POST ``body`` to /slack/events, signed; ``headers`` add to Slack's (e.g. a retry's
        ``X-Slack-Retry-Num``)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            self.app_url + "/slack/events",
            data=body.encode(),
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sig,
                **(headers or {}),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return HttpResult(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return HttpResult(error.code, error.read().decode())

    def next_key(self) -> str:
        return f"r{next(self._ids)}"

    # -- what users do ------------------------------------------------------------------------
    def command_body(self, text: str, *, user: str, key: str) -> str:
        return urlencode(
            {
                "token": "legacy",
                "team_id": "T1",
                "channel_id": "CADMINS",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/vpa",
                "text": escape(text),  # as Slack sends it: &, < and > escaped
                "response_url": self.fake.response_url(key),
                "trigger_id": f"trigger-{key}",
            }
        )

    def command(self, text: str, *, user: str = ADMIN) -> tuple[HttpResult, str]:
        """Type ``/vpa <text>``; returns the ack and the key of its response_url."""
        key = self.next_key()
        return self.post(self.command_body(text, user=user, key=key)), key

    def interaction(self, payload: dict[str, Any]) -> HttpResult:
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def submit_view(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        *,
        user: str = ADMIN,
        metadata: str = "",
        view_id: str | None = None,
        view_hash: str | None = None,
    ) -> HttpResult:
        """Submit a form. Each call is a new form (its own view id and hash) unless given:
        the same id and hash again is how a retried delivery of one submission looks."""
        state = {block: {"value": element} for block, element in values.items()}
        key = self.next_key()
        return self.interaction(
            {
                "type": "view_submission",
                "team": {"id": "T1"},
                "user": {"id": user},
                "trigger_id": f"trigger-{key}",
                "view": {
                    "id": view_id or f"V{key}",
                    "hash": view_hash or f"h{key}",
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": metadata,
                    "state": {"values": state},
                },
            }
        )

    def click(self, action_id: str, value: str, *, user: str = ADMIN, key: str | None = None) -> tuple[HttpResult, str]:
        key = key or self.next_key()
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": user},
            "trigger_id": f"trigger-{key}",
            "response_url": self.fake.response_url(key),
            "container": {"type": "message", "message_ts": "1.1", "channel_id": "D1"},
            "channel": {"id": "D1"},
            "message": {"ts": "1.1", "text": ""},
            "actions": [
                {"action_id": action_id, "block_id": "b", "value": value, "type": "button", "action_ts": f"{time.time():.6f}"}
            ],
        }
        return self.interaction(payload), key

    def home_click(self, action_id: str, value: str, *, user: str = ADMIN) -> HttpResult:
        """A button on the user's App Home: Slack sends no response_url from there."""
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": user},
            "trigger_id": f"trigger-{self.next_key()}",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home", "callback_id": "", "private_metadata": ""},
            "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
        }
        return self.interaction(payload)

    def shortcut(self, callback_id: str, *, user: str = ADMIN) -> tuple[HttpResult, str]:
        """The global shortcut ``callback_id`` from Slack's shortcut menu (no response_url)."""
        key = self.next_key()
        payload = {"type": "shortcut", "team": {"id": "T1"}, "user": {"id": user},
                   "callback_id": callback_id, "trigger_id": f"trigger-{key}", "action_ts": f"{time.time():.6f}"}
        return self.interaction(payload), key

    def message_shortcut(
        self, callback_id: str, text: str, *, channel: str = "CKUNDE", channel_name: str = "kunde-mueller",
        user: str = ADMIN,
    ) -> tuple[HttpResult, str]:
        """A message shortcut used on a message with ``text`` in ``channel``."""
        key = self.next_key()
        payload = {
            "type": "message_action", "team": {"id": "T1"}, "user": {"id": user},
            "callback_id": callback_id, "trigger_id": f"trigger-{key}", "action_ts": f"{time.time():.6f}",
            "response_url": self.fake.response_url(key),
            "channel": {"id": channel, "name": channel_name},
            "message": {"type": "message", "user": "UCLIENT", "ts": "1700000000.000100", "text": escape(text)},  # as Slack sends it
        }
        return self.interaction(payload), key

    def event(self, event: dict[str, Any], *, event_id: str | None = None) -> HttpResult:
        """An Events API callback (JSON), signed like Slack signs it; a repeated ``event_id``
        is a retried delivery."""
        now = int(time.time())
        envelope = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": {"event_ts": f"{now}.000100", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{self.next_key()}",
            "event_time": now,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
        return self.post(json.dumps(envelope), content_type="application/json")

    def open_home(self, user: str) -> HttpResult:
        return self.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})

    def options(self, action_id: str, value: str, *, user: str = ADMIN) -> HttpResult:
        payload = {
            "type": "block_suggestion",
            "team": {"id": "T1"},
            "user": {"id": user},
            "action_id": action_id,
            "block_id": "assistant",
            "value": value,
            "view": {"id": "V1", "callback_id": "violation_modal"},
        }
        return self.interaction(payload)

    # -- what users see -----------------------------------------------------------------------
    def reply(self, key: str, *, timeout: float = 10.0) -> Call:
        """The (first) answer sent to the response_url with this key."""
        calls = self.fake.wait_for(
            "response_url", timeout=timeout, predicate=lambda c: c.args.get("_key") == key
        )
        return calls[0]


class BotUnderTest:
    """FakeSlack + Runtime + waitress on an ephemeral port, in this process."""

    def __init__(
        self,
        database_url: str,
        *,
        clock: Clock | None = None,
        outbox_pace: timedelta = FAKE_PACE,
        home_interval: float = FAKE_HOME_INTERVAL,
        role: str = "all",
        **settings: Any,
    ) -> None:
        """``outbox_pace``: the outbox's pause between two messages to one channel. The fake
        has no rate limit unless a test sets one, so the e2e tests and the demo need not wait
        Slack's second; pass ``vpabot.bot.outbox.PER_CHANNEL`` to play it for real.
        ``home_interval``: seconds between two Home renders for one user (production: 2).
        ``role``: the Runtime's (``web`` answers Slack and needs a ``worker`` Runtime beside it)."""
        self.fake = FakeSlack(token=BOT_TOKEN).start()
        self.settings = demo_settings(database_url, self.fake.base_url, **settings)
        self.runtime = Runtime(self.settings, clock=clock, role=role)
        self.runtime.dispatcher.per_channel = outbox_pace
        self.runtime.runner.home.min_interval = home_interval
        from waitress import create_server

        self.server = create_server(make_wsgi_app(self.runtime), host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True, name="waitress")
        self._thread.start()
        self.slack = SlackDriver(self.url, self.fake)

    def dispatch_outbox(self) -> int:
        return self.runtime.dispatcher.dispatch_due()

    def close(self) -> None:
        # Close every socket from inside waitress's own loop thread: closing them from here
        # races with its select() and ends in "Bad file descriptor".
        server = self.server

        def close_all() -> None:
            for channel in list(server._map.values()):
                if channel is not server.trigger:
                    channel.close()
            server.close()

        try:
            server.trigger.pull_trigger(close_all)
        except OSError:  # the loop is gone already; close what is left from here
            server.close()
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        self.runtime.stop()
        self.fake.stop()

    def __enter__(self) -> BotUnderTest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
