"""The durable inbox: acknowledged Slack requests, claimed by workers like the outbox.

``accept`` runs before the ack (one short INSERT); ``claim`` hands queued rows to a worker
with a lease, so a row is worked on by one worker at a time and a worker that died only
delays it; ``finish`` stores the reply in the caller's transaction (the one that did the
work), so work and reply commit together and a restart never does the work twice.
Safe with several instances on one PostgreSQL (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vpabot.storage.db import LockTimeout, session_scope, skip_locked
from vpabot.storage.inbox_acks import ACK_LOCK_WAIT, spool_of, write_ack
from vpabot.storage.models import InboundRequest, InboxState
from vpabot.storage.spool import moved_through, take_in

log = logging.getLogger(__name__)

# A worker renews nothing: commands finish in well under this. A crashed worker's row is
# taken over once its lease ran out.
LEASE = timedelta(seconds=30)
# Slack retries a delivery within minutes; keeping the key a day also catches late replays.
KEEP = timedelta(days=1)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    command: dict[str, Any]
    origin: dict[str, Any]
    state: InboxState  # RUNNING: do the work; REPLYING: the work is done, send the stored reply
    reply: dict[str, Any] | None
    attempts: int


def accept(
    factory: sessionmaker[Session],
    *,
    dedup_key: str,
    kind: str,
    command: dict[str, Any],
    origin: dict[str, Any],
    now: datetime,
) -> int | None:
    """Store one acknowledged request; ``None`` if ``dedup_key`` was seen already (a retry).

    Committed when this returns: the ack that follows promises the work.
    """
    values = dict(dedup_key=dedup_key[:200], kind=kind, command=command, origin=origin,
                  received_at=now, expires_at=now + KEEP)
    engine = factory.kw.get("bind")
    if isinstance(engine, Engine):
        return write_ack(engine, values)
    try:  # bound to something else (a test's connection)
        with session_scope(factory) as session:
            row = InboundRequest(**values)
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def _claimable(now: datetime) -> Any:
    return or_(
        InboundRequest.state == InboxState.QUEUED,
        InboundRequest.state.in_((InboxState.RUNNING, InboxState.REPLYING))
        & (InboundRequest.lease_until < now),
    )


def has_work(session: Session, *, now: datetime) -> bool:
    """Whether ``claim`` would find a row: reads on the spool's pending index and the inbox's
    (state, lease) index, no lock."""
    spool = spool_of(session.get_bind())
    if spool is not None:
        after = moved_through(session, spool)
        try:
            if spool.pending(after=after, limit=1):
                return True
        except DBAPIError as error:  # the spool unreadable: the inbox's own rows still run
            log.warning("the inbox spool cannot be read: %s", error)
    return session.scalar(select(InboundRequest.id).where(_claimable(now)).limit(1)) is not None


@dataclass(frozen=True)
class Request:
    """One request for ``accept_many``: its dedup key, command type name and payloads."""

    dedup_key: str
    kind: str
    command: dict[str, Any]
    origin: dict[str, Any]


def accept_many(factory: sessionmaker[Session], requests: list[Request], *, now: datetime) -> None:
    """Store several requests in one transaction (work nobody waits on: e.g. Homes opened)."""
    with session_scope(factory) as session:
        session.add_all(
            InboundRequest(
                dedup_key=r.dedup_key[:200], kind=r.kind, command=r.command, origin=r.origin,
                state=InboxState.QUEUED, received_at=now, expires_at=now + KEEP,
            )
            for r in requests
        )


def claim(
    factory: sessionmaker[Session], *, now: datetime, limit: int = 1, ids: list[int] | None = None
) -> list[Claimed]:
    """Take up to ``limit`` rows to work on: queued ones, and ones whose worker vanished.

    First, on a SQLite file, copies the rows acks wrote to its spool into the inbox, in the
    claim's transaction (``spool.take_in``)."""
    spool = spool_of(factory.kw.get("bind"))
    taken = 0
    with session_scope(factory) as session:
        if spool is not None:
            taken = take_in(session, spool)
        query = (
            select(InboundRequest)
            .where(_claimable(now))
            .order_by(InboundRequest.id)
            .limit(limit)
        )
        if ids is not None:
            query = query.where(InboundRequest.id.in_(ids))
        claimed = []
        for row in session.scalars(skip_locked(session, query)):
            if row.attempts >= MAX_ATTEMPTS:
                row.state, row.last_error = InboxState.DONE, row.last_error or "gave up"
                continue
            row.attempts += 1
            row.lease_until = now + LEASE
            if row.state == InboxState.QUEUED:
                row.state = InboxState.RUNNING
            claimed.append(
                Claimed(row.id, row.kind, row.command, row.origin, row.state, row.reply, row.attempts)
            )
    if spool is not None and taken:
        spool.taken(taken)
    return claimed


def move_spooled(factory: sessionmaker[Session]) -> int:
    """Copy every row the spool holds above its mark into the inbox, as ``claim`` does but
    without claiming; returns how many. For tests that read the inbox table."""
    spool = spool_of(factory.kw.get("bind"))
    moved = 0
    while spool is not None:
        with session_scope(factory) as session:
            taken = take_in(session, spool)
        if not taken:
            break
        spool.taken(taken)
        moved += taken
    return moved


class Superseded(Exception):
    """Another worker took the row over (this one overran its lease): roll the work back."""


def finish(session: Session, claimed: Claimed, *, reply: dict[str, Any] | None) -> None:
    """In the work's own transaction: the work is done, ``reply`` is what to tell the user.

    Only the current claim may finish: if this worker overran its lease and another one
    claimed the row since (``attempts`` moved on), ``Superseded`` is raised so the caller's
    transaction, and with it this copy of the work, is rolled back. On PostgreSQL the UPDATE
    waits for the other worker's transaction, on SQLite the write lock orders them: one wins.
    """
    result = session.execute(
        update(InboundRequest)
        .where(InboundRequest.id == claimed.id, InboundRequest.attempts == claimed.attempts)
        .values(state=InboxState.REPLYING if reply else InboxState.DONE, reply=reply)
    )
    if not result.rowcount:
        raise Superseded(claimed.id)


def mark_done(factory: sessionmaker[Session], request_id: int, *, error: str | None = None) -> None:
    """The reply went out (or could not, for good): the row only guards against retries now."""
    with session_scope(factory) as session:
        session.execute(
            update(InboundRequest)
            .where(InboundRequest.id == request_id)
            .values(state=InboxState.DONE, reply=None, last_error=error)
        )


def spooled(session: Session) -> int:
    """How many acknowledged requests the spool holds that no worker took into the inbox yet
    (0 without a spool)."""
    spool = spool_of(session.get_bind())
    return spool.count_pending(after=moved_through(session, spool)) if spool is not None else 0


def backlog(session: Session) -> int:
    """How many acknowledged requests wait for a worker (all instances; spool included)."""
    return spooled(session) + (session.scalar(
        select(func.count())
        .select_from(InboundRequest)
        .where(InboundRequest.state == InboxState.QUEUED)
    ) or 0)


def purge(factory: sessionmaker[Session], *, now: datetime) -> int:
    """Forget finished requests whose retry window is over, in the inbox and the spool;
    returns how many requests (each counted once, from the inbox)."""
    spool = spool_of(factory.kw.get("bind"))
    if spool is not None:
        try:  # not inside the database's write transaction: nothing waits for the spool's lock
            spool.purge(through=spool.mark(), now=now, wait=ACK_LOCK_WAIT)
        except LockTimeout:
            log.info("inbox spool busy; its purge waits for the next round")
    with session_scope(factory) as session:
        result = session.execute(
            delete(InboundRequest).where(
                InboundRequest.state == InboxState.DONE, InboundRequest.expires_at < now
            )
        )
        return result.rowcount or 0


def oldest_queued_seconds(session: Session, *, now: datetime) -> float:
    """How long (seconds) the oldest request still waiting for a worker has waited; 0.0 if none."""
    spool = spool_of(session.get_bind())
    spooled = spool.oldest_pending(after=moved_through(session, spool)) if spool is not None else None
    oldest = session.scalar(
        select(func.min(InboundRequest.received_at))
        .where(InboundRequest.state == InboxState.QUEUED)
    )
    if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() bypasses the column type
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=timezone.utc)
    times = [t for t in (spooled, oldest) if t is not None]
    return max((now - min(times)).total_seconds(), 0.0) if times else 0.0
