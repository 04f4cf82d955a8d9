"""The databases refuse user text over the documented limits (README "Limits"), both alike.

Before migration harden_1 a 10,000-character name passed SQLite (which ignores String(n)) and
crashed PostgreSQL; now both refuse every over-long text (the bot refuses it earlier, politely).
"""

from __future__ import annotations

import importlib.util
from datetime import date

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from tests.storage.builders import AT, assistant, stop
from vpabot.storage.db import make_engine
from vpabot.storage.migrate import MIGRATIONS, upgrade
from vpabot.storage.models import Assistant, Note, Violation
from vpabot.storage.models.base import TEXT_CHECKS
from vpabot.policy.text import MAX_HANDLE, MAX_NAME, MAX_TEXT


def _migration() -> object:
    path = MIGRATIONS / "versions" / "0004_text_limits.py"
    spec = importlib.util.spec_from_file_location("harden_text_limits", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_freezes_the_same_limits_as_the_models() -> None:
    assert _migration().TEXT_CHECKS == TEXT_CHECKS  # type: ignore[attr-defined]
    assert dict(TEXT_CHECKS["assistants"]) == {"handle": MAX_HANDLE, "name": MAX_NAME}


def test_a_10000_character_name_is_refused_by_both_databases(migrated_engine: Engine) -> None:
    # PostgreSQL's VARCHAR(200) answers first (DataError) for this one; from 101 on, the CHECK.
    with (
        pytest.raises((IntegrityError, DataError)),
        Session(migrated_engine) as session,
        session.begin(),
    ):
        session.add(assistant("lang.x", "N" * 10_000))
    with Session(migrated_engine) as session:
        assert session.scalars(select(Assistant)).all() == []


def _violation(owner: Assistant, note: str, reason: str | None = None) -> Violation:
    return Violation(
        assistant=owner, source="kontakt", tag="kommunikation", state="recorded", note=note,
        logged_by="UADMIN1", logged_at=AT, logged_on=date(2026, 11, 26), decision_reason=reason,
    )  # fmt: skip


def _stop_with_note(owner: Assistant, note: str) -> object:
    row = stop(owner)
    row.note = note
    return row


def _renamed(owner: Assistant, name: str) -> Assistant:
    owner.name = name
    return owner


CASES = {
    "name": lambda a, n: _renamed(a, "N" * n),
    "violation note": lambda a, n: _violation(a, "x" * n),
    "decision reason": lambda a, n: _violation(a, "x", "r" * n),
    "note": lambda a, n: Note(assistant=a, text="x" * n, author="UADMIN1", created_at=AT),
    "stop note": lambda a, n: _stop_with_note(a, "x" * n),
}
LIMIT = {"name": MAX_NAME}


@pytest.mark.parametrize("what", sorted(CASES))
def test_each_text_may_reach_its_limit_but_not_pass_it(migrated_engine: Engine, what: str) -> None:
    limit = LIMIT.get(what, MAX_TEXT)
    with Session(migrated_engine) as session, session.begin():
        owner = assistant("at.limit")
        session.add_all([owner, CASES[what](owner, limit)])
    with pytest.raises(IntegrityError), Session(migrated_engine) as session, session.begin():
        owner = assistant("over.limit")
        session.add_all([owner, CASES[what](owner, limit + 1)])


def test_an_upgrade_over_too_long_rows_stops_and_names_them(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO assistants (handle, name, status, created_at, created_by)"
                    " VALUES ('old.x', :name, 'neu', :at, 'U1')"
                ),
                {"name": "N" * 150, "at": AT},
            )
        with pytest.raises(RuntimeError, match=r"assistants\.name > 100 characters: ids \[1\]"):
            upgrade(engine)
        with engine.connect() as conn:  # nothing changed: still at 0003, the row whole
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0003"
            )
            assert conn.execute(text("SELECT length(name) FROM assistants")).scalar_one() == 150
    finally:
        engine.dispose()
