"""The assistant picker's answer: options, and a label when more matched than are shown."""

from __future__ import annotations

from vpabot.bot.blocks.modals import build_assistant_choices
from vpabot.bot.i18n import Translator


def test_a_short_list_is_plain_options() -> None:
    answer = build_assistant_choices(Translator("de"), [("anna.m", "Anna Müller")], more=False)
    assert [o["value"] for o in answer["options"]] == ["anna.m"]


def test_more_matches_are_announced_not_counted() -> None:
    pairs = [("anna.m", "Anna Müller"), ("anne.b", "Anne Berg")]
    for lang, text in (("de", "Mehr als 2 Treffer – bitte weiter tippen"), ("en", "More than 2 matches – keep typing")):
        (group,) = build_assistant_choices(Translator(lang), pairs, more=True)["option_groups"]
        assert group["label"]["text"] == text
        assert [o["value"] for o in group["options"]] == ["anna.m", "anne.b"]
