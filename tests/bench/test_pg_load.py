"""``python -m bench --db postgresql`` loads the generated SQLite data set into a fresh
PostgreSQL schema (``bench/pg.py``). Checked on a tiny hand-made set, no timings: every row
arrives with its values, the app's next insert gets a fresh id, the schema is gone afterwards.
Skipped without ``TEST_DATABASE_URL``.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

from bench import pg
from bench.database import open_database
from vpabot.storage.db import make_engine
from vpabot.storage.migrate import upgrade

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="TEST_DATABASE_URL not set")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A migrated SQLite file with two assistants and three violations, the way the app
    writes them (booleans as 0/1, timestamps as UTC text)."""
    path = tmp_path / "tiny.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    with conn:
        for i in (1, 2):
            conn.execute(
                "INSERT INTO assistants (id, handle, name, status, created_at, created_by, "
                "search_key) VALUES (?, ?, ?, 'aktiv', '2026-01-02 03:04:05.000006', 'U1', ?)",
                (i, f"tiny.{i}", f"Tiny {i}", f"tiny {i}"))
        for i, severe in ((1, 0), (2, 1), (3, 0)):
            conn.execute(
                "INSERT INTO violations (id, assistant_id, source, tag, severe, step, state, "
                "note, logged_by, logged_at, logged_on) VALUES (?, 1, 'deadline', 'deadline', "
                "?, ?, 'recorded', ?, 'U1', '2026-01-02 03:04:05.000006', '2026-01-02')",
                (i, severe, i, f"note {i}"))
    conn.close()
    return path


def schemas(prefix: str) -> set[str]:
    admin = create_engine(pg.server_url(), poolclass=pool.NullPool)
    try:
        with admin.connect() as conn:
            return set(conn.execute(text(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"), {"p": f"{prefix}%"}).scalars())
    finally:
        admin.dispose()


def test_the_data_set_arrives_whole_and_the_schema_goes(tiny: Path, tmp_path: Path) -> None:
    before = schemas("bench_acks_")
    with open_database("postgresql", tiny, tmp_path / "run") as db:
        assert db.rows("SELECT count(*) FROM assistants") == [(2,)]
        (severe, logged_at), = db.rows("SELECT severe, logged_at FROM violations WHERE id = 2")
        assert severe is True
        assert logged_at == datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
        # The sequences were moved past the copied ids: the app's next row does not collide.
        engine = create_engine(db.url, poolclass=pool.NullPool)
        with engine.begin() as conn:
            new_id = conn.execute(text(
                "INSERT INTO violations (assistant_id, source, tag, severe, step, state, note, "
                "logged_by, logged_at, logged_on) VALUES (2, 'deadline', 'deadline', false, 1, "
                "'recorded', 'new', 'U1', now(), current_date) RETURNING id")).scalar()
        engine.dispose()
        assert new_id == 4
        # What the bench's completion check reads, through SQLAlchemy as on SQLite.
        notes = db.rows("SELECT note, count(*) FROM violations WHERE note LIKE :p GROUP BY note",
                        p="note%")
        assert sorted(notes) == [("note 1", 1), ("note 2", 1), ("note 3", 1)]
    assert schemas("bench_acks_") == before


def test_the_schema_goes_also_when_the_run_fails(tiny: Path, tmp_path: Path) -> None:
    before = schemas("bench_acks_")
    with pytest.raises(KeyboardInterrupt):
        with open_database("postgresql", tiny, tmp_path / "run"):
            raise KeyboardInterrupt
    assert schemas("bench_acks_") == before
