"""SQLite only: the file that write acks commit to, so an ack never waits for the worker.

SQLite has one write lock per file. With the inbox in the database file itself, every ack's
INSERT queued behind the worker's transactions for the acks before it (claim, the work, its
reply, the outbox, Homes): at one client an ack waited 1.3 ms for the lock at the median and
24 ms at p99 (its INSERT and commit: 0.4 ms). Only acks write to this file, so an ack shares
its lock with other acks alone (one group commit, ``group_commit.py``), and with a purge of
day-old rows now and then.

A row's way: the ack commits it here (``synchronous=NORMAL`` in WAL mode, like the database:
it survives the process being killed). ``inbox.claim`` copies rows above the database's mark
for this file (``SpoolMark``) into the inbox and raises the mark in the same transaction:
copied once, and nothing to write back here. Row ids grow in commit order (one writer at a
time), so every row at or below a mark was there when the mark was set. Rows keep their key
for ``inbox.KEEP``, so a retried delivery is still recognised at the ack.

The file sits beside the database (``vpabot.db`` → ``vpabot.db-inbox``, symlinks resolved
as SQLite resolves them for its ``-wal`` file) and, like that file, belongs to it; its layout
is fixed here, not by migrations (``user_version`` tells a future layout). It names itself
with a random identity, registered in the database (a mark of 0) before the file is usable:
a file the database does not know (another database's, or one left from before a restore)
is not run, its rows are marked taken and a warning says how many. A file deleted or
replaced while running is noticed before the next use (``refresh``) and opened anew.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
import weakref
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vpabot.storage.db import LOCK_WAIT, READ_ONLY, make_engine
from vpabot.storage.models import InboundRequest, SpoolMark

log = logging.getLogger(__name__)

SUFFIX = "-inbox"
LAYOUT = 1  # PRAGMA user_version of the file
TAKE_BATCH = 100  # rows a claim copies into the inbox at most
CHECKPOINT_ROWS = 256  # rows taken between two checkpoints of the file's WAL

_INBOX = InboundRequest.__table__
FIELDS = ("dedup_key", "kind", "command", "origin", "received_at", "expires_at")
_metadata = MetaData()
# The columns an ack writes, typed as the inbox types them (JSON, UTC instants).
# AUTOINCREMENT: an id is never handed out twice, also after the newest rows were purged.
spooled = Table(
    "spooled_requests",
    _metadata,
    Column("id", Integer, primary_key=True),
    *(Column(name, _INBOX.c[name].type, nullable=False, unique=name == "dedup_key") for name in FIELDS),
    sqlite_autoincrement=True,
)
identity = Table("spool_identity", _metadata, Column("spool", String(36), primary_key=True))


def spool_path(engine: Engine) -> Path | None:
    """The spool file of a SQLite database file; ``None`` for PostgreSQL and in-memory SQLite
    (one connection sees it all, nothing waits) and for ``file:`` URIs."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    real = Path(database).resolve()  # one spool for every path that reaches the database
    return real.with_name(real.name + SUFFIX)


class Spool:
    """The spool file of the SQLite database ``database``: an engine of its own (WAL, the
    same ``BEGIN IMMEDIATE`` hook, ``LOCK_WAIT``) and its tables, created when missing.

    Opening waits up to ``wait`` seconds for the file's and the database's write locks
    (only a file new to the database needs them); raises ``LockTimeout`` past that."""

    def __init__(self, path: Path, database: Engine, *, wait: float = 30.0) -> None:
        self.path = path
        self._database = weakref.ref(database)  # the database holds its spool, not the reverse
        self._lock = threading.Lock()
        self._since_checkpoint = 0
        self.engine, self.identity, self._file = self._open(wait)
        self.insert = sqlite_dialect.insert(spooled).on_conflict_do_nothing().returning(
            spooled.c.id, spooled.c.dedup_key)

    def refresh(self, *, wait: float) -> None:
        """Open the file anew if the one at ``path`` is no longer the one open here (deleted
        or replaced while running: whatever were written to the old one would be lost with
        it). One ``stat`` when nothing changed. Call it outside a database transaction."""
        if self._on_disk() == self._file:
            return
        with self._lock:
            if self._on_disk() == self._file:
                return
            old = self.engine
            self.engine, self.identity, self._file = self._open(wait)
            old.dispose()
            log.warning("the inbox spool %s was replaced or deleted while running; opened anew", self.path)

    def _on_disk(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def _open(self, wait: float) -> tuple[Engine, str, tuple[int, int] | None]:
        engine = make_engine(f"sqlite:///{self.path}")
        try:
            with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
                known = self._version(conn) == LAYOUT and self._mark_of(conn.scalar(select(identity.c.spool)))
            if not known:
                with engine.connect().execution_options(**{LOCK_WAIT: wait}) as conn, conn.begin():
                    name = self._adopt(conn, wait)
            else:
                name = known
            return engine, name, self._on_disk()
        except BaseException:
            engine.dispose()
            raise

    @staticmethod
    def _version(conn: Connection) -> int:
        version = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
        if version not in (0, LAYOUT):
            raise RuntimeError(f"the inbox spool was written by a newer vpabot (layout {version})")
        return int(version)

    def _mark_of(self, name: str | None) -> str | None:
        """``name`` if the database has a mark for it (it is this database's spool)."""
        database = self._database()
        if name is None or database is None:
            return None
        with database.connect().execution_options(**{READ_ONLY: True}) as conn:
            return name if conn.scalar(select(SpoolMark.spool).where(SpoolMark.spool == name)) else None

    def _adopt(self, conn: Connection, wait: float) -> str:
        """Under the file's write lock: tables, identity, and the database's mark for it,
        committed there first, so a second process opening the file finds both."""
        self._version(conn)
        _metadata.create_all(conn)
        conn.exec_driver_sql(f"PRAGMA user_version={LAYOUT}")
        name = conn.scalar(select(identity.c.spool))
        if name is None:
            name = str(uuid.uuid4())
            conn.execute(identity.insert().values(spool=name))
        if self._mark_of(name):
            return name
        top, count = conn.execute(select(func.coalesce(func.max(spooled.c.id), 0), func.count())).one()
        database = self._database()
        if database is None:
            raise RuntimeError("database gone")
        with database.connect().execution_options(**{LOCK_WAIT: wait}) as db, db.begin():
            db.execute(SpoolMark.__table__.insert().values(spool=name, moved_through=top))
        if count:
            log.warning("the inbox spool %s holds %d request(s) this database never took and does not "
                        "know (another database's, or one from before a restore): they are not run",
                        self.path, count)
        return name

    def pending(self, *, after: int, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` rows with ids above ``after``, oldest first: ``id`` and ``FIELDS``."""
        query = select(spooled).where(spooled.c.id > after).order_by(spooled.c.id).limit(limit)
        with self._read() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def count_pending(self, *, after: int) -> int:
        with self._read() as conn:
            return conn.scalar(select(func.count()).select_from(spooled).where(spooled.c.id > after)) or 0

    def oldest_pending(self, *, after: int) -> datetime | None:
        """When the oldest row above ``after`` was acknowledged (UTC); ``None``: none."""
        query = select(spooled.c.received_at).where(spooled.c.id > after).order_by(spooled.c.id).limit(1)
        with self._read() as conn:
            return conn.scalar(query)

    def mark(self) -> int:
        """The database's mark for this file, read without a write lock."""
        database = self._database()
        if database is None:
            raise RuntimeError("database gone")
        with database.connect().execution_options(**{READ_ONLY: True}) as conn:
            return conn.scalar(select(SpoolMark.moved_through).where(SpoolMark.spool == self.identity)) or 0

    def purge(self, *, through: int, now: datetime, wait: float) -> int:
        """Forget rows up to id ``through`` (copied into the inbox) whose retry window is over;
        returns how many. Waits at most ``wait`` seconds for the lock (``LockTimeout``). Then
        copies the WAL into the file (a PASSIVE checkpoint, which waits for no ack): acks
        leave that to others (``db.checkpoints_elsewhere``)."""
        with self.engine.connect().execution_options(**{LOCK_WAIT: wait}) as conn, conn.begin():
            result = conn.execute(delete(spooled).where(spooled.c.id <= through, spooled.c.expires_at < now))
        self.checkpoint()
        return result.rowcount or 0

    def _read(self) -> Connection:
        """A connection whose transactions read (plain ``BEGIN``, no write lock: WAL)."""
        return self.engine.connect().execution_options(**{READ_ONLY: True})

    def taken(self, rows: int) -> None:
        """``rows`` were copied into the inbox (committed there): every ``CHECKPOINT_ROWS``
        rows, checkpoint the file, since acks never do."""
        with self._lock:
            self._since_checkpoint += rows
            due = self._since_checkpoint >= CHECKPOINT_ROWS
            if due:
                self._since_checkpoint = 0
        if due:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Copy the WAL into the file without waiting for anyone (``wal_checkpoint(PASSIVE)``)."""
        with self._read() as conn:
            conn.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def dispose(self) -> None:
        self.engine.dispose()


def read_spool(path: Path) -> tuple[str, list[dict[str, Any]]] | None:
    """The identity and all rows of the spool file at ``path``, read without writing to it;
    ``None`` when there is no such file. For a backup of the database."""
    if not path.exists():
        return None
    engine = create_engine(f"sqlite:///{path.resolve().as_uri()}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            name = conn.scalar(select(identity.c.spool))
            rows = [dict(row._mapping) for row in conn.execute(select(spooled).order_by(spooled.c.id))]
    finally:
        engine.dispose()
    return (name, rows) if name is not None else None


def moved_through(session: Session, spool: Spool) -> int:
    """The database's mark for ``spool``: rows with ids up to it are in the inbox."""
    return session.scalar(select(SpoolMark.moved_through).where(SpoolMark.spool == spool.identity)) or 0


def take_in(session: Session, spool: Spool, *, limit: int = TAKE_BATCH) -> int:
    """In ``session``'s transaction (a claim's, on the database): copy up to ``limit`` rows
    above the mark into the inbox and raise the mark to the last of them; returns how many.
    Call ``spool.taken`` once that transaction committed."""
    after = moved_through(session, spool)
    try:
        rows = spool.pending(after=after, limit=limit)
    except DBAPIError as error:  # the spool unreadable: the claim goes on with the inbox's rows
        log.warning("the inbox spool cannot be read: %s", error)
        return 0
    _copy(session, spool.identity, rows)
    return len(rows)


def _copy(session: Session, name: str, rows: list[dict[str, Any]]) -> None:
    """``rows`` into the inbox as queued requests (a key it has already is skipped: a retry
    of a request older than the spool), and the mark for ``name`` raised to their last id.
    Workers take turns: the mark is read and raised in one transaction, which holds the
    database's write lock from its start (``BEGIN IMMEDIATE``)."""
    if not rows:
        return
    session.execute(_TAKE, [{field: row[field] for field in FIELDS} for row in rows])
    mark = sqlite_dialect.insert(SpoolMark).values(spool=name, moved_through=rows[-1]["id"])
    session.execute(mark.on_conflict_do_update(
        index_elements=[SpoolMark.spool],
        set_={"moved_through": mark.excluded.moved_through}))


_TAKE = sqlite_dialect.insert(_INBOX).on_conflict_do_nothing()


def add_to_copy(copy: Engine, found: tuple[str, list[dict[str, Any]]]) -> int:
    """A backup's part: the rows of the live spool (``read_spool``, read before the database
    was copied, so each is in the copy already or above its mark) put into the copy's inbox.
    Returns how many were added."""
    name, rows = found
    with Session(copy) as session, session.begin():
        mark = session.scalar(select(SpoolMark.moved_through).where(SpoolMark.spool == name)) or 0
        above = [row for row in rows if row["id"] > mark]
        _copy(session, name, above)
    return len(above)
