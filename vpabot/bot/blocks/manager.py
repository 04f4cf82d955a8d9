"""Messages to the VPA managers."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from vpabot.bot.blocks.common import button, context, escape, message, section, user
from vpabot.bot.blocks.labels import source_label, step_label
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action


def build_ermahnung_fyi(
    t: Translator,
    *,
    handle: str,
    name: str,
    tag: str,
    source: str,
    note: str,
    logged_by: str,
    history: str,
) -> dict[str, Any]:
    """Rule 4: the manager is informed of every Ermahnung. No decision needed."""
    title = t("manager.fyi.title", name=name)
    blocks = [
        section(
            t(
                "manager.fyi.body",
                who=f"*{escape(name)}* (`{handle}`)",
                step=step_label(t, 2, False),
                tag=tag,
                source=source_label(t, source),
                by=user(logged_by),
                note=escape(note),
            )
        ),
        context(t("manager.fyi.history", history=history)),
        ActionsBlock(elements=[button(t("manager.open_file"), Action.OPEN_FILE, handle)]),
    ]
    return message(title, blocks)
