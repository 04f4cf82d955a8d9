"""The PostgreSQL pool pings a connection only after it sat idle (``storage/db.py``), and a
connection the server dropped meanwhile is replaced, not handed to the caller."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, pool, text

from vpabot.storage import db


def test_a_connection_the_server_dropped_is_replaced_after_idling(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every checkout counts as "after idling": no sleeping in the test.
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    engine = db.make_engine(pg_url)
    admin = create_engine(pg_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            dropped = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != dropped
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_in_steady_use_is_not_pinged(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
    engine = db.make_engine(pg_url)
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or True)
    try:
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert pings == []
    finally:
        engine.dispose()


def test_a_database_error_names_the_statement_but_not_the_users_text(db_url: str) -> None:
    """Database errors end up in logs, which carry no personal data: the values bound to a
    failed statement (a typed name, a note) are left out of the message."""
    from sqlalchemy.exc import DBAPIError

    engine = db.make_engine(db_url)
    try:
        with pytest.raises(DBAPIError) as failed, engine.connect() as conn:
            conn.execute(text("SELECT handle FROM no_such_table WHERE name = :name"), {"name": "Olga Zanowski"})
    finally:
        engine.dispose()
    assert "no_such_table" in str(failed.value) and "Zanowski" not in str(failed.value)
