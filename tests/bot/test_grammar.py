"""Tests for the ``/vpa`` grammar: German subcommands first, English aliases second.

    /vpa verstoss <handle> <quelle> <tag> [schwer] <notiz …>
    /vpa notiz <handle> <text …>
    /vpa akte <handle>
    /vpa assistent neu <handle> <Name …>
    /vpa hilfe
"""

from __future__ import annotations

from datetime import date

import pytest

from vpabot.bot.commands.grammar import (
    AddAssistant,
    AddNote,
    Command,
    LogViolation,
    OpenFile,
    OpenModal,
    ShowHelp,
    parse,
)
from vpabot.policy.catalogue import DEFAULT_TAGS, Source
from vpabot.policy.errors import PolicyError

QUALITY = DEFAULT_TAGS.parse("qualitaet")
SELF_PROMOTION = DEFAULT_TAGS.parse("eigenwerbung")
CONTRACT = DEFAULT_TAGS.parse("vertragsinhalte")


def run(text: str) -> Command:
    return parse(text, DEFAULT_TAGS, today=date(2026, 11, 26))


def refusal(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        run(text)
    return caught.value


def violation(
    note: str = "Kunde bemängelt Tippfehler",
    *,
    tag=QUALITY,  # type: ignore[no-untyped-def]
    source: Source = Source.COMPLAINT,
    severe: bool = False,
    word: str = "",
) -> LogViolation:
    return LogViolation(
        handle="anna.m", source=source, tag=tag, severe=severe, note=note, severe_word=word
    )


# --- each subcommand in German and English ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # help
        pytest.param("hilfe", ShowHelp(), id="hilfe"),
        pytest.param("help", ShowHelp(), id="help"),
        pytest.param("HILFE", ShowHelp(), id="HILFE upper case"),
        pytest.param("", ShowHelp(), id="empty text shows help"),
        pytest.param("   ", ShowHelp(), id="blank text shows help"),
        # assistant
        pytest.param(
            "assistent neu anna.m Anna Müller",
            AddAssistant(handle="anna.m", name="Anna Müller"),
            id="assistent neu",
        ),
        pytest.param(
            "assistant new anna.m Anna Müller",
            AddAssistant(handle="anna.m", name="Anna Müller"),
            id="assistant new",
        ),
        pytest.param(
            "Assistent Neu anna.m Anna", AddAssistant(handle="anna.m", name="Anna"), id="capitals"
        ),
        # violation
        pytest.param(
            "verstoss anna.m beschwerde qualitaet Kunde bemängelt Tippfehler",
            violation(),
            id="verstoss",
        ),
        pytest.param(
            "verstoß anna.m beschwerde qualitaet Kunde bemängelt Tippfehler",
            violation(),
            id="verstoß with sharp s",
        ),
        pytest.param(
            "Verstoß anna.m Beschwerde Qualität Kunde bemängelt Tippfehler",
            violation(),
            id="Verstoß capitalised with umlauts",
        ),
        pytest.param(
            "violation anna.m complaint quality Kunde bemängelt Tippfehler",
            violation(),
            id="violation (English words throughout)",
        ),
        # note
        pytest.param(
            "notiz anna.m war heute sehr hilfsbereit",
            AddNote(handle="anna.m", text="war heute sehr hilfsbereit"),
            id="notiz",
        ),
        pytest.param(
            "note anna.m very helpful today",
            AddNote(handle="anna.m", text="very helpful today"),
            id="note",
        ),
        # file
        pytest.param("akte anna.m", OpenFile(handle="anna.m"), id="akte"),
        pytest.param("file anna.m", OpenFile(handle="anna.m"), id="file"),
    ],
)
def test_subcommands(text: str, expected: Command) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "modal"),
    [
        pytest.param("verstoss", "violation", id="verstoss"),
        pytest.param("verstoß", "violation", id="verstoß"),
        pytest.param("violation", "violation", id="violation"),
        pytest.param("notiz", "note", id="notiz"),
        pytest.param("note", "note", id="note"),
        pytest.param("assistent neu", "assistant", id="assistent neu"),
        pytest.param("assistant new", "assistant", id="assistant new"),
        pytest.param("  verstoss  ", "violation", id="surrounding blanks"),
    ],
)
def test_no_arguments_open_the_modal(text: str, modal: str) -> None:
    assert run(text) == OpenModal(modal)


# --- severity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "verstoss anna.m beschwerde qualitaet schwer Kunde bemängelt Tippfehler",
            violation(severe=True, word="schwer"),
            id="schwer",
        ),
        pytest.param(
            "verstoss anna.m beschwerde qualitaet SCHWER Kunde bemängelt Tippfehler",
            violation(severe=True, word="SCHWER"),
            id="SCHWER upper case",
        ),
        pytest.param(
            "violation anna.m complaint quality severe Kunde bemängelt Tippfehler",
            violation(severe=True, word="severe"),
            id="severe",
        ),
        pytest.param(
            "verstoss anna.m beschwerde qualitaet gravierend Kunde bemängelt Tippfehler",
            violation(severe=True, word="gravierend"),
            id="gravierend",
        ),
        pytest.param(
            "verstoss anna.m kontakt eigenwerbung bietet Kunden eigene Agentur an",
            violation(
                "bietet Kunden eigene Agentur an",
                tag=SELF_PROMOTION,
                source=Source.CONTACT,
                severe=True,
            ),
            id="severe tag eigenwerbung implies severe",
        ),
        pytest.param(
            "verstoss anna.m beschwerde vertrag nannte dem Kunden ihren Stundensatz",
            violation("nannte dem Kunden ihren Stundensatz", tag=CONTRACT, severe=True),
            id="severe tag vertragsinhalte implies severe",
        ),
        pytest.param(
            "verstoss anna.m beschwerde eigenwerbung schwer Flyer verteilt",
            violation("Flyer verteilt", tag=SELF_PROMOTION, severe=True),
            id="severe tag plus schwer: word not kept in note",
        ),
        pytest.param(
            "verstoss anna.m beschwerde qualitaet Kunde sagt es war schwer",
            violation("Kunde sagt es war schwer", severe=False),
            id="schwer later in the note is just a word",
        ),
    ],
)
def test_severity(text: str, expected: LogViolation) -> None:
    assert run(text) == expected


# --- notes keep their words -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "note"),
    [
        pytest.param(
            "verstoss anna.m beschwerde qualitaet  Kunde   bemängelt\tTippfehler ",
            "Kunde bemängelt Tippfehler",
            id="violation note: runs of blanks become one space",
        ),
        pytest.param(
            "verstoss anna.m beschwerde qualitaet 3 Fehler, 2 davon (!) im Angebot.",
            "3 Fehler, 2 davon (!) im Angebot.",
            id="violation note: punctuation kept",
        ),
    ],
)
def test_violation_note_words_are_joined_by_single_spaces(text: str, note: str) -> None:
    result = run(text)
    assert isinstance(result, LogViolation)
    assert result.note == note


def test_note_text_words_are_joined_by_single_spaces() -> None:
    assert run("notiz  anna.m   sehr   freundlich\n am Telefon") == AddNote(
        handle="anna.m", text="sehr freundlich am Telefon"
    )


def test_assistant_name_words_are_joined_by_single_spaces() -> None:
    assert run("assistent neu anna.m  Anna   Maria Müller") == AddAssistant(
        handle="anna.m", name="Anna Maria Müller"
    )


# --- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("verstoss anna.m beschwerde", "usage_violation", id="verstoss: no tag"),
        pytest.param("violation anna.m complaint", "usage_violation", id="violation: no tag"),
        pytest.param("verstoss anna.m beschwerde qualitaet", "note_missing", id="no note"),
        pytest.param(
            "verstoss anna.m beschwerde qualitaet schwer", "note_missing", id="schwer but no note"
        ),
        pytest.param(
            "violation anna.m complaint quality severe", "note_missing", id="severe, no note"
        ),
        pytest.param("akte", "usage_file", id="akte: no handle"),
        pytest.param("file", "usage_file", id="file: no handle"),
        pytest.param("assistent", "usage_assistant", id="assistent without neu"),
        pytest.param("assistant", "usage_assistant", id="assistant without new"),
        pytest.param("assistent anna.m Anna", "usage_assistant", id="assistent: neu missing"),
        pytest.param("assistent neu anna.m", "usage_assistant", id="assistent neu: no name"),
        pytest.param("assistant new anna.m", "usage_assistant", id="assistant new: no name"),
        pytest.param("stornieren anna.m", "unknown_command", id="unknown subcommand"),
        pytest.param("verstösse anna.m", "unknown_command_suggest", id="near miss: a suggestion"),
        pytest.param(
            "verstoss anna.m dashboard qualitaet note", "unknown_source", id="bad source"
        ),
        pytest.param(
            "verstoss anna.m beschwerde puenktlichkeit note", "unknown_tag", id="bad tag"
        ),
    ],
)
def test_refusals(text: str, code: str) -> None:
    assert refusal(text).code == code


def test_unknown_command_names_the_word_as_typed() -> None:
    assert refusal("Stopp anna.m").params == {"word": "Stopp", "suggestion": "stop"}
    assert refusal("asistent neu anna.m").code == "unknown_command_suggest"
    assert refusal("xyz anna.m").params == {"word": "xyz"}


def test_bad_source_names_the_word_and_the_valid_sources() -> None:
    error = refusal("verstoss anna.m Dashboard qualitaet note")
    assert error.params["word"] == "Dashboard"
    assert "beschwerde" in error.params["valid"].split(", ")


def test_bad_tag_names_the_word_and_the_valid_tags() -> None:
    error = refusal("verstoss anna.m beschwerde Puenktlichkeit note")
    assert error.params["word"] == "Puenktlichkeit"
    assert "qualitaet" in error.params["valid"].split(", ")


def test_source_is_checked_before_tag() -> None:
    assert refusal("verstoss anna.m dashboard puenktlichkeit note").code == "unknown_source"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("verstoss anna.m", OpenModal("violation", handle="anna.m"), id="verstoss"),
        pytest.param("violation anna.m", OpenModal("violation", handle="anna.m"), id="violation"),
        pytest.param("notiz anna.m", OpenModal("note", handle="anna.m"), id="notiz"),
        pytest.param("stop anna.m", OpenModal("stop", handle="anna.m"), id="stop"),
    ],
)
def test_the_handle_alone_opens_the_form_with_the_assistant_chosen(text: str, expected: OpenModal) -> None:
    assert run(text) == expected
