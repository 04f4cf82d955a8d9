"""Queueing, claiming and settling outbox rows. Safe with several instances on one PostgreSQL.

A row's life::

    pending --claim--> sending --Slack said ok-----------------------> sent
                          |------ refused, may work later ------------> pending (due later)
                          |------ 429: not a failed attempt ----------> pending, lane paused
                          |------ can never work ---------------------> dead
                          '------ timeout, reset, 5xx, crash ---------> sending (in doubt)

``sending`` means a send started and nobody knows how it ended: it is in flight under a lease
(``next_attempt_at`` is the lease's end, ``lease_token`` its owner), or in doubt after an
ambiguous failure. A claim of an in-doubt row tells the dispatcher to look in the channel's
history first (``outbox_claim.Claimed.in_doubt``). The lease is short (``outbox_claim.LEASE``)
and renewed while the send runs, so a crashed instance's row is taken over within about half a
minute.

Lanes: every message posted into a conversation belongs to the lane ``chat:<channel>``. A lane
sends in id order, one message at a time (only its oldest open row can be claimed), and waits
until the lane's ``not_before`` (``outbox_lanes``): Slack allows about one message per second
per channel (https://api.slack.com/methods/chat.postMessage#rate_limiting) and a 429 names its
Retry-After. Lane pacing is wall-clock time, like Slack's; ``next_attempt_at`` is the app's
clock (backoff, leases). The two are the same clock in production.

This module queues rows (``enqueue``, ``enqueue_many``, ``enqueue_reply``) and lists the dead
ones; ``outbox_claim`` hands them out, ``outbox_parents`` holds back the rows that wait for
another, ``outbox_settle`` writes how a send ended and ``outbox_lanes`` paces the lanes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from vpabot.storage.models import OutboxMessage, OutboxStatus

# Not Web API methods, but outbox methods the dispatcher knows.
FILE_UPLOAD = "files.upload_v2"  # WebClient.files_upload_v2: upload URL, upload, complete
RESPONSE_URL = "response_url"  # POST to a command's or click's response_url, else a DM
POST = "chat.postMessage"
LANED = frozenset({POST, FILE_UPLOAD, RESPONSE_URL})
OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def lane_for(method: str, payload: dict[str, Any]) -> str | None:
    """``chat:<channel>`` for calls that post into a conversation, else None (no pacing).

    A reply's ``channel`` is the user it falls back to, so it keeps its place among the DMs
    to that user.
    """
    channel = payload.get("channel")
    if method in LANED and isinstance(channel, str) and channel:
        return f"chat:{channel}"
    return None


def enqueue(
    session: Session,
    *,
    method: str,
    payload: dict[str, Any],
    purpose: str,
    now: datetime,
    subject_id: int | None = None,
    updates: OutboxMessage | None = None,
    thread_of: OutboxMessage | None = None,
) -> OutboxMessage:
    """Queue a Slack call in the caller's transaction: it is sent after commit, or never.

    ``method`` is a Web API method (``chat.postMessage``, ``chat.update`` …), ``FILE_UPLOAD``
    or ``RESPONSE_URL`` (use ``enqueue_reply``). ``updates``: a message this outbox sends
    earlier; its channel and ts are filled in when it was sent. ``thread_of``: a
    chat.postMessage this outbox sends earlier into the same channel; this one is posted as a
    reply in its thread (``thread_ts`` filled in at send time, see ``outbox_claim.claim_next``).
    """
    message = OutboxMessage(
        method=method,
        payload=payload,
        purpose=purpose,
        subject_id=subject_id,
        created_at=now,
        next_attempt_at=now,
        lane=lane_for(method, payload),
    )
    if updates is not None:
        message.updates_id = updates.id
    if thread_of is not None:
        message.thread_of_id = thread_of.id
    session.add(message)
    return message


def enqueue_many(session: Session, messages: list[dict[str, Any]], *, now: datetime) -> int:
    """``enqueue`` for many messages at once (a sweep): one INSERT executemany, not one
    statement per message. Each dict has ``method``, ``payload``, ``purpose`` and optionally
    ``subject_id`` and ``thread_of_id`` (see ``enqueue``); returns how many were queued."""
    if messages:
        rows = [
            {"subject_id": None, "thread_of_id": None, **m, "created_at": now, "next_attempt_at": now,
             "status": OutboxStatus.PENDING, "attempts": 0,
             "lane": lane_for(m["method"], m["payload"])}
            for m in messages
        ]
        session.execute(insert(OutboxMessage), rows)
    return len(messages)


def enqueue_reply(
    session: Session,
    *,
    response_url: str | None,
    user_id: str,
    payload: dict[str, Any],
    now: datetime,
    replace_original: bool = False,
    purpose: str = "reply",
    subject_id: int | None = None,
) -> OutboxMessage:
    """Queue an answer to the user who typed a command or clicked a button.

    ``payload`` is a message (``text``, ``blocks``; ``response_type`` if not ephemeral). It is
    POSTed to ``response_url`` with ``replace_original``. Slack accepts a response_url for 30
    minutes (and up to 5 uses: https://api.slack.com/interactivity/handling#message_responses);
    when the row is older than that, or Slack answers 404, ``expired_url`` or ``used_url``,
    the same message goes to ``user_id`` as a DM instead. Without a ``response_url`` (App Home
    clicks) it is a DM right away.

    Delivery is effectively once for the DM (it carries the row id in its metadata and an
    in-doubt DM is looked up in the history before it is sent again). A response_url post can
    carry no metadata and Slack keeps no history of ephemeral messages: after an ambiguous
    failure (timeout, reset, crash mid-send) it is posted again, so the user may rarely see
    the answer twice.
    """
    if not response_url:
        return enqueue(
            session, method=POST, payload={**dm_message(payload), "channel": user_id},
            purpose=purpose, now=now, subject_id=subject_id,
        )
    reply = {
        "response_url": response_url,
        "channel": user_id,  # the fallback DM; also the reply's lane
        "replace_original": replace_original,
        "message": dict(payload),
    }
    return enqueue(session, method=RESPONSE_URL, payload=reply, purpose=purpose, now=now,
                   subject_id=subject_id)


def dm_message(message: dict[str, Any]) -> dict[str, Any]:
    """A response_url message as a chat.postMessage payload (without its channel)."""
    skip = {"response_type", "replace_original", "delete_original", "channel", "response_url"}
    return {key: value for key, value in message.items() if key not in skip}


def dead_messages(session: Session, *, limit: int = 20, offset: int = 0) -> list[OutboxMessage]:
    """Dead rows, newest first, ``limit`` from row ``offset`` (App Home)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.DEAD)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
        .offset(offset or None)
    )
    return list(session.scalars(query))
