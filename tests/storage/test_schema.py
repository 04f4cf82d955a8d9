"""The migrated schema on SQLite and PostgreSQL: it applies, matches the models, keeps its rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from tests.conftest import with_pg_options
from tests.storage.builders import AT, assistant, stop
from vpabot.storage.db import make_engine
from vpabot.storage.migrate import alembic_config, upgrade
from vpabot.storage.models import Assistant, Base, SalesStop

TABLES = {
    "assistants", "violations", "notes", "sales_stops", "audit_events", "outbox", "job_runs",
    "inbound_requests", "severe_questions", "assistant_search_words", "outbox_lanes",
    "violation_month_counts", "stop_end_dates", "cg_month_figures",
    "assistant_search_pairs", "inbox_spool_marks",
}
BERLIN = ZoneInfo("Europe/Berlin")


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_migrations_create_every_table_at_head(migrated_engine: Engine) -> None:
    tables = set(inspect(migrated_engine).get_table_names())

    assert tables == TABLES | {"alembic_version"}
    assert current_revision(migrated_engine) == head_revision()


def test_upgrading_twice_changes_nothing_and_keeps_rows(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session, session.begin():
        session.add(assistant("anna.m", "Anna Müller"))

    upgrade(migrated_engine)

    assert current_revision(migrated_engine) == head_revision()
    with Session(migrated_engine) as session:
        assert session.scalars(select(Assistant.handle)).all() == ["anna.m"]
    with migrated_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_models_and_migrations_describe_the_same_schema(migrated_engine: Engine) -> None:
    # What `alembic revision --autogenerate` would write next: nothing, or a migration is missing.
    with migrated_engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    assert drift == []


def test_instants_come_back_aware_utc(migrated_engine: Engine) -> None:
    berlin_morning = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)
    with Session(migrated_engine) as session, session.begin():
        session.add(assistant("anna.m", created_at=berlin_morning))

    with Session(migrated_engine) as session:
        created_at = session.scalars(select(Assistant.created_at)).one()

    assert created_at == AT  # the same instant ...
    assert created_at.utcoffset() == timedelta(0)  # ... expressed in UTC
    assert created_at.tzinfo is not None


def test_instants_are_utc_whatever_the_postgresql_session_time_zone(pg_url: str) -> None:
    # Managed PostgreSQL often runs with TimeZone set to local time; psycopg then hands back
    # datetimes in that zone. The column promises UTC regardless.
    engine = make_engine(with_pg_options(pg_url, "TimeZone=Europe/Berlin"))
    try:
        upgrade(engine)
        with Session(engine) as session, session.begin():
            session.add(assistant("anna.m", created_at=AT))
        with Session(engine) as session:
            created_at = session.scalars(select(Assistant.created_at)).one()
    finally:
        engine.dispose()

    assert created_at == AT
    assert created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session:
        session.add(assistant("anna.m", created_at=datetime(2026, 11, 26, 9, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


def test_one_active_stop_per_assistant_but_any_number_lifted(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session, session.begin():
        anna, ben = assistant("anna.m"), assistant("ben.k")
        session.add_all(
            [
                stop(anna),
                stop(anna, lifted_at=AT),
                stop(anna, lifted_at=AT + timedelta(days=1)),
                stop(ben),  # another assistant's active stop does not collide
            ]
        )

    with Session(migrated_engine) as session:
        anna = session.scalars(select(Assistant).where(Assistant.handle == "anna.m")).one()
        session.add(stop(anna))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()

    with Session(migrated_engine) as session, session.begin():
        anna = session.scalars(select(Assistant).where(Assistant.handle == "anna.m")).one()
        active = session.scalars(
            select(SalesStop).where(SalesStop.assistant == anna, SalesStop.lifted_at.is_(None))
        ).one()
        active.lifted_at = AT + timedelta(days=2)
        session.flush()  # lift first, so the index never sees two active rows
        session.add(stop(anna))  # once lifted, a new stop may start

    with Session(migrated_engine) as session:
        rows = session.execute(
            select(Assistant.handle, SalesStop.lifted_at.is_(None))
            .join(SalesStop.assistant)
            .order_by(SalesStop.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("anna.m", False),
        ("anna.m", False),
        ("anna.m", False),
        ("ben.k", True),
        ("anna.m", True),
    ]


def test_the_migration_folds_the_names_already_stored_for_the_search(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0002")  # before the search column existed
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO assistants (handle, name, status, created_at, created_by) "
                    "VALUES ('anna.m', :name, 'aktiv', :at, 'UADMIN1')"
                ),
                {"name": "Anna Mu\u0308ller", "at": AT.replace(tzinfo=None)},
            )
        upgrade(engine)
        from vpabot.storage import repositories as repo

        with Session(engine) as session:
            found = {typed: [a.handle for a in repo.search_assistants(session, typed)]
                     for typed in ("mueller", "muller", "Müller", "anna.m")}
        assert found == {typed: ["anna.m"] for typed in found}
    finally:
        engine.dispose()
