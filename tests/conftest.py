"""Fixtures shared by the whole suite.

Databases: every test that asks for ``db_url`` runs twice, once on a fresh SQLite file and
once on PostgreSQL. The PostgreSQL run needs ``TEST_DATABASE_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and is skipped without it. Each
PostgreSQL test gets its own empty schema, so tests never see each other's rows and may run
against a shared database.

Add new fixtures here only when several test packages need them; keep the rest local.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy import Engine, create_engine, make_url, pool, text

from vpabot.bot.blocks import notices
from vpabot.bot.context import AppContext
from vpabot.bot.interactions import registry
from vpabot.policy.clock import SettableClock
from vpabot.storage.db import make_engine, make_session_factory
from vpabot.storage.migrate import upgrade
from vpabot.bot.testing.harness import demo_settings

# Thursday morning in Berlin (10:00 CET): the instant every `ctx` starts at.
START = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
# Nothing listens there: a test that reaches the Slack API by accident fails fast.
UNREACHABLE_API = "http://127.0.0.1:9/api/"


def with_pg_options(url: str, *options: str) -> str:
    """``url`` with libpq ``-c`` settings (``"search_path=x"``) for every connection it opens."""
    parsed = make_url(url)
    flags = " ".join(f"-c{option}" for option in options)
    existing = parsed.query.get("options")
    if isinstance(existing, tuple):
        existing = " ".join(existing)
    if existing:
        flags = f"{existing} {flags}"
    return parsed.update_query_dict({"options": flags}).render_as_string(hide_password=False)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite file (a file, not :memory:, so several connections and WAL work)."""
    return f"sqlite:///{tmp_path / 'vpabot.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections see only a new, empty schema, dropped after the test."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL not set")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, poolclass=pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield with_pg_options(base, f"search_path={schema}")
    finally:
        with admin.begin() as conn:
            # A connection a test leaked inside a transaction would otherwise hang the run.
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """SQLite, then PostgreSQL: the same test on both databases the app supports."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def migrated_engine(db_url: str) -> Iterator[Engine]:
    """An engine (built like the app builds it) on a database upgraded to the head revision."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def ctx(db_url: str, migrated_engine: Engine) -> AppContext:
    """What use cases need: settings, sessions on the migrated database, a settable clock."""
    return AppContext(
        settings=demo_settings(db_url, UNREACHABLE_API),
        sessions=make_session_factory(migrated_engine),
        clock=SettableClock(START),
        render=notices.render,
    )


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def modals_come_from_handlers_marked_modal() -> Iterator[None]:
    """Every test that opens a form checks this too: a handler that opens a modal without
    ``modal=`` in its ``@handles`` runs on the reads' lane and may miss its ``trigger_id``."""
    recorder = _Recorder()
    logger = logging.getLogger(registry.__name__)
    logger.addHandler(recorder)
    try:
        yield
    finally:
        logger.removeHandler(recorder)
    unmarked = [m for m in recorder.messages if "not marked modal" in m]
    assert not unmarked, unmarked
