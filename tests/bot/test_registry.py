"""Every command the grammar and the clicks define has exactly one handler once the Slack
surface is imported, and a stored command's type name finds its class."""

from __future__ import annotations

import vpabot.bot.listeners  # noqa: F401 - registers every handler
from vpabot.bot.interactions.registry import HANDLERS, command_types


def test_every_command_has_a_handler() -> None:
    assert set(command_types().values()) == set(HANDLERS)
    assert "LogViolation" in command_types() and "FileMessage" in command_types()
