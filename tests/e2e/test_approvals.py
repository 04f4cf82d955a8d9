"""The VPA manager in the loop: FYI, approval requests with buttons, approving and rejecting,
reminders of pending requests and the list of open cases.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.e2e.approvals_support import (
    MANAGER_2,
    buttons,
    case_id,
    climb_to,
    click,
    dm_containing,
    dms,
    eventually,
    row,
    say,
    wait_answer,
)
from tests.e2e.approvals_support import bot as bot, clock as clock  # noqa: F401 - fixtures
from vpabot.policy.clock import SettableClock
from vpabot.storage.models import Assistant, SalesStop, Violation
from vpabot.bot.testing.harness import ADMIN, MANAGER, TEAM_CHANNEL, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.bot.payloads import CaseRef, encode


# --- FYI and requests ---------------------------------------------------------------------


def test_approval_request_reaches_every_manager_at_step_3(bot: BotUnderTest) -> None:
    climb_to(bot, 2)
    dms(bot, MANAGER)  # the Ermahnung FYI
    bot.fake.reset()
    reply = say(bot, "verstoss anna.m beschwerde qualitaet dritte Beschwerde")
    assert "Freigabe-Anfrage" in reply
    for manager in (MANAGER, MANAGER_2):
        (request,) = dms(bot, manager)
        text = render(request.args)
        assert "Freigabe nötig – 3. Verstoß – Abmahnung" in text and "dritte Beschwerde" in text
        assert set(buttons(request)) >= {"approval_approve", "approval_reject"}


@pytest.mark.parametrize("text", ["verstoss anna.m beschwerde eigenwerbung eigene Website"])
def test_severe_case_asks_for_approval_at_once(bot: BotUnderTest, text: str) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    say(bot, text)
    (request,) = dms(bot, MANAGER)
    assert "Gravierender Verstoß" in render(request.args)
    assert "endet die Zusammenarbeit sofort" in render(request.args)


# --- approve ------------------------------------------------------------------------------


def test_approved_abmahnung_gives_the_admin_a_draft_and_a_mitgeteilt_button(bot: BotUnderTest) -> None:
    climb_to(bot, 3)
    (request,) = [c for c in dms(bot, MANAGER) if "approval_approve" in buttons(c)]
    violation_id = buttons(request)["approval_approve"]

    click(bot, "approval_approve", violation_id, MANAGER)
    (outcome,) = dm_containing(bot, ADMIN, "Freigegeben")
    text = render(outcome.args)
    assert "Hallo Anna" in text and "Abmahnung" not in text.split("Entwurf –")[1]
    assert "communicated" in buttons(outcome)

    # every manager's request now shows the outcome, without buttons
    updates = eventually(lambda: len(bot.fake.calls_to("chat.update")) == 2 and bot.fake.calls_to("chat.update"))
    assert {c.args["channel"] for c in updates} == {"D" + MANAGER, "D" + MANAGER_2}
    assert all("Freigegeben" in render(c.args) and not buttons(c) for c in updates)

    result, key = bot.slack.click("communicated", violation_id, user=ADMIN)
    assert "Mitgeteilt am" in wait_answer(bot, key)
    assert row(bot, Violation, id=case_id(violation_id)).communicated_at is not None
    assert "Mitgeteilt am" in say(bot, "akte anna.m")
    # a forged "Mitgeteilt" on an Erinnerung (no approval, no button) says what is wrong
    reminder = encode(CaseRef(case_id(violation_id) - 2))
    _result, key = bot.slack.click("communicated", reminder, user=ADMIN)
    assert "nichts als „mitgeteilt“ zu markieren" in wait_answer(bot, key)


def test_approved_exclusion_ends_the_collaboration_and_announces_a_stop(bot: BotUnderTest) -> None:
    climb_to(bot, 4)
    # The exclusion waits attached to the open Abmahnung; once that is decided it is asked for.
    (abmahnung,) = [c for c in dms(bot, MANAGER) if buttons(c).get("approval_approve")]
    click(bot, "approval_approve", buttons(abmahnung)["approval_approve"], MANAGER)
    requests = eventually(
        lambda: [c for c in dms(bot, MANAGER) if "Ausschluss" in render(c.args) and buttons(c)]
    )
    click(bot, "approval_approve", buttons(requests[0])["approval_approve"], MANAGER)
    eventually(lambda: row(bot, Assistant, handle="anna.m").status == "ausgeschlossen")
    stop = row(bot, SalesStop, lifted_at=None)
    assert stop.kind == "voll" and stop.until is None and stop.review_at is None
    announcements = [render(c.args) for c in dm_containing(bot, TEAM_CHANNEL, "Anna")]
    assert any("Anna Müller" in a and "unbefristet" in a for a in announcements)
    assert not any("Verspätung" in a or "Ausschluss" in a for a in announcements)
    refused = say(bot, "verstoss anna.m deadline deadline noch eine")
    assert "keine Verstöße mehr" in refused


def test_approved_severe_case_terminates(bot: BotUnderTest) -> None:
    say(bot, "assistent neu ben.k Ben Krüger")
    say(bot, "verstoss ben.k kontakt vertragsinhalte hat mit Kunden über Preise gesprochen")
    (request,) = dms(bot, MANAGER)
    click(bot, "approval_approve", buttons(request)["approval_approve"], MANAGER_2)
    (outcome,) = dm_containing(bot, ADMIN, "Freigegeben")
    assert row(bot, Assistant, handle="ben.k").status == "beendet"
    assert "mit sofortiger Wirkung" in render(outcome.args)


# --- reject -------------------------------------------------------------------------------


def test_rejection_needs_a_reason_and_then_does_not_count(bot: BotUnderTest) -> None:
    climb_to(bot, 3)
    (request,) = [c for c in dms(bot, MANAGER) if buttons(c).get("approval_reject")]
    violation_id = buttons(request)["approval_reject"]
    click(bot, "approval_reject", violation_id, MANAGER)
    view = bot.fake.wait_for("views.open")[-1].args["view"]
    assert view["callback_id"] == "reject_modal"

    empty = bot.slack.submit_view(
        "reject_modal", {"reason_text": {"type": "plain_text_input", "value": "  "}}, user=MANAGER,
        metadata=view["private_metadata"],
    )
    assert empty.json()["response_action"] == "errors"
    assert row(bot, Violation, id=case_id(violation_id)).state == "awaiting_approval"

    done = bot.slack.submit_view(
        "reject_modal",
        {"reason_text": {"type": "plain_text_input", "value": "Kunde hat sich geirrt"}},
        user=MANAGER,
        metadata=view["private_metadata"],
    )
    assert done.status == 200 and not done.body
    (told,) = dm_containing(bot, ADMIN, "Nicht freigegeben")
    assert row(bot, Violation, id=case_id(violation_id)).state == "rejected"
    assert "Kunde hat sich geirrt" in render(told.args)
    assert "3. Verstoß – Abmahnung" in say(bot, "verstoss anna.m deadline deadline neuer Versuch")
    file = say(bot, "akte anna.m")
    assert "nicht freigegeben" in file and "Kunde hat sich geirrt" in file


# --- reminders, pending list ---------------------------------------------------------------


def test_pending_approval_is_reminded_next_working_day(bot: BotUnderTest, clock: SettableClock) -> None:
    climb_to(bot, 3)
    dms(bot, MANAGER)
    bot.fake.reset()
    assert bot.runtime.sweep() == 0
    clock.set(datetime(2026, 11, 27, 7, 59, tzinfo=timezone.utc))  # Fri 08:59 Berlin
    assert bot.runtime.sweep() == 0
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc))  # Fri 09:00 Berlin
    assert bot.runtime.sweep() == 1
    (reminder,) = dms(bot, MANAGER)
    assert "Erinnerung" in render(reminder.args) and "approval_approve" in buttons(reminder)
    clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc))  # Saturday
    assert bot.runtime.sweep() == 0
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc))  # Monday
    assert bot.runtime.sweep() == 1


def test_pending_list_shows_open_cases_with_buttons_for_managers(bot: BotUnderTest) -> None:
    assert "keine offenen Freigaben" in say(bot, "offen", user=MANAGER)
    climb_to(bot, 3)
    listed = say(bot, "offen", user=MANAGER)
    assert "Offene Freigaben: 1" in listed and "[Freigeben]" in listed
    assert "[Freigeben]" not in say(bot, "pending", user=ADMIN)
