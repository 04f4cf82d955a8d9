"""SQLite only: the file that write acks commit to, so an ack never waits for the worker.

SQLite has one write lock per file. With the inbox in the database file itself, every ack's
INSERT queued behind the worker's transactions for the acks before it (claim, the work, its
reply, the outbox, Homes): at one client an ack waited 1.3 ms for the lock at the median and
24 ms at p99 (its INSERT and commit: 0.4 ms). In a file of its own, an ack shares the lock
only with other acks (one group commit, ``group_commit.py``) and with the short UPDATE that
marks rows moved.

A row's way: the ack commits it here (``synchronous=NORMAL`` in WAL mode, like the database:
it survives the process being killed); ``inbox.claim`` copies pending rows into the inbox in
its own transaction, skipping keys the inbox has, and then marks them moved here. A crash
between the two copies them again, and the inbox's unique key drops the copy, so a row is
worked on once. Moved rows keep their key for ``inbox.KEEP``, so a retried delivery is still
recognised at the ack.

The file sits beside the database (``vpabot.db`` → ``vpabot.db-inbox``) and, like SQLite's
own ``-wal`` file, belongs to it: it holds only what was acknowledged in the last moments,
and its layout is fixed here, not by migrations (``user_version`` tells a future layout).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    Table,
    create_engine,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect

from vpabot.storage.db import make_engine
from vpabot.storage.models import InboundRequest

SUFFIX = "-inbox"
LAYOUT = 1  # PRAGMA user_version of the file

_INBOX = InboundRequest.__table__
FIELDS = ("dedup_key", "kind", "command", "origin", "received_at", "expires_at")
_metadata = MetaData()
# The columns an ack writes, typed as the inbox types them (JSON, UTC instants).
spooled = Table(
    "spooled_requests",
    _metadata,
    Column("id", Integer, primary_key=True),
    *(Column(name, _INBOX.c[name].type, nullable=False, unique=name == "dedup_key") for name in FIELDS),
    Column("moved", Integer, nullable=False, default=0),
    Index("ix_spooled_requests_pending", "id", sqlite_where=text("moved = 0")),
)


def spool_path(engine: Engine) -> Path | None:
    """The spool file of a SQLite database file; ``None`` for PostgreSQL and in-memory SQLite
    (one connection sees it all, nothing waits) and for ``file:`` URIs."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).with_name(Path(database).name + SUFFIX)


def pending_in(path: Path) -> list[dict[str, Any]]:
    """The rows of the spool file at ``path`` not moved yet, read without writing to it
    (``[]`` when there is no such file): for a backup of the database."""
    if not path.exists():
        return []
    engine = create_engine(f"sqlite:///{path.resolve().as_uri()}?mode=ro&uri=true")
    try:
        query = select(spooled).where(spooled.c.moved == 0).order_by(spooled.c.id)
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
    finally:
        engine.dispose()


class Spool:
    """The spool file of one database: an engine of its own (WAL, the same ``BEGIN
    IMMEDIATE`` hook, ``LOCK_WAIT``) and the table, created when missing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = make_engine(f"sqlite:///{path}")
        with self.engine.begin() as conn:  # BEGIN IMMEDIATE: processes starting together take turns
            if conn.exec_driver_sql("PRAGMA user_version").scalar() not in (0, LAYOUT):
                raise RuntimeError(f"{path} was written by a newer vpabot")
            _metadata.create_all(conn)
            conn.exec_driver_sql(f"PRAGMA user_version={LAYOUT}")
        self.insert = sqlite_dialect.insert(spooled).on_conflict_do_nothing().returning(
            spooled.c.id, spooled.c.dedup_key)

    def pending(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` rows not moved yet, oldest first: ``id`` and the inbox's fields."""
        query = select(spooled).where(spooled.c.moved == 0).order_by(spooled.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def mark_moved(self, ids: list[int]) -> None:
        """The inbox has these rows now (committed there): they only keep their keys here."""
        with self.engine.begin() as conn:
            conn.execute(update(spooled).where(spooled.c.id.in_(ids)).values(moved=1))

    def count_pending(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(spooled).where(spooled.c.moved == 0)) or 0

    def oldest_pending(self) -> datetime | None:
        """When the oldest row not moved yet was acknowledged (UTC)."""
        query = select(spooled.c.received_at).where(spooled.c.moved == 0).order_by(spooled.c.id).limit(1)
        with self.engine.connect() as conn:
            return conn.scalar(query)

    def purge(self, *, now: datetime) -> int:
        """Forget moved rows whose retry window is over; returns how many."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(spooled).where(spooled.c.moved == 1, spooled.c.expires_at < now))
            return result.rowcount or 0

    def dispose(self) -> None:
        self.engine.dispose()
