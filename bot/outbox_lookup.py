"""Did Slack get it after all? Find an outbox message in its channel's history by metadata.

Every chat.postMessage the outbox sends carries ``metadata`` = ``{"event_type":
"vpabot_outbox", "event_payload": {"outbox_id": N}}`` (https://api.slack.com/metadata/using).
After an ambiguous failure (timeout, reset, 5xx, a crash mid-send) the dispatcher reads the
conversation's history since the row's first attempt (``conversations.history`` with
``include_all_metadata``; needs ``channels:history``, ``groups:history``, ``im:history``) and
settles the row with the ts it finds instead of posting a second copy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

EVENT_TYPE = "vpabot_outbox"
# Slack's ts comes from Slack's clock, the first attempt from ours: look a little earlier.
CLOCK_SKEW = timedelta(minutes=1)
PAGE_SIZE = 200
MAX_PAGES = 5  # the window is minutes long; 1,000 messages is far more than it can hold


def metadata(outbox_id: int) -> dict[str, Any]:
    """The ``metadata`` argument of chat.postMessage that names the outbox row."""
    return {"event_type": EVENT_TYPE, "event_payload": {"outbox_id": outbox_id}}


def conversation_id(client: WebClient, channel: str) -> str:
    """A channel id as conversations.history wants it: a user id (a DM) becomes the DM's id.

    conversations.open is idempotent and needs ``im:write``, which the bot has for its DMs.
    """
    if channel[:1] in ("U", "W"):
        return client.conversations_open(users=channel)["channel"]["id"]
    return channel


def find_posted(
    client: WebClient, *, channel: str, outbox_id: int, since: datetime, thread_ts: str | None = None
) -> tuple[str, str] | None:
    """``(conversation id, ts)`` of the message carrying ``outbox_id``, posted since ``since``
    (minus ``CLOCK_SKEW``), or None. Raises ``SlackApiError`` / network errors like any call.

    A reply in a thread (``thread_ts``) is not in the channel's history unless it was
    broadcast, so it is looked for among the thread's replies (``conversations.replies``).
    """
    conversation = conversation_id(client, channel)
    oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        if thread_ts:
            page = client.conversations_replies(
                channel=conversation, ts=thread_ts, oldest=oldest, include_all_metadata=True,
                limit=PAGE_SIZE, cursor=cursor,
            )
        else:
            page = client.conversations_history(
                channel=conversation, oldest=oldest, include_all_metadata=True, limit=PAGE_SIZE,
                cursor=cursor,
            )
        for message in page.get("messages") or []:
            if carries(message, outbox_id):
                return conversation, message["ts"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not (page.get("has_more") and cursor):
            return None
    return None


def carries(message: dict[str, Any], outbox_id: int) -> bool:
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    return meta.get("event_type") == EVENT_TYPE and payload.get("outbox_id") == outbox_id
