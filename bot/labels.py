"""Words for stored values (steps, states, statuses, sources) in the reader's language.

Not Block Kit: use cases build text with them too (the one-line history of a case, a pick
list's label, a refusal naming a status), so they live below both services and blocks.
"""

from __future__ import annotations

from vpabot.bot.i18n import Translator


def step_label(t: Translator, step: int | None, severe: bool) -> str:
    if severe or step is None:
        return t("step.severe")
    return t("step.headline", step=step, label=t(f"step.{step}"))


def state_label(t: Translator, state: str) -> str:
    return t(f"state.{state}")


def status_label(t: Translator, status: str) -> str:
    return t(f"status.{status}")


def source_label(t: Translator, source: str) -> str:
    return t(f"source.{source}")
