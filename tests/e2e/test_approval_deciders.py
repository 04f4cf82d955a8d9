"""Approvals: only a VPA manager decides, and a case is decided once, however the clicks race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.e2e.approvals_support import (
    MANAGER_2,
    buttons,
    case_id,
    climb_to,
    click,
    dm_containing,
    dms,
    row,
    wait_answer,
)
from tests.e2e.approvals_support import bot as bot, clock as clock  # noqa: F401 - fixtures
from vpabot.storage.models import OutboxMessage, Violation
from vpabot.bot.testing.harness import ADMIN, MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render


# --- who may decide, and only once ---------------------------------------------------------


@pytest.mark.parametrize("user", [ADMIN, OUTSIDER])
def test_only_a_manager_can_decide(bot: BotUnderTest, user: str) -> None:
    climb_to(bot, 3)
    (request,) = [c for c in dms(bot, MANAGER) if buttons(c).get("approval_approve")]
    violation_id = buttons(request)["approval_approve"]
    result, key = bot.slack.click("approval_approve", violation_id, user=user)
    assert "nur die VPA Manager" in wait_answer(bot, key)
    assert row(bot, Violation, id=case_id(violation_id)).state == "awaiting_approval"


def test_second_click_and_other_manager_change_nothing_and_say_who_decided(bot: BotUnderTest) -> None:
    climb_to(bot, 3)
    (request,) = [c for c in dms(bot, MANAGER) if buttons(c).get("approval_approve")]
    violation_id = buttons(request)["approval_approve"]
    click(bot, "approval_approve", violation_id, MANAGER)
    dm_containing(bot, ADMIN, "Freigegeben")
    for user in (MANAGER, MANAGER_2):
        result, key = bot.slack.click("approval_reject", violation_id, user=user)
        answer = wait_answer(bot, key)
        assert "Schon entschieden: freigegeben von @UMANAGER1" in answer
    assert row(bot, Violation, id=case_id(violation_id)).state == "approved"
    assert len([c for c in dms(bot, ADMIN) if "Freigegeben" in render(c.args)]) == 1


def test_two_managers_racing_give_one_decision(bot: BotUnderTest) -> None:
    climb_to(bot, 3)
    (request,) = [c for c in dms(bot, MANAGER) if buttons(c).get("approval_approve")]
    violation_id = buttons(request)["approval_approve"]
    barrier = threading.Barrier(2)
    keys: list[str] = []

    def race(user: str) -> None:
        barrier.wait()
        _result, key = bot.slack.click("approval_approve", violation_id, user=user)
        keys.append(key)

    threads = [threading.Thread(target=race, args=(m,)) for m in (MANAGER, MANAGER_2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    late = bot.fake.wait_for("response_url", timeout=10, predicate=lambda c: c.args.get("_key") in keys)
    assert len(late) == 1 and "Schon entschieden" in render(late[0].args)
    assert row(bot, Violation, id=case_id(violation_id)).state == "approved"
    engine = create_engine(bot.settings.database_url)
    with Session(engine) as session:
        admin_dms = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "approval_admin")).all()
    engine.dispose()
    assert len(admin_dms) == 1
