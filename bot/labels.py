"""Words for stored values (steps, states, statuses, sources) in the reader's language.

Not Block Kit: use cases build text with them too (the one-line history of a case, a pick
list's label, a refusal naming a status), so they live below both services and blocks.
"""

from __future__ import annotations

from enum import StrEnum

from vpabot.bot.i18n import Translator
from vpabot.bot.mrkdwn import escape


def stored_label(t: Translator, prefix: str, value: StrEnum | str) -> str:
    """The words for ``value`` (message ``prefix.value``); a value this version has no words
    for (stored by a newer version before a rollback, or by hand) shows as stored, escaped,
    so one such row does not take the whole view down (``storage.models.base.StoredEnum``)."""
    key = f"{prefix}.{value}"
    return t(key) if t.has(key) else escape(str(value))


def step_label(t: Translator, step: int | None, severe: bool) -> str:
    if severe or step is None:
        return t("step.severe")
    return t("step.headline", step=step, label=t(f"step.{step}"))


def state_label(t: Translator, state: str) -> str:
    return stored_label(t, "state", state)


def status_label(t: Translator, status: str) -> str:
    return stored_label(t, "status", status)


def source_label(t: Translator, source: str) -> str:
    return stored_label(t, "source", source)
