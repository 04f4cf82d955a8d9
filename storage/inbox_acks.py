"""The write ack's one durable INSERT: the inbox row of an acknowledged request.

Acks that arrive together share one commit (``group_commit.py``). Where the row goes:
PostgreSQL through the acks' own connections (``db.ack_engine``: lock and statement
timeouts), a SQLite file into its spool (``spool.py``: a lock of its own, away from the
worker's), in-memory SQLite into the inbox. ``inbox.claim`` takes spooled rows in.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from vpabot.storage.db import LOCK_WAIT, LockTimeout, ack_engine, as_lock_timeout, checkpoints_elsewhere
from vpabot.storage.group_commit import Failed, GroupCommit
from vpabot.storage.models import InboundRequest
from vpabot.storage.spool import Spool, spool_path


def write_ack(engine: Engine, values: dict[str, Any]) -> int | None:
    """The row committed in the engine's next group commit (``group_commit.py``): alone, a
    transaction of its own; under load, one transaction with the rows of the acks waiting
    alongside. ``None`` if its ``dedup_key`` is stored already. A SQLite file's acks commit
    to its spool (``spool.py``), from which ``claim`` copies them into the inbox.

    Raises ``LockTimeout`` (nothing written) when the row could not be written within
    ``ACK_LOCK_WAIT`` seconds of waiting for its batch or for the database's lock, so the ack
    can say "busy" while Slack still listens (3 s); at once while the lock was found held
    and one batch is trying again."""
    acks = acks_of(engine)
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


def acks_of(engine: Engine) -> _Acks:
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


def spool_of(bind: Any) -> Spool | None:
    """The spool of the engine a session or factory is bound to (``None``: no spool),
    checked to be the file on disk (``Spool.refresh``; call outside a transaction)."""
    spool = acks_of(bind).spool if isinstance(bind, Engine) else None
    if spool is not None:
        spool.refresh(wait=ACK_LOCK_WAIT)
    return spool


def open_spool(factory: sessionmaker[Session]) -> None:
    """Open (create) the database's spool file now, at start, not in the first ack."""
    spool_of(factory.kw.get("bind"))


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
