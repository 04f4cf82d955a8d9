"""Outbox rows that wait for another row: an update (``chat.update``) for its original, a
threaded follow-up for its parent. ``claim_next`` asks these before it hands such a row out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from vpabot.storage.models import OutboxMessage, OutboxStatus
from vpabot.storage.outbox import OPEN

WAIT_FOR_ORIGINAL = timedelta(seconds=10)


def original_sent(session: Session, row: OutboxMessage, payload: dict[str, Any], now: datetime) -> bool:
    """An update is sent once its original is; fills in the original's channel and ts."""
    original = session.get(OutboxMessage, row.updates_id)
    if original is not None and original.status == OutboxStatus.CANCELLED:
        # Cancelled on purpose (an assistant's data was erased): nothing to update.
        row.status, row.last_error = OutboxStatus.CANCELLED, "original message was cancelled"
        return False
    if original is None or original.status == OutboxStatus.DEAD:
        row.status, row.last_error = OutboxStatus.DEAD, "original message was never sent"
        return False
    if original.status != OutboxStatus.SENT:
        row.next_attempt_at = now + WAIT_FOR_ORIGINAL
        return False
    payload.update(channel=original.slack_channel, ts=original.slack_ts)
    return True


def thread_parent(session: Session, row: OutboxMessage, payload: dict[str, Any], now: datetime) -> bool:
    """A threaded follow-up goes out once its parent's fate is known: in the parent's thread
    when it was sent to the same channel, else (parent dead, cancelled, never sent, or the
    channel setting changed since) as a message of its own. False: wait for the parent.

    Parent and follow-up usually share a lane, which already sends the parent first; the wait
    covers the rest (a parent in another lane that is still on its way).
    """
    parent = session.get(OutboxMessage, row.thread_of_id)
    if parent is not None and parent.status in OPEN:
        row.next_attempt_at = now + WAIT_FOR_ORIGINAL
        return False
    same_channel = parent is not None and parent.payload.get("channel") == payload.get("channel")
    if (parent is not None and parent.status == OutboxStatus.SENT and parent.slack_ts
            and same_channel):
        payload["thread_ts"] = parent.slack_ts
    else:  # nothing to reply to: a broadcast of nothing would be refused, say it top-level
        payload.pop("thread_ts", None)
        payload.pop("reply_broadcast", None)
    return True
