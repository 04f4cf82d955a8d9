"""Approvals: the violation ladder follows the manager's decisions and withdrawals."""

from __future__ import annotations

from tests.e2e.approvals_support import (
    buttons,
    case_id,
    climb_to,
    click,
    dm_containing,
    dms,
    eventually,
    row,
    say,
)
from tests.e2e.approvals_support import bot as bot, clock as clock  # noqa: F401 - fixtures
from vpabot.storage.models import Assistant, Violation
from vpabot.bot.testing.harness import ADMIN, MANAGER, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.bot.payloads import CaseRef, encode


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
