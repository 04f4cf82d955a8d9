"""Claiming outbox rows: which row may be sent next, and the lease that makes it one sender's.

A claim sets ``sending``, a fresh ``lease_token`` and a lease of ``LEASE``; ``Claimed`` carries
what the send needs and the token that settles it (``outbox_settle``). See ``storage.outbox``
for a row's life and its lanes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from vpabot.storage.db import session_scope, skip_locked
from vpabot.storage.models import OutboxLane, OutboxMessage, OutboxStatus
from vpabot.storage.outbox import OPEN
from vpabot.storage.outbox_parents import original_sent, thread_parent

LEASE = timedelta(seconds=25)
_CANDIDATES = 20


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
            if row.updates_id is not None and not original_sent(session, row, payload, now):
                continue
            if row.thread_of_id is not None and not thread_parent(session, row, payload, now):
                continue
            in_doubt = row.status == OutboxStatus.SENDING
            row.status, row.lease_token = OutboxStatus.SENDING, uuid.uuid4().hex
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



def claim_due(
    factory: sessionmaker[Session], *, now: datetime, wall: datetime | None = None, limit: int = 20
) -> list[Claimed]:
    """Claim up to ``limit`` rows, one transaction each (see ``claim_next``)."""
    claimed: list[Claimed] = []
    while len(claimed) < limit and (row := claim_next(factory, now=now, wall=wall or now)):
        claimed.append(row)
    return claimed
