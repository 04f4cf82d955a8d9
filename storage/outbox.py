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
history first (``Claimed.in_doubt``). The lease is short (``LEASE``) and renewed while the send
runs, so a crashed instance's row is taken over within about half a minute.

Lanes: every message posted into a conversation belongs to the lane ``chat:<channel>``. A lane
sends in id order, one message at a time (only its oldest open row can be claimed), and waits
until the lane's ``not_before`` (``outbox_lanes``): Slack allows about one message per second
per channel (https://api.slack.com/methods/chat.postMessage#rate_limiting) and a 429 names its
Retry-After. Lane pacing is wall-clock time, like Slack's; ``next_attempt_at`` is the app's
clock (backoff, leases). The two are the same clock in production.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased, sessionmaker

from vpabot.storage.db import session_scope, skip_locked
from vpabot.storage.models import OutboxLane, OutboxMessage

LEASE = timedelta(seconds=25)
WAIT_FOR_ORIGINAL = timedelta(seconds=10)
# Not Web API methods, but outbox methods the dispatcher knows.
FILE_UPLOAD = "files.upload_v2"  # WebClient.files_upload_v2: upload URL, upload, complete
RESPONSE_URL = "response_url"  # POST to a command's or click's response_url, else a DM
POST = "chat.postMessage"
LANED = frozenset({POST, FILE_UPLOAD, RESPONSE_URL})
OPEN = ("pending", "sending")
_CANDIDATES = 20


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
    reply in its thread (``thread_ts`` filled in at send time, see ``claim_next``).
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
             "status": "pending", "attempts": 0, "lane": lane_for(m["method"], m["payload"])}
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


@dataclass(frozen=True)
class Claimed:
    """One claimed row: the send's input and the claim (``id`` + ``token``) that settles it.

    ``attempts`` counts this one. ``in_doubt``: an earlier send of this row may have reached
    Slack. ``first_attempt_at``: wall clock, where a history lookup starts. ``not_before``:
    the lane's pacing (wall clock); a row claimed ahead of it is sent no earlier.
    """

    id: int
    method: str
    payload: dict[str, Any]
    purpose: str
    attempts: int
    token: str
    lane: str | None
    created_at: datetime
    first_attempt_at: datetime
    in_doubt: bool
    not_before: datetime | None = None


def claim_next(
    factory: sessionmaker[Session], *, now: datetime, wall: datetime, ahead: timedelta = timedelta(0)
) -> Claimed | None:
    """Claim the next sendable row, or None: due by ``now``, first open row of its lane, lane
    not paused beyond ``wall + ahead``. Rows whose lane is free right now go first. The claim
    sets ``sending`` and a lease of ``LEASE`` from ``now``.

    ``ahead`` lets a dispatcher claim the next message of a paced lane a moment before the
    lane frees and send it on the dot (``Claimed.not_before``): the claim's round trip to the
    database is then not added to every message's pace.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so instances never claim the same row, and a lane's
    second row is not claimable while its first is open (in flight, in doubt or backing off).
    """
    earlier = aliased(OutboxMessage)
    first_in_lane = ~exists().where(
        earlier.lane == OutboxMessage.lane, earlier.status.in_(OPEN), earlier.id < OutboxMessage.id
    )
    paused = exists().where(OutboxLane.lane == OutboxMessage.lane, OutboxLane.not_before > wall + ahead)
    # Free lanes first, then paused ones by when they free: a dispatcher that claims ahead
    # waits for the earliest slot, not for one that happens to have a lower id.
    pace = (
        select(OutboxLane.not_before)
        .where(OutboxLane.lane == OutboxMessage.lane, OutboxLane.not_before > wall)
        .scalar_subquery()
    )
    with session_scope(factory) as session:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status.in_(OPEN),
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.lane.is_(None), and_(first_in_lane, ~paused)),
            )
            .order_by(pace.asc().nulls_first(), OutboxMessage.id)
            .limit(_CANDIDATES)
        )
        for row in session.scalars(skip_locked(session, query, of=OutboxMessage)):
            payload = dict(row.payload)
            if row.updates_id is not None and not _original_sent(session, row, payload, now):
                continue
            if row.thread_of_id is not None and not _thread_parent(session, row, payload, now):
                continue
            in_doubt = row.status == "sending"
            row.status, row.lease_token = "sending", uuid.uuid4().hex
            row.next_attempt_at = now + LEASE
            row.attempts += 1
            row.first_attempt_at = row.first_attempt_at or wall
            lane = session.get(OutboxLane, row.lane) if row.lane else None
            return Claimed(
                row.id, row.method, payload, row.purpose, row.attempts, row.lease_token,
                row.lane, row.created_at, row.first_attempt_at, in_doubt,
                lane.not_before if lane is not None and lane.not_before > wall else None,
            )
        return None


def _original_sent(session: Session, row: OutboxMessage, payload: dict[str, Any], now: datetime) -> bool:
    """An update is sent once its original is; fills in the original's channel and ts."""
    original = session.get(OutboxMessage, row.updates_id)
    if original is not None and original.status == "cancelled":
        # Cancelled on purpose (an assistant's data was erased): nothing to update.
        row.status, row.last_error = "cancelled", "original message was cancelled"
        return False
    if original is None or original.status == "dead":
        row.status, row.last_error = "dead", "original message was never sent"
        return False
    if original.status != "sent":
        row.next_attempt_at = now + WAIT_FOR_ORIGINAL
        return False
    payload.update(channel=original.slack_channel, ts=original.slack_ts)
    return True


def _thread_parent(session: Session, row: OutboxMessage, payload: dict[str, Any], now: datetime) -> bool:
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
    if parent is not None and parent.status == "sent" and parent.slack_ts and same_channel:
        payload["thread_ts"] = parent.slack_ts
    else:  # nothing to reply to: a broadcast of nothing would be refused, say it top-level
        payload.pop("thread_ts", None)
        payload.pop("reply_broadcast", None)
    return True


def claim_due(
    factory: sessionmaker[Session], *, now: datetime, wall: datetime | None = None, limit: int = 20
) -> list[Claimed]:
    """Claim up to ``limit`` rows, one transaction each (see ``claim_next``)."""
    claimed: list[Claimed] = []
    while len(claimed) < limit and (row := claim_next(factory, now=now, wall=wall or now)):
        claimed.append(row)
    return claimed


def next_free_at(
    factory: sessionmaker[Session], *, now: datetime, wall: datetime, poll: timedelta
) -> datetime | None:
    """When to try claiming again (wall clock), or None when no lane has work ready.

    A lane has work ready when it holds a due row and its first open row is due or in
    flight. The answer is the end of the earliest pause of such a lane, or ``wall + poll``
    when one is not paused: its first row is being claimed or sent by another dispatcher, and
    the lane's next row follows it. (A lone row in flight is no one else's work: if its
    sender died, the end of the lease makes it due.)
    """
    earlier, other = aliased(OutboxMessage), aliased(OutboxMessage)
    ready = (
        select(OutboxMessage.lane)
        .where(
            OutboxMessage.status.in_(OPEN),
            OutboxMessage.lane.is_not(None),
            ~exists().where(earlier.lane == OutboxMessage.lane, earlier.status.in_(OPEN),
                            earlier.id < OutboxMessage.id),
            or_(
                OutboxMessage.next_attempt_at <= now,
                and_(
                    OutboxMessage.lease_token.is_not(None),
                    exists().where(other.lane == OutboxMessage.lane, other.status.in_(OPEN),
                                   other.id > OutboxMessage.id, other.next_attempt_at <= now),
                ),
            ),
        )
        .subquery()
    )
    with session_scope(factory) as session:
        paused = session.scalar(
            select(func.min(OutboxLane.not_before)).where(
                OutboxLane.not_before > wall, OutboxLane.lane.in_(select(ready.c.lane))
            )
        )
        busy = session.scalar(
            select(ready.c.lane)
            .where(~exists().where(OutboxLane.lane == ready.c.lane, OutboxLane.not_before > wall))
            .limit(1)
        )
    if busy is not None:
        return min(paused or wall + poll, wall + poll)
    return paused


def _settle(
    factory: sessionmaker[Session], claimed: Claimed, *, pause_until: datetime | None = None,
    **values: Any,
) -> bool:
    """Write a send's outcome only if the row is still this claim's (its token, ``sending``);
    a dispatcher that overran its lease must not overwrite what another one did since.
    ``pause_until`` moves the lane's ``not_before`` forward in the same transaction."""
    with session_scope(factory) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == claimed.id,
                OutboxMessage.lease_token == claimed.token,
                OutboxMessage.status == "sending",
            )
            .values(**values)
        )
        if not result.rowcount:
            return False
        if pause_until is not None and claimed.lane is not None:
            _pause(session, claimed.lane, pause_until)
        return True


def _pause(session: Session, lane: str, until: datetime) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxLane).values(lane=lane, not_before=until)
    later = func.max if session.get_bind().dialect.name == "sqlite" else func.greatest
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[OutboxLane.lane],
            set_={"not_before": later(OutboxLane.not_before, statement.excluded.not_before)},
        )
    )


def mark_sent(
    factory: sessionmaker[Session], claimed: Claimed, *, now: datetime, channel: str | None,
    ts: str | None, pause_until: datetime | None = None,
) -> bool:
    """Slack has it: ``channel``/``ts`` of the message (None for uploads and response_url
    posts); ``pause_until``: the lane's next free instant (wall clock). False: not our claim."""
    return _settle(
        factory, claimed, pause_until=pause_until, status="sent", sent_at=now, last_error=None,
        slack_channel=channel, slack_ts=ts, lease_token=None,
    )


def mark_retry(
    factory: sessionmaker[Session], claimed: Claimed, *, at: datetime, error: str,
    in_doubt: bool = False,
) -> bool:
    """Due again at ``at``; ``in_doubt``: Slack may have the message (look before resending)."""
    return _settle(
        factory, claimed, next_attempt_at=at, last_error=error, lease_token=None,
        status="sending" if in_doubt else "pending",
    )


def mark_ratelimited(
    factory: sessionmaker[Session], claimed: Claimed, *, now: datetime, wall: datetime,
    retry_after: timedelta, in_doubt: bool = False,
) -> bool:
    """Slack said 429: not a failed attempt. A lane waits ``retry_after`` (wall clock) and keeps
    its order, so its next message is not claimed meanwhile; a row without a lane waits itself."""
    return _settle(
        factory, claimed, pause_until=wall + retry_after,
        next_attempt_at=now if claimed.lane else now + retry_after, last_error="ratelimited",
        attempts=claimed.attempts - 1, lease_token=None,
        status="sending" if in_doubt else "pending",
    )


def mark_dead(factory: sessionmaker[Session], claimed: Claimed, *, error: str) -> bool:
    """Park a row no retry can fix; admins see it on App Home and may send it again."""
    return _settle(factory, claimed, status="dead", last_error=error, lease_token=None)


def renew(factory: sessionmaker[Session], claimed: Claimed, *, until: datetime) -> bool:
    """Extend a running send's lease; False if the claim is no longer this one's."""
    return _settle(factory, claimed, next_attempt_at=until)


def become_dm(factory: sessionmaker[Session], claimed: Claimed, payload: dict[str, Any]) -> Claimed | None:
    """A reply whose response_url is gone becomes a DM, durably, under the same claim: if the
    process dies now, the row is an in-doubt DM and is looked up before it is sent again."""
    if not _settle(factory, claimed, method=POST, payload=payload):
        return None
    return Claimed(
        claimed.id, POST, payload, claimed.purpose, claimed.attempts, claimed.token,
        claimed.lane, claimed.created_at, claimed.first_attempt_at, in_doubt=False,
    )


def dead_messages(session: Session, *, limit: int = 20, offset: int = 0) -> list[OutboxMessage]:
    """Dead rows, newest first, ``limit`` from row ``offset`` (App Home)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "dead")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
        .offset(offset or None)
    )
    return list(session.scalars(query))
