"""`vpabot db backup FILE`: a consistent, checked copy of the SQLite file, while the bot writes."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from vpabot.bot.cli import main
from vpabot.storage.db import make_engine
from vpabot.storage.migrate import upgrade


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "vpabot.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    with engine.begin() as conn:  # WAL mode: recent writes sit in the -wal file, not the db
        conn.execute(text("CREATE TABLE ticks (n INTEGER)"))
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    return database


def test_the_backup_is_a_consistent_copy_taken_while_the_bot_writes(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{live}")
    stop = threading.Event()

    def writer() -> None:  # the running bot: one committed row after another
        n = 0
        while not stop.is_set():
            n += 1
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO ticks VALUES (:n)"), {"n": n})

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while True:  # some rows first, so the copy has something to be consistent about
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM ticks")).scalar_one() > 50:
                    break
        assert main(["db", "backup", "sicherung.db"]) == 0
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    out = capsys.readouterr().out
    assert out.startswith(f"Sicherung geschrieben: {live.with_name('sicherung.db')} (")
    copy = sqlite3.connect(live.with_name("sicherung.db"))
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count, top = copy.execute("SELECT count(*), max(n) FROM ticks").fetchone()
        assert count == top and count > 50  # every committed row up to a point, no gap
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        copy.close()


def test_an_existing_file_is_never_overwritten(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = live.with_name("alt.db")
    target.write_bytes(b"last week's backup")
    assert main(["db", "backup", str(target)]) == 1
    assert "gibt es schon" in capsys.readouterr().err
    assert target.read_bytes() == b"last week's backup"


def test_postgresql_is_pointed_to_pg_dump(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://vpabot:geheim@db/vpabot")
    assert main(["db", "backup", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "geheim" not in err
    assert not (tmp_path / "x.db").exists()


def test_a_missing_database_is_said_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nope.db'}")
    assert main(["db", "backup", str(tmp_path / "copy.db")]) == 1
    assert "gibt es nicht" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_requests_acknowledged_but_not_yet_taken_by_a_worker_are_in_the_backup(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Acks commit to the spool file beside the database (``storage/spool.py``) and a worker
    moves them into the inbox; a backup taken in between still holds them, so a restore
    does their work."""
    from datetime import datetime, timezone

    from vpabot.storage import inbox
    from vpabot.storage.db import make_session_factory
    from vpabot.storage.models import InboundRequest

    engine = make_engine(f"sqlite:///{live}")
    sessions = make_session_factory(engine)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
    for n in range(3):
        inbox.accept(sessions, dedup_key=f"command:{n}", kind="ShowHelp", command={"n": n}, origin={}, now=now)
    inbox.claim(sessions, now=now)  # the worker took the first three
    inbox.accept(sessions, dedup_key="command:late", kind="ShowHelp", command={"n": 9}, origin={}, now=now)
    engine.dispose()

    assert main(["db", "backup", "sicherung.db"]) == 0
    copy = make_engine(f"sqlite:///{live.with_name('sicherung.db')}")
    try:
        with copy.connect() as conn:
            rows = dict(conn.execute(select(InboundRequest.dedup_key, InboundRequest.state)).all())
    finally:
        copy.dispose()
    assert rows == {"command:0": "running", "command:1": "queued", "command:2": "queued", "command:late": "queued"}
