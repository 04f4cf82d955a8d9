"""'schwer' typed before a note: ask before a case goes to the manager as severe."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from vpabot.bot.blocks.common import button, escape, excerpt, message, section
from vpabot.bot.commands.grammar import LogViolation
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action
from vpabot.bot.payloads import SevereRef


def build_severe_question(t: Translator, command: LogViolation, *, question_id: int) -> dict[str, Any]:
    """The question with two buttons; they carry the stored question's id, not the case."""
    value = SevereRef(question_id)
    text = t("severe.confirm", word=escape(command.severe_word))
    blocks = [
        section(text),
        section(f"> {escape(command.severe_word)} {excerpt(command.note)}"),
        ActionsBlock(
            elements=[
                button(t("severe.yes"), Action.SEVERE_CONFIRM, value, style="danger"),
                button(t("severe.no"), Action.SEVERE_DECLINE, value),
            ]
        ),
    ]
    return message(text, blocks)
