"""'schwer' typed before a note: ask before a case goes to the manager as severe."""

from __future__ import annotations

import json
import secrets
from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from vpabot.bot.blocks.common import excerpt, button, escape, message, section
from vpabot.bot.i18n import Translator
from vpabot.bot.commands.grammar import LogViolation
from vpabot.bot.ids import Action


def encode_case(command: LogViolation) -> str:
    """Everything needed to log it later: nothing is written until the admin answers."""
    return json.dumps(
        {
            "h": command.handle,
            "s": command.source.value,
            "t": command.tag.key,
            "n": command.note,
            "w": command.severe_word,
            "k": secrets.token_hex(8),  # one answer per question, however often it is clicked
        },
        ensure_ascii=False,
    )


def build_severe_question(t: Translator, command: LogViolation) -> dict[str, Any]:
    value = encode_case(command)
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
