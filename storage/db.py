"""Engine and unit of work. SQLite (WAL) by default, PostgreSQL for several instances."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Select, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker


READ_ONLY = "vpabot_read_only"
# Execution option: seconds a transaction of this connection waits for SQLite's write lock
# (``BEGIN IMMEDIATE``) before it gives up with ``LockTimeout``; default ``BUSY_TIMEOUT_MS``.
LOCK_WAIT = "vpabot_lock_wait"


class LockTimeout(Exception):
    """A lock was not had within the wait asked for: SQLite's write lock (``LOCK_WAIT``), or
    a lock or statement timeout on PostgreSQL (``ack_engine``). Nothing was written."""


def make_engine(url: str) -> Engine:
    """The engine for ``url`` (SQLite file or memory, or PostgreSQL).

    ``hide_parameters``: a database error's message names the statement but not its values,
    which are user text (a typed name, a note); the message ends up in logs, which carry
    no personal data."""
    if not url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True)
        _ping_when_idle(engine)
        return engine
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's deferred BEGIN.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if url not in ("sqlite://", "sqlite:///:memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives
            # the process being killed (the promise an ack makes), only a power cut may lose
            # the last moments (sqlite.org/pragma.html#pragma_synchronous). PostgreSQL is the
            # choice where that matters too.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")  # WAL: readers never wait for the writer
            return
        # Take the write lock at the start: two admins logging at once must see each
        # other's violations (steps 2 and 3, never 2 and 2). SQLite has no row locks.
        wait = conn.get_execution_options().get(LOCK_WAIT)
        if wait is None:
            begin_immediate(conn.connection.dbapi_connection)
            return
        try:
            begin_immediate(conn.connection.dbapi_connection, wait=wait)
        except sqlite3.OperationalError as error:
            if "locked" in str(error):
                raise LockTimeout(f"write lock not free within {wait} s") from error
            raise

    return engine


def ack_engine(engine: Engine, *, lock_wait: float) -> Engine:
    """A PostgreSQL engine for writes an ack waits on, which give up after ``lock_wait``
    seconds. (On SQLite the wait is on ``BEGIN IMMEDIATE``: the ack's connection sets
    ``LOCK_WAIT``.)

    An engine of its own on the same URL whose connections, once opened, set
    ``lock_timeout`` and a ``statement_timeout`` half a wait longer (a WAL flush that hangs)
    for their session, and connect within 2 s; a small pool, since one group commit at a
    time uses it. Set by ``SET`` rather than libpq's ``options``, which would replace the
    ``options`` of ``PGOPTIONS`` or a service file (e.g. a ``search_path``). A statement
    cancelled by either wrote nothing. Callers turn the timeout errors into ``LockTimeout``
    with :func:`as_lock_timeout`."""
    connect_args = {} if "connect_timeout" in engine.url.query else {"connect_timeout": 2}
    ack = create_engine(engine.url, hide_parameters=True, pool_size=1, max_overflow=2,
                        connect_args=connect_args)

    @event.listens_for(ack, "connect")
    def _limits(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(lock_wait * 1000)}")
            cursor.execute(f"SET statement_timeout = {int(lock_wait * 1500)}")
        dbapi_conn.commit()

    _ping_when_idle(ack)
    return ack


# SQLSTATEs of a statement PostgreSQL cancelled for a lock_timeout (55P03) or a
# statement_timeout (57014).
_PG_TIMEOUTS = {"55P03", "57014"}


def as_lock_timeout(error: BaseException) -> LockTimeout | None:
    """``error`` as a ``LockTimeout`` if it is one of the timeouts ``ack_engine`` sets."""
    if isinstance(error, LockTimeout):
        return error
    orig = getattr(error, "orig", None)
    if getattr(orig, "sqlstate", None) in _PG_TIMEOUTS:
        return LockTimeout(str(type(orig).__name__))
    return None


PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled PostgreSQL connection before use only if it sat idle ``PING_AFTER_IDLE_S``
    seconds or more; a dead one is replaced (``DisconnectionError``: the pool reconnects).

    ``pool_pre_ping`` pings at every checkout: one round trip more per unit of work, and in an
    ack that is a quarter of its time on a busy machine (each round trip waits for the server
    process to be scheduled). A connection in steady use has just proved itself; should the
    server go away within that second anyway, the statement fails, SQLAlchemy sees the
    disconnect and drops the whole pool, and Slack retries the request.
    """

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:
            raise exc.DisconnectionError(str(error)) from error


BUSY_TIMEOUT_MS = 30_000  # statements other than BEGIN IMMEDIATE (rare in WAL mode)
LOCK_POLL_SECONDS = 0.0005


def begin_immediate(dbapi_conn: Any, *, wait: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """``BEGIN IMMEDIATE``, retried every half millisecond for up to ``wait`` seconds.

    SQLite's own busy handler sleeps 1, 2, 5, 10, … 100 ms between tries, so a writer that
    held the lock for 20 ms costs a waiting ack's INSERT 33 ms, one that held it for 60 ms
    costs 78 ms. Polling finely instead, the ack follows the lock as soon as it is free.
    """
    dbapi_conn.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(LOCK_POLL_SECONDS)
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


WAL_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, set explicitly for ``checkpoints_elsewhere``


@contextmanager
def checkpoints_elsewhere(conn: Connection) -> Iterator[None]:
    """On SQLite: commits on ``conn`` inside this block never run the WAL's automatic
    checkpoint; other connections' commits run it as before. Nothing on PostgreSQL.

    The commit that finds the WAL over ``WAL_AUTOCHECKPOINT_PAGES`` pages copies it into
    the database file and syncs both before it returns (``synchronous=NORMAL`` syncs at
    checkpoints: sqlite.org/wal.html#ckpt, pragma.html#pragma_wal_autocheckpoint). On this
    machine that is 10–40 ms, once every few dozen requests: exactly an ack's p99 (the bench's
    1-client writes: 23–34 ms with it, 4–7 ms without). Acks leave it to the writes that
    follow every ack (the worker's), which keep the WAL bounded; the lock is released before
    a checkpoint runs, so nobody else waits for it."""
    if conn.dialect.name != "sqlite":
        yield
        return
    dbapi_conn = conn.connection.dbapi_connection  # a PRAGMA needs no transaction (autobegin)
    dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")


def skip_locked(session: Session, query: Select[Any], of: Any = None) -> Select[Any]:
    """Claim due rows so several instances never take the same one (FOR UPDATE SKIP LOCKED).

    SQLite runs as one process and its writers queue anyway (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "sqlite":
        return query
    return query.with_for_update(skip_locked=True, of=of)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def read_only(engine: Engine) -> Engine:
    """``engine`` for pure reads (same pool): on SQLite a transaction does not take the write lock."""
    return engine.execution_options(**{READ_ONLY: True})


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for pure reads: on SQLite they don't take the write lock."""
    return sessionmaker(read_only(engine), expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: everything inside commits together or not at all."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
