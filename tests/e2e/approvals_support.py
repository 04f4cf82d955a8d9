"""Shared pieces of the approval end-to-end tests: a bot with two VPA managers on a Thursday
morning clock (the ``bot`` and ``clock`` fixtures, which a test module imports to override
tests/e2e/conftest.py's), and helpers for what admins and managers type, click and read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from vpabot.policy.clock import SettableClock
from vpabot.bot.testing.fake_slack import Call
from vpabot.bot.testing.harness import ADMIN, MANAGER, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.bot.payloads import CaseRef, decode


T = TypeVar("T")
MANAGER_2 = "UMANAGER2"
THURSDAY_MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


def case_id(value: str) -> int:
    """The violation id a case button carries in its value."""
    return decode(CaseRef, value).violation_id


@pytest.fixture
def clock() -> SettableClock:
    """Thursday 26.11.2026, 10:00 UTC (11:00 in Berlin), a working day."""
    return SettableClock(THURSDAY_MORNING)


@pytest.fixture
def bot(db_url: str, clock: SettableClock) -> Iterator[BotUnderTest]:
    """The app over HTTP with two VPA managers, so a decision can race or be repeated."""
    with BotUnderTest(db_url, clock=clock, manager_ids=frozenset({MANAGER, MANAGER_2})) as running:
        yield running


def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    """Type ``/vpa <text>``; returns what the user reads (the ack, or the reply after it)."""
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    return render(ack.json()) if ack.body else render(bot.slack.reply(key).args)


def dms(bot: BotUnderTest, user: str, method: str = "chat.postMessage") -> list[Call]:
    """Send the outbox, then every ``method`` call to ``user``'s DM so far."""
    bot.dispatch_outbox()
    return [c for c in bot.fake.calls_to(method) if c.args.get("channel") == user]


def buttons(call: Call) -> dict[str, str]:
    """The buttons of a message: action id -> value."""
    return {
        element["action_id"]: element["value"]
        for block in call.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def row(bot: BotUnderTest, model: type, **where: object) -> object:
    """The one committed row of ``model`` matching ``where``, read through its own connection."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            query = select(model).filter_by(**where)
            return session.scalars(query).one()
    finally:
        engine.dispose()


def climb_to(bot: BotUnderTest, step: int) -> None:
    """Anna Müller (`anna.m`) with ``step`` deadline violations, one per ladder step."""
    say(bot, "assistent neu anna.m Anna Müller")
    for n in range(1, step + 1):
        say(bot, f"verstoss anna.m deadline deadline Verspätung Nummer {n}")


def eventually(probe: Callable[[], T], timeout: float = 10.0) -> T:
    """Lazy listeners finish after the ack: wait (bounded) until ``probe`` finds the effect."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            assert found, "the expected effect never happened"
            return found
        time.sleep(0.05)


def click(bot: BotUnderTest, action_id: str, value: str, user: str) -> str:
    """Click a button; returns its key (for an ephemeral answer, if one comes)."""
    result, key = bot.slack.click(action_id, value, user=user)
    assert result.status == 200
    return key


def dm_containing(bot: BotUnderTest, user: str, text: str, method: str = "chat.postMessage") -> list[Call]:
    """``user``'s DMs that contain ``text``, waiting (bounded) until there is one."""
    return eventually(lambda: [c for c in dms(bot, user, method) if text in render(c.args)])


def wait_answer(bot: BotUnderTest, key: str) -> str:
    """The answer to the request ``key`` (an ephemeral reply), as the user reads it."""
    return render(bot.slack.reply(key).args)
