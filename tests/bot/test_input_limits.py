"""User text on the way in (issue 10, items 2, 4 and 9): cleaned, measured, refused politely.

Every input named in the issue is here: a 10,000-character name, a 3,001-character note, a
NUL byte in a name, note, ``notiz`` or ``frage``, ``/vpa zurueckziehen fz.a
99999999999999999999999 grund``, and ``=HYPERLINK("http://x.example";"Lea") Sommer``.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select
from vpabot.bot.blocks.replies import error_text
from vpabot.bot.commands.grammar import (
    AddAssistant,
    AddNote,
    AskManager,
    LogViolation,
    Withdraw,
    parse,
)
from vpabot.bot.context import AppContext
from vpabot.bot.i18n import Translator
from vpabot.bot.payloads import CaseRef, decode
from vpabot.bot.services.assistants import add_assistant, checked_new_assistant
from vpabot.bot.services.consultations import ask_manager
from vpabot.bot.services.export import to_csv
from vpabot.bot.services.roster_csv import read_roster
from vpabot.bot.services.violations import add_note, log_violation
from vpabot.bot.testing.harness import ADMIN
from vpabot.policy.catalogue import DEFAULT_TAGS, Source
from vpabot.policy.errors import PolicyError
from vpabot.policy.text import (
    MAX_HANDLE,
    MAX_NAME,
    MAX_NUMBER,
    MAX_TEXT,
    clean,
    neutralise_cell,
    parse_number,
)
from vpabot.storage.models import Note, Violation

TODAY = date(2026, 11, 26)
FORMULA = '=HYPERLINK("http://x.example";"Lea") Sommer'


def run(text: str):  # type: ignore[no-untyped-def]
    return parse(text, DEFAULT_TAGS, today=TODAY)


def refusal(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        run(text)
    return caught.value


def german(error: PolicyError) -> str:
    return error_text(Translator("de"), error)


# -- control characters ---------------------------------------------------------------------


def test_clean_drops_nul_and_control_characters_but_keeps_newline_and_tab() -> None:
    assert clean("Na\x00me\x07 \x1b[31mrot\r\nzwei\tdrei\x7f\ud800") == "Name [31mrot\nzwei\tdrei"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assistent neu nul.x Na\x00me Mu\x00ster", AddAssistant("nul.x", "Name Muster")),
        ("notiz anna.m hat\x00 angerufen", AddNote("anna.m", "hat angerufen")),
        ("frage anna.m reicht\x00 ein Stop?", AskManager("anna.m", "reicht ein Stop?")),
    ],
)
def test_a_nul_byte_never_reaches_a_command(text: str, expected: object) -> None:
    assert run(text) == expected


def test_a_nul_byte_in_a_violation_note_is_dropped() -> None:
    command = run("verstoss anna.m kontakt kommunikation zu\x00 spät")
    assert isinstance(command, LogViolation) and command.note == "zu spät"


# -- numbers ----------------------------------------------------------------------------------


def test_the_issues_withdraw_number_is_too_large_not_an_overflow() -> None:
    error = refusal("zurueckziehen fz.a 99999999999999999999999 grund")
    assert error.code == "number_too_large"
    assert "zu groß" in german(error) and str(MAX_NUMBER) in german(error)


@pytest.mark.parametrize("word", [str(MAX_NUMBER + 1), "1" * 5000, "#" + "9" * 11])
def test_any_withdraw_number_out_of_range_is_too_large(word: str) -> None:
    assert refusal(f"zurueckziehen fz.a {word} grund").code == "number_too_large"


def test_the_largest_number_and_a_hash_still_work() -> None:
    assert run(f"zurueckziehen fz.a #{MAX_NUMBER} grund") == Withdraw("fz.a", MAX_NUMBER, "grund")


@pytest.mark.parametrize("word", ["²", "\u0661\u0662", "1e9", "-3"])
def test_a_number_that_is_not_ascii_digits_shows_the_usage(word: str) -> None:
    assert refusal(f"zurueckziehen fz.a {word} grund").code == "usage_withdraw"


@pytest.mark.parametrize(
    "text", ["stop anna.m voll 99999999999 Tage", "verlaengern anna.m 99999999999w"]
)
def test_a_typed_duration_out_of_range_says_a_year_is_the_limit(text: str) -> None:
    error = refusal(text)
    assert error.code == "date_duration_too_long" and error.params["max"] > date.today()
    assert "reicht weiter als ein Jahr. Bitte wähle spätestens den" in german(error)


def test_parse_number_refuses_a_5000_digit_word_without_int() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_number("9" * 5000, usage="usage_withdraw")
    assert caught.value.code == "number_too_large"


# -- lengths ----------------------------------------------------------------------------------

LONG = [
    ("assistent neu lang.x " + "N" * 10_000, "name_too_long", MAX_NAME),
    ("assistent neu lang.x " + "N" * (MAX_NAME + 1), "name_too_long", MAX_NAME),
    ("verstoss lena.k kontakt kommunikation " + "x" * (MAX_TEXT + 1), "text_too_long", MAX_TEXT),
    (
        "verstoss lena.k kontakt kommunikation schwer " + "x" * (MAX_TEXT + 1),
        "text_too_long",
        MAX_TEXT,
    ),
    ("notiz lena.k " + "x" * (MAX_TEXT + 1), "text_too_long", MAX_TEXT),
    ("frage lena.k " + "x" * (MAX_TEXT + 1), "text_too_long", MAX_TEXT),
    ("aufheben lena.k " + "x" * (MAX_TEXT + 1), "text_too_long", MAX_TEXT),
    ("stop lena.k voll 14t verstoss " + "x" * (MAX_TEXT + 1), "text_too_long", MAX_TEXT),
    ("zurueckziehen lena.k 3 " + "x" * (MAX_TEXT + 1), "text_too_long", MAX_TEXT),
    ("akte " + "h" * (MAX_HANDLE + 1), "handle_too_long", MAX_HANDLE),
]


@pytest.mark.parametrize(("text", "code", "limit"), LONG, ids=[c for _, c, _ in LONG])
def test_every_user_text_over_its_limit_is_refused_naming_the_limit(
    text: str, code: str, limit: int
) -> None:
    error = refusal(text)
    assert error.code == code
    message = german(error)
    assert f"höchstens {limit}" in message and "nichts" in message.lower()


def test_texts_at_their_limit_pass() -> None:
    assert isinstance(run("notiz lena.k " + "x" * MAX_TEXT), AddNote)
    assert isinstance(run("assistent neu lang.x " + "N" * MAX_NAME), AddAssistant)


def test_the_1960_character_severe_note_of_the_issue_is_within_the_limit() -> None:
    command = run("verstoss lena.k kontakt kommunikation schwer " + "x" * 1960)
    assert isinstance(command, LogViolation) and len(command.note) == 1960


# -- formulas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [FORMULA, "+49 Lea", "-Lea", "@Lea"])
def test_a_name_starting_like_a_formula_is_refused_typed_and_in_the_form(name: str) -> None:
    error = refusal(f"assistent neu lea.s {name}")
    assert error.code == "name_formula"
    assert "Formel" in german(error)
    with pytest.raises(PolicyError) as caught:
        checked_new_assistant("lea.s", name)
    assert caught.value.code == "name_formula"


def test_a_formula_name_or_a_nul_in_the_roster_csv() -> None:
    text = (
        "handle,name,joined_on,status\n"
        f'lea.s,"{FORMULA.replace(chr(34), chr(34) * 2)}",2026-01-01,aktiv\n'
        "nul.x,Na\x00me,2026-01-01,aktiv\n"
        f"lang.x,{'N' * (MAX_NAME + 1)},2026-01-01,aktiv\n"
    )
    rows, problems = read_roster(text, today=TODAY)
    assert [(p.line, p.code) for p in problems] == [(2, "name_formula"), (4, "name_too_long")]
    assert [r.name for r in rows] == ["Name"]


def test_csv_export_neutralises_cells_that_start_like_a_formula() -> None:
    record = {
        "handle": "lea.s", "name": FORMULA, "kind": "voll", "kind_label": "VT-Stop",
        "since": "2026-11-26", "until": None, "review_overdue": False,
    }  # fmt: skip
    (header, row) = list(csv.reader(io.StringIO(to_csv([record]))))
    assert row[1] == "'" + FORMULA
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise_cell(start + "x") == "'" + start + "x"
    assert neutralise_cell("Lea Sommer") == "Lea Sommer" and neutralise_cell(3) == 3


# -- the use cases ask again: no way in (a button, the CLI) stores more -----------------------


def test_use_cases_refuse_over_long_text_and_clean_control_characters(ctx: AppContext) -> None:
    add_assistant(ctx, actor=ADMIN, handle="lena.k", name="Lena Kraus")
    tag = DEFAULT_TAGS.parse("kommunikation")
    for write in (
        lambda text: log_violation(
            ctx,
            actor=ADMIN,
            handle="lena.k",
            source=Source.CONTACT,
            tag=tag,
            severe=True,
            note=text,
        ),
        lambda text: add_note(ctx, actor=ADMIN, handle="lena.k", text=text),
        lambda text: ask_manager(ctx, actor=ADMIN, handle="lena.k", question=text),
    ):
        with pytest.raises(PolicyError) as caught:
            write("x" * (MAX_TEXT + 1))
        assert caught.value.code == "text_too_long"
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Violation)) == 0
        assert session.scalar(select(func.count()).select_from(Note)) == 0
    add_note(ctx, actor=ADMIN, handle="lena.k", text="  Zeile\x00 eins\x1b  ")
    with ctx.sessions() as session:
        assert session.scalars(select(Note.text)).all() == ["Zeile eins"]


def test_an_id_in_a_button_value_past_the_integer_range_is_refused() -> None:
    # PostgreSQL's INTEGER ends at 2**31 - 1; SQLAlchemy casts the parameter, so a larger id
    # in a forged value was "integer out of range" (a DataError), not a polite refusal.
    assert decode(CaseRef, '{"violation_id": 2147483647}') == CaseRef(MAX_NUMBER)
    with pytest.raises(PolicyError) as caught:
        decode(CaseRef, '{"violation_id": 2147483648}')
    assert caught.value.code == "payload_invalid"
