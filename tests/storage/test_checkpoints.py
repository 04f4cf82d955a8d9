"""SQLite: an ack never pays for copying the WAL into the spool file; the writes after it do."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import make_url

from vpabot.storage import inbox, inbox_acks
from vpabot.storage.db import WAL_AUTOCHECKPOINT_PAGES, make_engine, make_session_factory
from vpabot.storage.migrate import upgrade

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
PAGE = 4096  # SQLite's default page size


def test_acks_leave_the_checkpoint_to_the_writes_after_them(sqlite_url: str) -> None:
    """Acks filling the spool's WAL past the checkpoint threshold twice over leave the spool
    file as it was (no ack's commit ran the checkpoint, which syncs the disk); the worker
    runs it once it has taken rows into the inbox, so the WAL stays bounded."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    inbox_acks.open_spool(sessions)
    database = Path(make_url(sqlite_url).database or "")
    spool = database.with_name(database.name + "-inbox")
    size_before = spool.stat().st_size
    note = "x" * (2 * PAGE)  # each row spills onto overflow pages

    for n in range(WAL_AUTOCHECKPOINT_PAGES):  # three pages or more each
        assert inbox.accept(sessions, dedup_key=f"command:{n}", kind="ShowHelp",
                            command={"note": note}, origin={}, now=NOW) is not None

    wal = spool.with_name(spool.name + "-wal")
    assert wal.stat().st_size > 2 * WAL_AUTOCHECKPOINT_PAGES * PAGE
    assert spool.stat().st_size == size_before

    assert inbox.move_spooled(sessions) == WAL_AUTOCHECKPOINT_PAGES
    assert spool.stat().st_size > size_before + WAL_AUTOCHECKPOINT_PAGES * PAGE
    engine.dispose()
