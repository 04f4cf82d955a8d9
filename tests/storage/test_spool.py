"""The SQLite spool (``storage/spool.py``): acks write there, workers take each row into the
inbox once, and never write to the spool themselves."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.storage.test_concurrency import run_together
from vpabot.storage import inbox
from vpabot.storage.db import make_engine, make_session_factory
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
