"""Claiming and settling outbox rows. Safe with several instances on one PostgreSQL.

A claim is a lease: it pushes ``next_attempt_at`` past the send's time budget, so a row is
sent by one dispatcher at a time, and a dispatcher that dies mid-send only delays it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from vpabot.storage.db import session_scope, skip_locked
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
        query = skip_locked(session, query)
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


def _settle(factory: sessionmaker[Session], claimed: Claimed, **values: Any) -> bool:
    """Write a send's outcome only if the row is still this dispatcher's claim.

    A dispatcher that overran its lease must not overwrite what another one did since.
    """
    with session_scope(factory) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == claimed.id,
                OutboxMessage.attempts == claimed.attempts,
                OutboxMessage.status == "pending",
            )
            .values(**values)
        )
        return bool(result.rowcount)


def mark_sent(
    factory: sessionmaker[Session], claimed: Claimed, *, now: datetime, channel: str | None, ts: str | None
) -> bool:
    return _settle(
        factory, claimed, status="sent", sent_at=now, last_error=None, slack_channel=channel, slack_ts=ts
    )


def mark_retry(factory: sessionmaker[Session], claimed: Claimed, *, at: datetime, error: str) -> bool:
    return _settle(factory, claimed, next_attempt_at=at, last_error=error)


def mark_dead(factory: sessionmaker[Session], claimed: Claimed, *, error: str) -> bool:
    return _settle(factory, claimed, status="dead", last_error=error)


def dead_messages(session: Session, *, limit: int = 20) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "dead")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
