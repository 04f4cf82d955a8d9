"""Shared pieces of the VT-Stop end-to-end tests: a Monday-morning clock, and helpers for
what users do (type, click, submit) and see (replies, team posts, review DMs, stored rows).

Dates used (2026): Mon 30.11. is "today" at the start; Fri 11.12. -> re-reminder Mon 14.12.;
Wed 23.12. -> Thu 24.12. (a working day) -> Mon 28.12. (25./26. holidays, 27. Sunday).
2027: Easter Sunday is 28.03., so Karfreitag 26.03. and Ostermontag 29.03. are holidays, and
summer time starts on 28.03. (09:00 Berlin is 08:00 UTC before, 07:00 UTC after).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.e2e.conftest import count
from vpabot.policy.clock import SettableClock
from vpabot.storage.models import Assistant, AuditEvent, OutboxMessage, SalesStop
from vpabot.bot.testing.fake_slack import Call
from vpabot.bot.testing.harness import (
    ADMIN,
    TEAM_CHANNEL,
    BotUnderTest,
    HttpResult,
)
from vpabot.bot.testing.transcript import render

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


START = berlin(2026, 11, 30, 10, 0)  # Monday morning


@pytest.fixture
def clock() -> SettableClock:
    """Monday morning, 30.11.2026: the stop tests' "today" (a module imports this fixture)."""
    return SettableClock(START)


# Words of the ladder and of the file that must never reach the whole team.
PRIVATE_WORDS = ("Erinnerung", "Ermahnung", "Abmahnung", "Verstoß", "verstoss", "Deadline")


# -- helpers: what users do and see --------------------------------------------------------------
def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    """Type a command; return what the user sees (the ack's answer or the later reply)."""
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    if ack.body:
        return render(ack.json())
    return render(bot.slack.reply(key).args)


def drain(bot: BotUnderTest) -> None:
    """Send everything the outbox holds right now."""
    while bot.dispatch_outbox():
        pass


def is_review(call: Call) -> bool:
    return str(call.args.get("text", "")).startswith("VT-Stop-Prüfung")


def team_posts(bot: BotUnderTest) -> list[str]:
    drain(bot)
    return [
        render(c.args)
        for c in bot.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == TEAM_CHANNEL
    ]


def review_dms(bot: BotUnderTest) -> list[Call]:
    drain(bot)
    return [c for c in bot.fake.calls_to("chat.postMessage") if is_review(c)]


def review_rows(bot: BotUnderTest) -> int:
    """Review reminders ever queued in the outbox (sent or not), via a separate connection."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            query = (
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.purpose == "stop_review")
            )
            return session.scalar(query) or 0
    finally:
        engine.dispose()


def sweep_at(bot: BotUnderTest, clock: SettableClock, when: datetime) -> int:
    """Move the clock, run the app's sweep, send what it queued; return the reminders it queued.

    (The sweep also runs other jobs, such as the CG digest; only review reminders count here.)
    """
    clock.set(when)
    before = review_rows(bot)
    bot.runtime.sweep()
    queued = review_rows(bot) - before
    drain(bot)
    return queued


def buttons(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """action_id -> button element, for every button in the message."""
    found: dict[str, dict[str, Any]] = {}
    for block in payload.get("blocks") or []:
        if block.get("type") == "actions":
            for element in block["elements"]:
                found[element["action_id"]] = element
    return found


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    (found,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return found


def view_text(view: dict[str, Any]) -> str:
    return render({"blocks": view["blocks"]}) + "\n" + view["title"]["text"]


def click_to_modal(
    bot: BotUnderTest, action_id: str, value: str, user: str = ADMIN
) -> dict[str, Any]:
    """Click a button that opens a modal; return the view Slack was asked to open."""
    ack, key = bot.slack.click(action_id, value, user=user)
    assert ack.status == 200, ack
    calls = bot.fake.wait_for(
        "views.open", predicate=lambda c: c.args.get("trigger_id") == f"trigger-{key}"
    )
    return calls[0].args["view"]


def click_answer(
    bot: BotUnderTest, action_id: str, value: str, user: str = ADMIN
) -> tuple[dict[str, Any], str]:
    """Click a button that answers on its response_url (a refusal); returns (args, key)."""
    ack, key = bot.slack.click(action_id, value, user=user)
    assert ack.status == 200, ack
    return bot.slack.reply(key).args, key


def answers_to(bot: BotUnderTest, user: str) -> list[Call]:
    """DMs to ``user`` that are answers after a modal (not review reminders)."""
    return [
        c
        for c in bot.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == user and not is_review(c)
    ]


def submit_and_wait(
    bot: BotUnderTest, view: dict[str, Any], values: dict[str, Any], user: str = ADMIN
) -> str:
    """Submit an opened review modal; return the answer DM'd to the user afterwards."""
    before = len(answers_to(bot, user))
    ack = bot.slack.submit_view(
        view["callback_id"], values, user=user, metadata=view["private_metadata"]
    )
    assert ack.status == 200 and not ack.body, ack
    calls = bot.fake.wait_for(
        "chat.postMessage",
        count=before + 1,
        predicate=lambda c: c.args.get("channel") == user and not is_review(c),
    )
    return render(calls[before].args)


def field_errors(ack: HttpResult) -> dict[str, str]:
    assert ack.status == 200, ack
    body = ack.json() or {}
    assert body.get("response_action") == "errors", body
    return body["errors"]


def note(text: str) -> dict[str, Any]:
    return {"note": {"type": "plain_text_input", "value": text}}


def until(day: str) -> dict[str, Any]:
    return {"until": {"type": "datepicker", "selected_date": day}}


# -- helpers: what is stored ------------------------------------------------------------------
def stops(bot: BotUnderTest) -> list[SalesStop]:
    """Every sales_stops row, read through a separate connection."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return list(session.scalars(select(SalesStop).order_by(SalesStop.id)))
    finally:
        engine.dispose()


def assistant_row(bot: BotUnderTest, handle: str) -> Assistant:
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return session.scalars(select(Assistant).where(Assistant.handle == handle)).one()
    finally:
        engine.dispose()


def written(bot: BotUnderTest) -> tuple[int, int, int]:
    return count(bot, SalesStop), count(bot, OutboxMessage), count(bot, AuditEvent)


def snapshot(bot: BotUnderTest) -> list[tuple[Any, ...]]:
    return [
        (s.id, s.kind, s.until, s.set_by, s.review_at, s.review_reminders, s.lifted_at, s.lift_note)
        for s in stops(bot)
    ]


def reminded_stop(
    bot: BotUnderTest, clock: SettableClock, text: str, due: datetime, user: str = ADMIN
) -> dict[str, Any]:
    """Set a stop with ``text``, move to its due time and return the review DM's args."""
    assert "gesetzt" in say(bot, text, user=user)
    drain(bot)
    before = len(review_dms(bot))
    assert sweep_at(bot, clock, due) == 1
    dms = review_dms(bot)
    assert len(dms) == before + 1
    return dms[-1].args
