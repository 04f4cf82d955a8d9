"""Requests as Slack signs and sends them, for both benchmarks: slash commands, clicks, form
submissions, option searches and events, each a ``Req`` (body, content type, headers, and
the key naming its response_url on the fake Slack).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

SECRET = "bench-signing-secret"
ADMIN, ADMIN_2, MANAGER, OUTSIDER = "UADMIN1", "UADMIN2", "UMANAGER1", "UOUTSIDER"


def sign(body: bytes, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_ids = itertools.count(1)


def uid(prefix: str = "k") -> str:
    return f"{prefix}{os.getpid()}x{next(_ids)}"


@dataclass
class Req:
    """One request as Slack would send it; ``key`` names its response_url; ``expect``, where
    set, is text the answer through that response_url must contain (a read's reply)."""

    body: bytes
    content_type: str = FORM
    headers: dict[str, str] = field(default_factory=dict)
    key: str = ""
    expect: str = ""


def command(text: str, fake_url: str, *, user: str = ADMIN, key: str | None = None) -> Req:
    key = key or uid("c")
    body = urlencode({
        "token": "legacy", "team_id": "T1", "channel_id": "CADMINS", "user_id": user,
        "user_name": user.lower(), "command": "/vpa", "text": text,
        "response_url": f"{fake_url}/response/{key}", "trigger_id": f"trigger-{key}",
    })
    return Req(body.encode(), FORM, key=key)


def interaction(payload: dict[str, Any], key: str = "") -> Req:
    return Req(urlencode({"payload": json.dumps(payload)}).encode(), FORM, key=key)


def click(action_id: str, value: str, fake_url: str, *, user: str = ADMIN,
          key: str | None = None, action_ts: str | None = None) -> Req:
    key = key or uid("b")
    return interaction({
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": user},
        "api_app_id": "A1", "trigger_id": f"trigger-{key}",
        "response_url": f"{fake_url}/response/{key}",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "D1"},
        "channel": {"id": "D1"}, "message": {"ts": "1.1", "text": ""},
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                     "action_ts": action_ts or f"{time.time():.6f}"}],
    }, key)


def violation_view(handle: str, note: str, *, user: str = ADMIN, view_id: str | None = None,
                   view_hash: str | None = None) -> Req:
    view_id = view_id or uid("V")

    def select(value: str) -> dict[str, Any]:
        return {"type": "static_select", "selected_option": {"value": value}}

    state = {
        "assistant": {"value": {"type": "external_select", "selected_option": {"value": handle}}},
        "source": {"value": select("deadline")},
        "tag": {"value": select("deadline")},
        "note": {"value": {"type": "plain_text_input", "value": note}},
    }
    return interaction({
        "type": "view_submission", "team": {"id": "T1"}, "user": {"id": user},
        "api_app_id": "A1", "trigger_id": f"trigger-{view_id}",
        "view": {"id": view_id, "hash": view_hash or f"h{view_id}", "type": "modal",
                 "callback_id": "violation_modal", "private_metadata": "",
                 "state": {"values": state}},
    })


def options(value: str, *, user: str = ADMIN) -> Req:
    return interaction({
        "type": "block_suggestion", "team": {"id": "T1"}, "user": {"id": user},
        "api_app_id": "A1", "action_id": "assistant_select", "block_id": "assistant",
        "value": value, "view": {"id": "V1", "callback_id": "violation_modal"},
    })


def event(ev: dict[str, Any], *, event_id: str | None = None) -> Req:
    now = int(time.time())
    envelope = {
        "token": "legacy", "team_id": "T1", "api_app_id": "A1",
        "event": {"event_ts": f"{now}.000100", **ev}, "type": "event_callback",
        "event_id": event_id or uid("Ev"), "event_time": now,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }
    return Req(json.dumps(envelope).encode(), JSON)


def home_opened(user: str = ADMIN, *, event_id: str | None = None) -> Req:
    return event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"},
                 event_id=event_id)
