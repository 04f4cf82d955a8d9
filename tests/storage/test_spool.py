"""The SQLite spool (``storage/spool.py``): acks write there, workers take each row into the
inbox once, and never write to the spool themselves."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.storage.test_concurrency import run_together
from vpabot.storage import inbox, inbox_acks
from vpabot.storage.db import LockTimeout, make_engine, make_read_session_factory, make_session_factory
from vpabot.storage.migrate import upgrade
from vpabot.storage.models import InboundRequest
from vpabot.storage.spool import SUFFIX

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'vpabot.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def ack(engine: Engine, key: str) -> int | None:
    return inbox.accept(make_session_factory(engine), dedup_key=key, kind="ShowHelp",
                        command={"key": key}, origin={}, now=NOW)


def inbox_keys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(InboundRequest.dedup_key).order_by(InboundRequest.id)))


def test_workers_taking_at_once_take_each_row_into_the_inbox_once(engine: Engine) -> None:
    for n in range(300):
        ack(engine, f"command:{n}")
    sessions = make_session_factory(engine)

    claimed = run_together(6, lambda _i: [c.id for _ in range(60) for c in inbox.claim(sessions, now=NOW)])

    assert sorted(inbox_keys(engine)) == sorted(f"command:{n}" for n in range(300))
    ids = [row for rows in claimed for row in rows]
    assert len(ids) == len(set(ids)) == 300  # and each claimed by one worker
    with sessions() as session:
        assert inbox.backlog(session) == 0
    assert inbox.claim(sessions, now=NOW) == []


def test_a_worker_never_waits_for_the_lock_acks_take(engine: Engine, tmp_path: Path) -> None:
    """Claiming only reads the spool: with its write lock held (an ack batch), work goes on."""
    ack(engine, "command:1")
    holder = sqlite3.connect(tmp_path / f"vpabot.db{SUFFIX}", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        (claimed,) = inbox.claim(make_session_factory(engine), now=NOW)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert claimed.command == {"key": "command:1"}


def test_a_spool_file_made_anew_is_taken_from_its_first_row(engine: Engine, tmp_path: Path) -> None:
    """Deleted (as a restore does) or lost, the new file's ids start at 1 again: its rows
    must not count as taken under the old file's mark."""
    for n in range(3):
        ack(engine, f"command:{n}")
    inbox.move_spooled(make_session_factory(engine))
    engine.dispose()
    for leftover in tmp_path.glob(f"vpabot.db{SUFFIX}*"):
        leftover.unlink()

    fresh = make_engine(f"sqlite:///{tmp_path / 'vpabot.db'}")
    try:
        assert ack(fresh, "command:new") is not None
        assert [c.command for c in inbox.claim(make_session_factory(fresh), now=NOW, limit=10)] == [
            {"key": f"command:{n}"} for n in range(3)] + [{"key": "command:new"}]
    finally:
        fresh.dispose()


def test_purge_keeps_rows_not_yet_taken_and_the_keys_of_recent_ones(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    ack(engine, "command:taken")
    inbox.move_spooled(sessions)
    ack(engine, "command:waiting")
    later = NOW + inbox.KEEP + timedelta(seconds=1)

    inbox.purge(sessions, now=NOW)
    assert ack(engine, "command:taken") is None  # a retry within the day is still known

    inbox.purge(sessions, now=later)
    with sessions() as session:
        assert inbox.spooled(session) == 1  # a worker never took it: still to do
    assert inbox.move_spooled(sessions) == 1
    assert inbox_keys(engine) == ["command:taken", "command:waiting"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(InboundRequest)) == 2


@contextmanager
def spool_locked(tmp_path: Path) -> Iterator[None]:
    """A ``sqlite3`` shell holding the spool's write lock (``BEGIN IMMEDIATE``)."""
    holder = sqlite3.connect(tmp_path / f"vpabot.db{SUFFIX}", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_reading_through_read_only_sessions_uses_the_spool_opened_at_start(engine: Engine, tmp_path: Path) -> None:
    """Reported (break test): read sessions are bound to a read-only view of the engine, which
    opened a second spool lazily, under a lock every ack takes; with the spool's lock held
    (an ack batch, a shell) the backlog count and every ack behind it waited 12-30 s."""
    inbox_acks.open_spool(make_session_factory(engine))
    ack(engine, "command:1")
    reads = make_read_session_factory(engine)
    assert inbox_acks.spool_of(reads.kw["bind"]) is inbox_acks.spool_of(engine)  # one per database
    with spool_locked(tmp_path):
        started = time.monotonic()
        with reads() as session:
            assert inbox.backlog(session) == 1 and inbox.has_work(session, now=NOW)
        assert time.monotonic() - started < 1.0


def test_a_spool_deleted_while_running_is_opened_anew_by_every_process(tmp_path: Path, engine: Engine) -> None:
    """Reported (break test): after the spool was deleted, a restarted worker made a new one
    and the web process went on writing into the deleted file: 200 acked writes never ran."""
    web = make_engine(f"sqlite:///{tmp_path / 'vpabot.db'}")  # the web process's engine
    try:
        assert ack(web, "command:before") is not None
        inbox.move_spooled(make_session_factory(engine))
        for leftover in tmp_path.glob(f"vpabot.db{SUFFIX}*"):
            leftover.unlink()
        engine.dispose()
        worker = make_engine(f"sqlite:///{tmp_path / 'vpabot.db'}")  # restarted: makes a new file
        try:
            (claimed,) = inbox.claim(make_session_factory(worker), now=NOW)
            assert claimed.command == {"key": "command:before"}
            assert ack(web, "command:after") is not None
            assert [c.command for c in inbox.claim(make_session_factory(worker), now=NOW)] == [
                {"key": "command:after"}]
        finally:
            worker.dispose()
    finally:
        web.dispose()


def test_the_database_reached_through_a_symlink_has_one_spool(tmp_path: Path, engine: Engine) -> None:
    """Reported (break test): the web process named the database through a symlink, the
    worker by its real path; each had its own spool, and the worker never saw the acks."""
    (tmp_path / "link").mkdir()
    (tmp_path / "link" / "vpabot.db").symlink_to(tmp_path / "vpabot.db")
    web = make_engine(f"sqlite:///{tmp_path / 'link' / 'vpabot.db'}")
    try:
        assert ack(web, "command:linked") is not None
        assert [c.command for c in inbox.claim(make_session_factory(engine), now=NOW)] == [{"key": "command:linked"}]
    finally:
        web.dispose()


def test_a_spool_file_of_another_database_is_not_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Reported (break test): a spool left beside a fresh database (copied, or from before a
    restore) had its 300 requests run, answering another deployment's users."""
    other = tmp_path / "other"
    other.mkdir()
    old = make_engine(f"sqlite:///{other / 'vpabot.db'}")
    upgrade(old)
    for n in range(3):
        ack(old, f"command:{n}")
    old.dispose()
    for part in other.glob(f"vpabot.db{SUFFIX}*"):
        part.rename(tmp_path / part.name)
    fresh = make_engine(f"sqlite:///{tmp_path / 'vpabot.db'}")
    try:
        upgrade(fresh)
        with caplog.at_level(logging.WARNING):
            assert inbox.claim(make_session_factory(fresh), now=NOW) == []
        assert "holds 3 request(s) this database never took and does not know" in caplog.text
        assert ack(fresh, "command:mine") is not None
        assert [c.command for c in inbox.claim(make_session_factory(fresh), now=NOW)] == [{"key": "command:mine"}]
    finally:
        fresh.dispose()


def test_the_purge_neither_waits_long_for_the_spool_nor_holds_the_database_meanwhile(
        engine: Engine, tmp_path: Path) -> None:
    """Reported (break test): the purge opened the database's write transaction, then waited
    up to 30 s for the spool's lock, holding up every claim and worker write meanwhile."""
    sessions = make_session_factory(engine)
    inbox_acks.open_spool(sessions)
    with spool_locked(tmp_path):
        started = time.monotonic()
        inbox.purge(sessions, now=NOW)
        assert time.monotonic() - started < 2.0


def test_acks_answer_within_about_a_second_while_the_lock_is_held_most_of_the_time(
        engine: Engine, tmp_path: Path) -> None:
    """The break test held the spool's lock 0.95 s of every second: each ack, stored or told
    busy, is answered once the lock is free or its second is over (``ACK_LOCK_WAIT``)."""
    inbox_acks.open_spool(make_session_factory(engine))
    stop = threading.Event()

    def flapping_lock() -> None:
        while not stop.is_set():
            with spool_locked(tmp_path):
                time.sleep(0.95)
            time.sleep(0.05)

    def acks(worker: int) -> list[float]:
        took = []
        for n in range(1000):
            if stop.is_set():
                break
            started = time.monotonic()
            try:
                ack(engine, f"command:{worker}:{n}")
            except LockTimeout:
                pass
            took.append(time.monotonic() - started)
        return took

    locker = threading.Thread(target=flapping_lock)
    locker.start()
    timer = threading.Timer(4.0, stop.set)
    timer.start()
    try:
        took = [t for times in run_together(6, acks) for t in times]
    finally:
        stop.set()
        locker.join()
    assert max(took) < inbox.ACK_LOCK_WAIT + 0.4, sorted(took)[-5:]


def test_a_spool_that_cannot_be_read_stops_only_itself_not_the_inbox(engine: Engine, tmp_path: Path) -> None:
    """Reported (break test): a spool corrupted while running made every claim fail, so the
    requests already in the inbox waited too."""
    sessions = make_session_factory(engine)
    inbox_acks.open_spool(sessions)
    inbox.accept_many(sessions, [inbox.Request("home:U1:x", "HomeOpened", {}, {"user_id": "U1"})], now=NOW)
    engine.dispose()  # no connection keeps the old pages
    (tmp_path / f"vpabot.db{SUFFIX}").write_bytes(b"not a database at all" * 300)
    for part in tmp_path.glob(f"vpabot.db{SUFFIX}-*"):
        part.unlink()

    with make_read_session_factory(engine)() as session:
        assert inbox.has_work(session, now=NOW)
    assert [c.kind for c in inbox.claim(sessions, now=NOW)] == ["HomeOpened"]
