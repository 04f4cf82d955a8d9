"""End to end: the app over real HTTP, signed like Slack signs, against the fake Web API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from vpabot.storage.models import AuditEvent, Violation
from vpabot.testing.harness import BotUnderTest


@pytest.fixture
def bot(db_url: str) -> Iterator[BotUnderTest]:
    with BotUnderTest(db_url) as running:
        yield running


def count(bot: BotUnderTest, model: type) -> int:
    """Rows in a table, read through a separate connection (what is really committed)."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def written(bot: BotUnderTest) -> tuple[int, int]:
    return count(bot, Violation), count(bot, AuditEvent)
