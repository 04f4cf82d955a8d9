"""The VPA manager in the loop: FYI, approvals with buttons, reminders, consultation."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from vpabot.policy.clock import SettableClock
from vpabot.storage.models import Assistant, OutboxMessage, SalesStop, Violation
from vpabot.bot.testing.fake_slack import Call
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, OUTSIDER, TEAM_CHANNEL, BotUnderTest
from vpabot.bot.testing.transcript import render
def case_id(value: str) -> int:
    return decode(CaseRef, value).violation_id


from vpabot.bot.payloads import CaseRef, HandleRef, decode, encode

T = TypeVar("T")
MANAGER_2 = "UMANAGER2"
THURSDAY_MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(THURSDAY_MORNING)


@pytest.fixture
def bot(db_url: str, clock: SettableClock) -> Iterator[BotUnderTest]:
    with BotUnderTest(db_url, clock=clock, manager_ids=frozenset({MANAGER, MANAGER_2})) as running:
        yield running


def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    return render(ack.json()) if ack.body else render(bot.slack.reply(key).args)


def dms(bot: BotUnderTest, user: str, method: str = "chat.postMessage") -> list[Call]:
    bot.dispatch_outbox()
    return [c for c in bot.fake.calls_to(method) if c.args.get("channel") == user]


def buttons(call: Call) -> dict[str, str]:
    return {
        element["action_id"]: element["value"]
        for block in call.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def row(bot: BotUnderTest, model: type, **where: object) -> object:
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            query = select(model).filter_by(**where)
            return session.scalars(query).one()
    finally:
        engine.dispose()


def climb_to(bot: BotUnderTest, step: int) -> None:
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
    return eventually(lambda: [c for c in dms(bot, user, method) if text in render(c.args)])


def wait_answer(bot: BotUnderTest, key: str) -> str:
    return render(bot.slack.reply(key).args)


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


# --- consultation --------------------------------------------------------------------------


def test_consultation_round_trip(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    sent = say(bot, "frage anna.m Reicht hier ein VT-Stop (Kunden)?", user=ADMIN_2)
    assert "an den VPA Manager geschickt" in sent
    (question,) = dms(bot, MANAGER)
    assert "Reicht hier ein VT-Stop (Kunden)?" in render(question.args)
    question_id = buttons(question)["consult_answer"]

    result, key = bot.slack.click("consult_answer", question_id, user=ADMIN)
    assert "nur die VPA Manager" in wait_answer(bot, key)

    click(bot, "consult_answer", question_id, MANAGER)
    view = bot.fake.wait_for("views.open")[-1].args["view"]
    assert view["callback_id"] == "answer_modal"
    bot.slack.submit_view(
        "answer_modal",
        {"answer": {"type": "plain_text_input", "value": "Ja, zwei Wochen Kunden-Stop."}},
        user=MANAGER,
        metadata=view["private_metadata"],
    )
    (answer,) = dm_containing(bot, ADMIN_2, "Antwort")
    assert "zwei Wochen Kunden-Stop" in render(answer.args)
    file = say(bot, "akte anna.m")
    assert "Reicht hier ein VT-Stop" in file and "zwei Wochen Kunden-Stop" in file


def test_violation_reply_offers_to_ask_the_manager(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    assert "[VPA Manager fragen]" in say(bot, "verstoss anna.m deadline deadline zu spät")
    click(bot, "consult_ask", encode(HandleRef("anna.m")), ADMIN)
    view = bot.fake.wait_for("views.open")[-1].args["view"]
    assert view["callback_id"] == "question_modal"
    assert json.dumps(view).count("anna.m") >= 1


# --- the ladder follows the manager's decisions --------------------------------------------


def test_rejecting_the_abmahnung_moves_a_pending_exclusion_down(bot: BotUnderTest) -> None:
    climb_to(bot, 4)  # step 3 and step 4 both wait for the manager; step 4 is attached to 3
    (request,) = [c for c in dms(bot, MANAGER) if buttons(c).get("approval_reject")]
    third = buttons(request)["approval_reject"]
    fourth = encode(CaseRef(case_id(third) + 1))
    click(bot, "approval_reject", third, MANAGER)
    view = bot.fake.wait_for("views.open")[-1].args["view"]
    bot.slack.submit_view(
        "reject_modal",
        {"reason_text": {"type": "plain_text_input", "value": "Beschwerde war unberechtigt"}},
        user=MANAGER,
        metadata=view["private_metadata"],
    )
    eventually(lambda: row(bot, Violation, id=case_id(fourth)).step == 3)
    assert row(bot, Violation, id=case_id(fourth)).state == "awaiting_approval"
    # ... and is now asked for on its own, as the Abmahnung it has become
    asked = eventually(lambda: [c for c in dms(bot, MANAGER) if buttons(c).get("approval_approve") == fourth])
    assert "3. Verstoß – Abmahnung" in render(asked[0].args)
    # approving it now is an Abmahnung, not an exclusion
    click(bot, "approval_approve", fourth, MANAGER)
    dm_containing(bot, ADMIN, "Freigegeben")
    assert row(bot, Assistant, handle="anna.m").status == "neu"


def test_approved_exclusion_settles_other_open_cases(bot: BotUnderTest) -> None:
    climb_to(bot, 4)
    (request,) = [c for c in dms(bot, MANAGER) if buttons(c).get("approval_approve")]
    third = buttons(request)["approval_approve"]
    fourth = encode(CaseRef(case_id(third) + 1))  # attached to the third; `/vpa offen` has it
    _ack, key = bot.slack.command("offen", user=MANAGER)
    listed = bot.slack.reply(key).args["blocks"]
    assert fourth in [e["value"] for b in listed if b["type"] == "actions" for e in b["elements"]]
    click(bot, "approval_approve", fourth, MANAGER)
    eventually(lambda: row(bot, Violation, id=case_id(third)).state == "settled")
    assert "keine offenen Freigaben" in say(bot, "offen", user=MANAGER)
    assert "keine Verstöße mehr" in say(bot, "verstoss anna.m deadline deadline noch einer")


def test_withdrawing_a_mistaken_violation_regrades_the_open_case(bot: BotUnderTest) -> None:
    climb_to(bot, 3)  # 1, 2 recorded; 3 waits for the manager
    (request,) = [c for c in dms(bot, MANAGER) if buttons(c).get("approval_approve")]
    third = case_id(buttons(request)["approval_approve"])
    first = third - 2
    assert "warum" in say(bot, f"zurueckziehen anna.m {first}")
    assert "keinen Verstoß #999" in say(bot, "zurueckziehen anna.m 999 falsche Person")
    assert "ist zurückgezogen" in say(bot, f"zurueckziehen anna.m #{first} war die falsche Anna")
    eventually(lambda: row(bot, Violation, id=third).state == "recorded")
    assert row(bot, Violation, id=third).step == 2  # an Ermahnung now, no approval needed
    (told,) = dm_containing(bot, ADMIN, "Neu eingestuft")
    assert "2. Verstoß – Ermahnung" in render(told.args) and "Hallo Anna" in render(told.args)
    file = say(bot, "akte anna.m")
    assert "zurückgezogen" in file and "war die falsche Anna" in file
    # the manager's request for #3 now says there is nothing left to decide
    (updated,) = dm_containing(bot, "D" + MANAGER, "Neu eingestuft", method="chat.update")
    shown = render(updated.args)
    assert "Keine Freigabe mehr nötig – 2. Verstoß – Ermahnung" in shown
    assert "Freigabe nötig –" not in shown.replace("Keine Freigabe mehr nötig –", "")
    assert not buttons(updated).get("approval_approve")
