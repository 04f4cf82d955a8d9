"""Replies about the roster: an assistant's status."""

from __future__ import annotations

from typing import Any

from vpabot.bot.blocks.common import who
from vpabot.bot.labels import status_label
from vpabot.bot.blocks.replies import build_notice
from vpabot.bot.i18n import Translator
from vpabot.bot.results.roster import StatusChange


def build_status_changed(t: Translator, change: StatusChange) -> dict[str, Any]:
    named = who(change.name, change.handle)
    after = status_label(t, change.after)
    if not change.changed:
        return build_notice(t("roster.status.unchanged", who=named, status=after))
    before = status_label(t, change.before)
    return build_notice(t("roster.status.changed", who=named, before=before, after=after))
