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


def test_the_acks_engine_keeps_pgoptions_and_sets_its_timeouts(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Reported (second break test): the acks' engine passed libpq ``options`` for its
    timeouts, which replaced ``PGOPTIONS``: with the schema named there, every write ack
    failed with "relation inbound_requests does not exist"."""
    import os

    from vpabot.storage.db import ack_engine, make_engine

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL not set")
    monkeypatch.setenv("PGOPTIONS", "-c search_path=acks_schema_check")
    engine = make_engine(url)
    ack = ack_engine(engine, lock_wait=1.0)
    try:
        with ack.connect() as conn:
            shown = [conn.exec_driver_sql(f"SHOW {name}").scalar() for name in
                     ("search_path", "lock_timeout", "statement_timeout")]
        assert shown == ["acks_schema_check", "1s", "1500ms"]
    finally:
        ack.dispose()
        engine.dispose()
