"""Approval flood (issue 10, item 11): while a case waits for the VPA manager, further
violations of the same assistant are filed and attached to it: ONE message per manager,
updated with the count and list, instead of a new approval request for each.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.e2e.approvals_support import (
    MANAGER_2,
    buttons,
    case_id,
    climb_to,
    click,
    dms,
    eventually,
    row,
    say,
)
from tests.e2e.approvals_support import bot as bot, clock as clock  # noqa: F401 - fixtures
from vpabot.bot.payloads import CaseRef, encode
from vpabot.bot.testing.harness import MANAGER, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.clock import SettableClock
from vpabot.storage.models import Assistant, OutboxMessage, Violation

FURTHER = 17


def requests(bot: BotUnderTest, manager: str) -> list:
    return [c for c in dms(bot, manager) if buttons(c).get("approval_approve")]


def drain(bot: BotUnderTest) -> None:
    while bot.dispatch_outbox():
        pass


def count(bot: BotUnderTest, model: type, *where: object) -> int:
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    finally:
        engine.dispose()


def open_exclusion(bot: BotUnderTest) -> str:
    """Anna's 4th violation, an Ausschluss, waiting for the managers; returns its id."""
    climb_to(bot, 3)
    (abmahnung,) = requests(bot, MANAGER)
    click(bot, "approval_approve", buttons(abmahnung)["approval_approve"], MANAGER)
    eventually(
        lambda: (
            row(bot, Violation, id=case_id(buttons(abmahnung)["approval_approve"])).state == "approved"
        )
    )
    say(bot, "verstoss anna.m deadline deadline Verspätung Nummer 4")
    asked = eventually(
        lambda: [c for c in requests(bot, MANAGER) if "Ausschluss" in render(c.args)]
    )
    return buttons(asked[0])["approval_approve"]


def test_17_further_violations_update_one_message_per_manager(bot: BotUnderTest) -> None:
    exclusion = open_exclusion(bot)
    drain(bot)
    before = {m: len(requests(bot, m)) for m in (MANAGER, MANAGER_2)}

    for n in range(FURTHER):
        say(bot, f"verstoss anna.m kontakt kommunikation weiterer Vorfall {n + 1}")
    drain(bot)

    # every violation is in the file, waiting with the open case ...
    anna = row(bot, Assistant, handle="anna.m")
    assert (
        count(
            bot,
            Violation,
            Violation.assistant_id == anna.id,
            Violation.state == "awaiting_approval",
        )
        == 1 + FURTHER
    )
    # ... but no manager got a new request: their one message was updated instead
    assert {m: len(requests(bot, m)) for m in (MANAGER, MANAGER_2)} == before
    for manager in (MANAGER, MANAGER_2):
        updates = [
            c for c in bot.fake.calls_to("chat.update") if c.args["channel"] == "D" + manager
        ]
        assert 1 <= len(updates) <= FURTHER
        latest = render(updates[-1].args)
        assert f"seit diese Anfrage offen ist: {FURTHER}" in latest
        assert "weiterer Vorfall 1" in latest and "… und 7 weitere" in latest
        assert buttons(updates[-1])["approval_approve"] == exclusion  # still decidable there
    assert (
        count(bot, OutboxMessage, OutboxMessage.purpose == "approval_request") == 2 * 2
    )  # 3rd, 4th

    # approving the exclusion settles all 17: nothing more to decide, no new requests
    click(bot, "approval_approve", exclusion, MANAGER)
    eventually(lambda: row(bot, Assistant, handle="anna.m").status == "ausgeschlossen")
    drain(bot)
    assert (
        count(bot, Violation, Violation.assistant_id == anna.id, Violation.state == "settled")
        == FURTHER
    )
    assert {m: len(requests(bot, m)) for m in (MANAGER, MANAGER_2)} == before


def test_the_daily_reminder_is_one_per_manager_however_many_are_attached(
    bot: BotUnderTest, clock: SettableClock
) -> None:
    open_exclusion(bot)
    for n in range(3):
        say(bot, f"verstoss anna.m kontakt kommunikation weiterer Vorfall {n + 1}")
    drain(bot)
    before = len(requests(bot, MANAGER))
    clock.advance(timedelta(days=1))
    bot.runtime.sweep()
    drain(bot)
    reminders = requests(bot, MANAGER)[before:]
    assert len(reminders) == 1
    assert "seit diese Anfrage offen ist: 3" in render(reminders[0].args)


def test_rejecting_the_open_case_asks_for_the_next_with_the_rest_attached(
    bot: BotUnderTest,
) -> None:
    exclusion = open_exclusion(bot)
    for n in range(3):
        say(bot, f"verstoss anna.m kontakt kommunikation weiterer Vorfall {n + 1}")
    drain(bot)
    before = len(requests(bot, MANAGER))
    click(bot, "approval_reject", exclusion, MANAGER)
    view = bot.fake.wait_for("views.open")[-1].args["view"]
    bot.slack.submit_view(
        "reject_modal",
        {"reason_text": {"type": "plain_text_input", "value": "war ein Missverständnis"}},
        user=MANAGER,
        metadata=view["private_metadata"],
    )
    asked = eventually(lambda: requests(bot, MANAGER)[before:])
    assert len(asked) == 1
    assert buttons(asked[0])["approval_approve"] == encode(CaseRef(case_id(exclusion) + 1))
    assert "seit diese Anfrage offen ist: 2" in render(asked[0].args)
