"""Claiming and settling outbox rows. Safe with several instances on one PostgreSQL.

A claim is a lease: it pushes ``next_attempt_at`` past the send's time budget, so a row is
sent by one dispatcher at a time, and a dispatcher that dies mid-send only delays it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vpabot.storage.db import session_scope
from vpabot.storage.models import OutboxMessage

LEASE = timedelta(minutes=2)
WAIT_FOR_ORIGINAL = timedelta(seconds=10)


@dataclass(frozen=True)
class Claimed:
    id: int
    method: str
    payload: dict[str, Any]
    purpose: str
    attempts: int


def claim_due(factory: sessionmaker[Session], *, now: datetime, limit: int = 20) -> list[Claimed]:
    with session_scope(factory) as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if session.bind is not None and session.bind.dialect.name != "sqlite":
            query = query.with_for_update(skip_locked=True)
        claimed: list[Claimed] = []
        for row in session.scalars(query):
            payload = dict(row.payload)
            if row.updates_id is not None:
                original = session.get(OutboxMessage, row.updates_id)
                if original is not None and original.status == "cancelled":
                    # Cancelled on purpose (an assistant's data was erased): nothing to update.
                    row.status, row.last_error = "cancelled", "original message was cancelled"
                    continue
                if original is None or original.status == "dead":
                    row.status, row.last_error = "dead", "original message was never sent"
                    continue
                if original.status != "sent":
                    row.next_attempt_at = now + WAIT_FOR_ORIGINAL
                    continue
                payload.update(channel=original.slack_channel, ts=original.slack_ts)
            row.next_attempt_at = now + LEASE
            row.attempts += 1
            claimed.append(Claimed(row.id, row.method, payload, row.purpose, row.attempts))
        return claimed


def mark_sent(
    factory: sessionmaker[Session], message_id: int, *, now: datetime, channel: str | None, ts: str | None
) -> None:
    with session_scope(factory) as session:
        row = session.get_one(OutboxMessage, message_id)
        row.status, row.sent_at, row.last_error = "sent", now, None
        row.slack_channel, row.slack_ts = channel, ts


def mark_retry(factory: sessionmaker[Session], message_id: int, *, at: datetime, error: str) -> None:
    with session_scope(factory) as session:
        row = session.get_one(OutboxMessage, message_id)
        row.next_attempt_at, row.last_error = at, error


def mark_dead(factory: sessionmaker[Session], message_id: int, *, error: str) -> None:
    with session_scope(factory) as session:
        row = session.get_one(OutboxMessage, message_id)
        row.status, row.last_error = "dead", error


def dead_messages(session: Session, *, limit: int = 20) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "dead")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
