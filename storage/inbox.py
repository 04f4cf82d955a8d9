"""The durable inbox: acknowledged Slack requests, claimed by workers like the outbox.

``accept`` runs before the ack (one short INSERT); ``claim`` hands queued rows to a worker
with a lease, so a row is worked on by one worker at a time and a worker that died only
delays it; ``finish`` stores the reply in the caller's transaction (the one that did the
work), so work and reply commit together and a restart never does the work twice.
Safe with several instances on one PostgreSQL (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, delete, event, func, or_, select, update
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from vpabot.storage.db import (
    LOCK_WAIT,
    LockTimeout,
    ack_engine,
    as_lock_timeout,
    checkpoints_elsewhere,
    session_scope,
    skip_locked,
)
from vpabot.storage.group_commit import Failed, GroupCommit
from vpabot.storage.models import InboundRequest, InboxState

log = logging.getLogger(__name__)
from vpabot.storage.spool import Spool, moved_through, spool_path, take_in

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
        return _accept_in_group(engine, values)
    try:  # bound to something else (a test's connection)
        with session_scope(factory) as session:
            row = InboundRequest(**values)
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def _accept_in_group(engine: Engine, values: dict[str, Any]) -> int | None:
    """The row committed in the engine's next group commit (``group_commit.py``): alone, a
    transaction of its own; under load, one transaction with the rows of the acks waiting
    alongside. ``None`` if its ``dedup_key`` is stored already. A SQLite file's acks commit
    to its spool (``spool.py``), from which ``claim`` copies them into the inbox.

    Raises ``LockTimeout`` (nothing written) when the row could not be written within
    ``ACK_LOCK_WAIT`` seconds of waiting for its batch or for the database's lock, so the ack
    can say "busy" while Slack still listens (3 s); at once while the lock was found held
    and one batch is trying again."""
    acks = _acks_of(engine)
    if acks.spool is not None:
        acks.spool.refresh(wait=ACK_LOCK_WAIT)
    if acks.locked and acks.group.leading:
        # The last batch found the lock held and another is trying right now: answer at
        # once instead of holding one of the server's few threads for a second each; with
        # more clients than threads, queued requests would otherwise wait past Slack's 3 s.
        raise LockTimeout("the database was locked a moment ago and still is being tried")
    try:
        row = acks.group.submit(values, timeout=ACK_LOCK_WAIT)
    except TimeoutError as error:
        acks.locked = True
        raise LockTimeout("no batch took this row in time") from error
    except Exception as error:
        timeout = as_lock_timeout(error)
        if timeout is None:
            raise
        acks.locked = True
        raise timeout from error
    acks.locked = False
    return row


# An ack waits at most this long for a batch to take its row, and its batch at most this
# long for the lock (PostgreSQL: 1.5 times this for the statement): together under 3 s.
ACK_LOCK_WAIT = 1.0


class _Acks:
    """One engine's group commit of ack rows and what it writes to: PostgreSQL through
    ``ack_engine``, a SQLite file into its spool, in-memory SQLite into the inbox.

    Holds the engine weakly: kept in a WeakKeyDictionary under it, a strong reference here
    would keep every engine (and its open connections) alive for good."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self.locked = False  # the last batch gave up on a lock: until one commits, one tries
        self._own = ack_engine(engine, lock_wait=ACK_LOCK_WAIT) if engine.dialect.name == "postgresql" else None
        path = spool_path(engine)
        self.spool = Spool(path, engine) if path is not None else None
        own = self._own or self.spool
        if own is not None:
            event.listen(engine, "engine_disposed", lambda _conn: own.dispose())
            weakref.finalize(engine, own.dispose)
        self.group: GroupCommit[dict[str, Any], int | None] = GroupCommit(self._write)

    def _write(self, take: Callable[[], list[dict[str, Any]]]) -> list[int | None | Failed]:
        if self.spool is not None:
            return _insert_batch(self.spool.engine, self.spool.insert, take)
        engine = self._own or self._engine()
        if engine is None:
            raise RuntimeError("engine gone")
        return _insert_batch(engine, _INSERTS[engine.dialect.name], take)


_acks: weakref.WeakKeyDictionary[Engine, _Acks] = weakref.WeakKeyDictionary()
_acks_lock = threading.Lock()


def _acks_of(engine: Engine) -> _Acks:
    # Read sessions are bound to an OptionEngine over the same pool: one _Acks (and one
    # spool) per database, not one per set of options (a second spool opened lazily in
    # the backlog count held every ack behind this lock).
    engine = getattr(engine, "_proxied", engine)
    acks = _acks.get(engine)
    if acks is None:
        with _acks_lock:
            acks = _acks.get(engine)
            if acks is None:
                acks = _acks[engine] = _Acks(engine)
    return acks


def _spool_of(bind: Any) -> Spool | None:
    """The spool of the engine a session or factory is bound to (``None``: no spool),
    checked to be the file on disk (``Spool.refresh``; call outside a transaction)."""
    spool = _acks_of(bind).spool if isinstance(bind, Engine) else None
    if spool is not None:
        spool.refresh(wait=ACK_LOCK_WAIT)
    return spool


def open_spool(factory: sessionmaker[Session]) -> None:
    """Open (create) the database's spool file now, at start, not in the first ack."""
    _spool_of(factory.kw.get("bind"))


# Built once per dialect: a Core INSERT on the table, its values passed as parameters, that
# skips a row whose dedup_key is stored already and returns (id, dedup_key) of those it
# stored. Neither an ORM Session (identity map, flush, unit of work) nor a statement built
# per call is needed for rows nobody reads here, and each cost an ack more CPU than the
# INSERT itself. Several rows go as one multi-row INSERT (SQLAlchemy's "insertmanyvalues").
_TABLE = InboundRequest.__table__
_INSERTS = {
    name: module.insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id, _TABLE.c.dedup_key)
    for name, module in (("sqlite", sqlite_dialect), ("postgresql", postgresql_dialect))
}


def _insert_batch(
    engine: Engine, statement: Any, take: Callable[[], list[dict[str, Any]]]
) -> list[int | None | Failed]:
    """Insert the rows ``take()`` returns in one transaction, committed when this returns;
    per row its id, or ``None`` where its dedup_key was stored already (or came earlier).

    PostgreSQL: autocommit, one round trip to the server instead of BEGIN, INSERT, COMMIT.
    Each round trip waits for the server process to be scheduled, which on a busy machine is
    most of an ack's time; the server answers only after the commit is flushed
    (``synchronous_commit``), so the rows are as durable as in a transaction.
    SQLite: ``begin()`` fires the engine's ``begin`` hook (db.py), which takes the write
    lock with ``BEGIN IMMEDIATE`` as every other writer does (for at most ``ACK_LOCK_WAIT``
    seconds), then commits, leaving the WAL's checkpoint to the writes after the ack
    (``checkpoints_elsewhere``)."""
    if engine.dialect.name == "postgresql":
        rows = take()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return _insert(conn, statement, rows)
    with engine.connect() as conn, checkpoints_elsewhere(conn):
        conn.execution_options(**{LOCK_WAIT: ACK_LOCK_WAIT})  # read by the engine's begin hook
        with conn.begin():  # holds the write lock: take the rows that queued for it
            return _insert(conn, statement, take())


def _insert(conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> list[int | None | Failed]:
    """``rows`` in one statement; should one of them be refused (a value the database or its
    bind processing rejects), each on its own, so that only that request's ack fails. A
    failure that is not about a row (the database away or locked) fails them all."""
    try:
        stored = conn.execute(statement, rows[0] if len(rows) == 1 else rows).all()
    except (StatementError, TypeError, ValueError) as error:
        if len(rows) == 1 or not _about_a_row(error):
            raise
        return [_insert_one(conn, statement, row) for row in rows]
    ids = {key: id_ for id_, key in stored}
    return [ids.pop(row["dedup_key"], None) for row in rows]


def _insert_one(conn: Connection, statement: Any, row: dict[str, Any]) -> int | None | Failed:
    try:
        stored = conn.execute(statement, row).all()
    except (StatementError, TypeError, ValueError) as error:
        if not _about_a_row(error):
            raise
        return Failed(error)
    return stored[0].id if stored else None


def _about_a_row(error: Exception) -> bool:
    """A row's own value was refused: a constraint or a value out of range (the database),
    or one SQLAlchemy's bind processing or the driver could not convert (no DBAPI error:
    psycopg raises the JSON encoder's TypeError as it is)."""
    return isinstance(error, (IntegrityError, DataError)) or not isinstance(error, DBAPIError)


def _claimable(now: datetime) -> Any:
    return or_(
        InboundRequest.state == InboxState.QUEUED,
        InboundRequest.state.in_((InboxState.RUNNING, InboxState.REPLYING))
        & (InboundRequest.lease_until < now),
    )


def has_work(session: Session, *, now: datetime) -> bool:
    """Whether ``claim`` would find a row: reads on the spool's pending index and the inbox's
    (state, lease) index, no lock."""
    spool = _spool_of(session.get_bind())
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
    spool = _spool_of(factory.kw.get("bind"))
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
    spool = _spool_of(factory.kw.get("bind"))
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
    spool = _spool_of(session.get_bind())
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
    spool = _spool_of(factory.kw.get("bind"))
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
    spool = _spool_of(session.get_bind())
    spooled = spool.oldest_pending(after=moved_through(session, spool)) if spool is not None else None
    oldest = session.scalar(
        select(func.min(InboundRequest.received_at))
        .where(InboundRequest.state == InboxState.QUEUED)
    )
    if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() bypasses the column type
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=timezone.utc)
    times = [t for t in (spooled, oldest) if t is not None]
    return max((now - min(times)).total_seconds(), 0.0) if times else 0.0
