"""German that reads like the team writes (issue 12): one speaker, names, no double or raw words."""

from __future__ import annotations

import re

import pytest

from vpabot.bot.blocks.admin import build_admin_outcome
from vpabot.bot.blocks.replies import error_text
from vpabot.bot.blocks.stops import build_announcement
from vpabot.bot.i18n import ASSISTANT_FACING_PREFIX, LANGUAGES, Translator, catalogue
from vpabot.bot.results.cases import Case
from vpabot.bot.testing.transcript import render
from vpabot.policy.errors import PolicyError
from vpabot.policy.stops import StopKind

# The bot never speaks as "ich"; the team's "wir" in drafts and policy lines is another voice.
FIRST_PERSON = {
    "de": re.compile(r"\b(?:ich|mich|mir|mein|meine[mnrs]?)\b", re.IGNORECASE),
    "en": re.compile(r"\b(?:I|me|my|I'm|I'll)\b"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_bot_never_says_i(lang: str) -> None:
    said = {
        key: text
        for key, text in catalogue(lang).items()
        if not key.startswith(ASSISTANT_FACING_PREFIX) and FIRST_PERSON[lang].search(text)
    }
    assert not said


def test_no_message_circles_around_a_name_it_could_use() -> None:
    clumsy = [k for k, v in catalogue("de").items() if "bzw. dem Assistenten" in v or "bzw. der Assistent" in v]
    assert not clumsy


def case(step: int | None, severe: bool = False) -> Case:
    return Case(1, "anna.m", "Anna Müller", step, severe, "Qualität", "beschwerde", "n", "U1", "")


@pytest.mark.parametrize(("step", "severe"), [(4, False), (None, True)])
def test_approving_an_ending_does_not_talk_about_the_word_abmahnung(step: int | None, severe: bool) -> None:
    text = render(build_admin_outcome(Translator("de"), case(step, severe), approved=True, by="U9", reason=None))
    assert "Abmahnung" not in text
    assert "Du kannst jetzt mit Anna Müller sprechen" in text


def test_approving_an_abmahnung_says_the_draft_avoids_the_word() -> None:
    text = render(build_admin_outcome(Translator("de"), case(3), approved=True, by="U9", reason=None))
    assert "ohne das Wort „Abmahnung“" in text and "mit Anna Müller sprechen" in text


@pytest.mark.parametrize(("lang", "label"), [("de", "Status: gekündigt"), ("en", "status: resigned")])
def test_a_status_in_an_error_is_the_label_not_the_code(lang: str, label: str) -> None:
    text = error_text(Translator(lang), PolicyError("assistant_closed", status="gekuendigt"))
    assert label in text and "gekuendigt" not in text


def test_an_open_ended_stop_says_so_once() -> None:
    payload = build_announcement(
        Translator("de"), action="set", name="Anna", handle="anna.m", kind=StopKind.FULL, until=None, by="U1"
    )
    assert render(payload).count("unbefristet") == 1
