"""VT-Stops end to end by form: the stop modal offered after a violation or a new assistant,
opened without arguments, submitted, and refusing a past date next to the field."""

from __future__ import annotations

import json
import time
from datetime import date

from tests.e2e.stops_support import (
    block,
    buttons,
    click_to_modal,
    field_errors,
    note,
    stops,
    team_posts,
    until,
    view_text,
    written,
)
from tests.e2e.stops_support import clock as clock  # noqa: F401 - the fixture
from vpabot.bot.testing.harness import BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.bot.payloads import StopOpen, decode


def test_violation_reply_offers_a_prefilled_stop_form(anna: BotUnderTest) -> None:
    ack, key = anna.slack.command("verstoss anna.m deadline deadline Angebot zu spät")
    reply = anna.slack.reply(key).args
    stop_button = buttons(reply)["stop_open"]
    assert stop_button["text"]["text"] == "VT-Stop setzen"

    view = click_to_modal(anna, "stop_open", stop_button["value"])
    assert view["callback_id"] == "stop_modal"
    assert block(view, "assistant")["element"]["initial_option"]["value"] == "anna.m"
    assert block(view, "kind")["element"]["initial_option"]["value"] == "voll"
    assert block(view, "reason")["element"]["initial_option"]["value"] == "verstoss"
    assert (
        block(view, "violation")["element"]["initial_option"]["value"]
        == str(decode(StopOpen, stop_button["value"]).violation_id)
    )
    assert block(view, "until")["element"]["initial_date"] == "2026-12-14"
    text = view_text(view)
    assert "offen, wie lange der Stop dauert" in text and "keine Strafe" in text
    assert stops(anna) == []  # opening the form writes nothing


def test_new_assistant_reply_offers_an_onboarding_stop_form(bot: BotUnderTest) -> None:
    ack, key = bot.slack.command("assistent neu ben.k Ben Klein")
    reply = bot.slack.reply(key).args
    stop_button = buttons(reply)["stop_open"]
    assert stop_button["text"]["text"] == "VT-Stop (Kunden) setzen"
    view = click_to_modal(bot, "stop_open", stop_button["value"])
    assert block(view, "assistant")["element"]["initial_option"]["value"] == "ben.k"
    assert block(view, "kind")["element"]["initial_option"]["value"] == "kunden"
    assert block(view, "reason")["element"]["initial_option"]["value"] == "newbie"


def test_stop_without_arguments_opens_the_form(anna: BotUnderTest) -> None:
    ack, key = anna.slack.command("stop")
    assert ack.status == 200 and not ack.body
    (call,) = anna.fake.wait_for(
        "views.open", predicate=lambda c: c.args.get("trigger_id") == f"trigger-{key}"
    )
    view = call.args["view"]
    assert view["callback_id"] == "stop_modal"
    kinds = block(view, "kind")["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in kinds] == [
        ("voll", "VT-Stop"),
        ("kunden", "VT-Stop (Kunden)"),
    ]
    assert [o["description"]["text"] for o in kinds] == [
        "keine neuen Kunden und keine neuen Aufgaben",
        "keine neuen Kunden, einzelne zusätzliche Aufgaben sind möglich",
    ]
    reasons = [o["value"] for o in block(view, "reason")["element"]["options"]]
    assert reasons == ["verstoss", "newbie", "cg", "sonstiges"]
    assert json.loads(view["private_metadata"])["response_url"] == anna.fake.response_url(key)


def test_stop_set_by_modal_submission(anna: BotUnderTest) -> None:
    ack, key = anna.slack.command("verstoss anna.m deadline deadline Angebot zu spät")
    violation_value = buttons(anna.slack.reply(key).args)["stop_open"]["value"]
    violation_id = str(decode(StopOpen, violation_value).violation_id)
    view = click_to_modal(anna, "stop_open", violation_value)

    ack = anna.slack.submit_view(
        "stop_modal",
        {
            "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
            "kind": {"type": "radio_buttons", "selected_option": {"value": "kunden"}},
            **until("2026-12-18"),
            "reason": {"type": "static_select", "selected_option": {"value": "verstoss"}},
            "violation": {"type": "external_select", "selected_option": {"value": violation_id}},
            **note("Zeit zum Aufholen"),
        },
        metadata=view["private_metadata"],
    )
    assert ack.status == 200 and not ack.body, ack.body
    answer = render(
        anna.slack.reply(
            json.loads(view["private_metadata"])["response_url"].rsplit("/", 1)[1]
        ).args
    )
    assert "VT-Stop (Kunden) für *Anna Müller* (`anna.m`) gesetzt, bis 18.12.2026" in answer
    (row,) = stops(anna)
    assert (row.kind, row.until, row.reason, str(row.violation_id), row.note) == (
        "kunden",
        date(2026, 12, 18),
        "verstoss",
        violation_id,
        "Zeit zum Aufholen",
    )
    (post,) = team_posts(anna)
    assert "*VT-Stop (Kunden)*" in post and "bis 18.12.2026" in post
    assert "Zeit zum Aufholen" not in post and "Angebot zu spät" not in post


def test_stop_modal_refuses_a_past_date_next_to_the_field(anna: BotUnderTest) -> None:
    before = written(anna)
    ack = anna.slack.submit_view(
        "stop_modal",
        {
            "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
            "kind": {"type": "radio_buttons", "selected_option": {"value": "voll"}},
            **until("2026-11-29"),
            "reason": {"type": "static_select", "selected_option": {"value": "sonstiges"}},
        },
    )
    errors = field_errors(ack)
    assert set(errors) == {"until"} and "29.11.2026 liegt nicht in der Zukunft" in errors["until"]
    time.sleep(0.3)
    assert written(anna) == before
