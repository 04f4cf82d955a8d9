"""Bad user text over signed HTTP on SQLite and PostgreSQL (issue 10, items 2, 4 and 9).

Each answer is a polite German refusal (or the cleaned text is stored), never a 5xx and never
a database error: before, a NUL byte was a PostgreSQL DataError, the 23-digit number an
integer overflow, and a 10,000-character name passed SQLite but crashed PostgreSQL.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.e2e.conftest import count, written
from vpabot.bot.testing.harness import ADMIN, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.text import MAX_TEXT
from vpabot.storage.models import Assistant, Note, Violation

FORMULA = '=HYPERLINK("http://x.example";"Lea") Sommer'


def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    return render(ack.json()) if ack.body else render(bot.slack.reply(key).args)


def stored(bot: BotUnderTest, column: object) -> list[object]:
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(column)))
    finally:
        engine.dispose()


def test_nul_bytes_are_dropped_from_name_note_notiz_and_frage(bot: BotUnderTest) -> None:
    assert "angelegt" in say(bot, "assistent neu nul.x Na\x00me Mu\x00ster")
    say(bot, "verstoss nul.x kontakt kommunikation zu\x00 spät")
    say(bot, "notiz nul.x hat\x00 angerufen")
    assert "VPA Manager" in say(bot, "frage nul.x reicht\x00 ein Stop?")
    assert stored(bot, Assistant.name) == ["Name Muster"]
    assert stored(bot, Violation.note) == ["zu spät"]
    assert sorted(stored(bot, Note.text)) == ["hat angerufen", "reicht ein Stop?"]


def test_the_23_digit_withdraw_number_is_a_polite_refusal(anna: BotUnderTest) -> None:
    say(anna, "verstoss anna.m deadline deadline zu spät")
    before = written(anna)
    answer = say(anna, "zurueckziehen anna.m 99999999999999999999999 grund")
    assert "zu groß" in answer and "höchstens" in answer
    assert written(anna) == before


def test_a_10000_character_name_is_refused_on_both_databases(bot: BotUnderTest) -> None:
    answer = say(bot, "assistent neu lang.x " + "N" * 10_000)
    assert "höchstens 100" in answer
    assert count(bot, Assistant) == 0


def test_a_formula_name_is_refused_typed_and_in_the_form(bot: BotUnderTest) -> None:
    assert "Formel" in say(bot, f"assistent neu lea.s {FORMULA}")
    result = bot.slack.submit_view(
        "assistant_modal",
        {
            "handle": {"type": "plain_text_input", "value": "lea.s"},
            "name": {"type": "plain_text_input", "value": FORMULA},
        },
    )
    assert result.status == 200
    errors = result.json()["errors"]
    assert list(errors) == ["name"] and "Formel" in errors["name"]
    assert count(bot, Assistant) == 0


def test_a_form_note_over_the_limit_is_shown_next_to_the_note(anna: BotUnderTest) -> None:
    before = written(anna)
    result = anna.slack.submit_view(
        "violation_modal",
        {
            "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
            "source": {"type": "static_select", "selected_option": {"value": "kontakt"}},
            "tag": {"type": "static_select", "selected_option": {"value": "kommunikation"}},
            "note": {"type": "plain_text_input", "value": "x" * (MAX_TEXT + 1)},
        },
    )
    assert result.status == 200
    errors = result.json()["errors"]
    assert list(errors) == ["note"] and f"höchstens {MAX_TEXT}" in errors["note"]
    assert written(anna) == before


def test_a_forged_violation_number_in_the_stop_form_is_refused(anna: BotUnderTest) -> None:
    result = anna.slack.submit_view(
        "stop_modal",
        {
            "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
            "kind": {"type": "radio_buttons", "selected_option": {"value": "voll"}},
            "until": {"type": "datepicker", "selected_date": "2026-12-10"},
            "reason": {"type": "static_select", "selected_option": {"value": "verstoss"}},
            "violation": {"type": "external_select", "selected_option": {"value": "9" * 23}},
        },
    )
    assert result.status == 200
    errors = result.json()["errors"]
    assert list(errors) == ["violation"] and "zu groß" in errors["violation"]


def test_a_nul_byte_in_a_form_note_is_dropped(anna: BotUnderTest) -> None:
    result = anna.slack.submit_view(
        "note_modal",
        {
            "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
            "note": {"type": "plain_text_input", "value": "Zeile\x00 eins\r\nZeile zwei"},
        },
    )
    assert result.status == 200
    deadline = time.monotonic() + 10  # the note is written by the lazy half, after the ack
    while not stored(anna, Note.text) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored(anna, Note.text) == ["Zeile eins\nZeile zwei"]


def test_a_form_of_an_unforeseen_shape_says_so_instead_of_closing_as_saved(
    anna: BotUnderTest,
) -> None:
    before = written(anna)
    result = anna.slack.submit_view(
        "note_modal",
        {
            "assistant": {"type": "external_select", "selected_option": "anna.m"},  # not an object
            "note": {"type": "plain_text_input", "value": "Notiz"},
        },
    )
    assert result.status == 200
    answer = result.json()
    assert answer["response_action"] == "update"
    assert "ließ sich nicht lesen; gespeichert wurde nichts" in json.dumps(
        answer["view"], ensure_ascii=False
    )
    time.sleep(0.3)
    assert written(anna) == before


def test_text_slack_escaped_on_the_way_in_is_stored_as_typed(anna: BotUnderTest) -> None:
    """Slack sends a command's ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;``, ``&gt;``; the
    harness does the same. What the admin typed is stored, and shown escaped exactly once."""
    _ack, key = anna.slack.command("notiz anna.m Antwortzeit > 24 h & Kunde <wartet>")
    reply = anna.slack.reply(key).args
    deadline = time.monotonic() + 10
    while not stored(anna, Note.text) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored(anna, Note.text) == ["Antwortzeit > 24 h & Kunde <wartet>"]
    file = anna.slack.command("akte anna.m")[1]
    shown = json.dumps(anna.slack.reply(file).args, ensure_ascii=False)
    assert "Antwortzeit &gt; 24 h &amp; Kunde &lt;wartet&gt;" in shown and "&amp;gt;" not in shown
    assert "&amp;amp;" not in json.dumps(reply, ensure_ascii=False)
