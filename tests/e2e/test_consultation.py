"""Consultation: an admin asks the VPA manager about an assistant and gets the answer by DM."""

from __future__ import annotations

import json

from tests.e2e.approvals_support import buttons, click, dm_containing, dms, say, wait_answer
from tests.e2e.approvals_support import bot as bot, clock as clock  # noqa: F401 - fixtures
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.bot.payloads import HandleRef, encode


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
