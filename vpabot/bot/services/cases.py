"""A violation as the VPA manager sees it: the case, with the file in one line."""

from __future__ import annotations

from dataclasses import dataclass

from vpabot.bot.blocks.common import fmt_date
from vpabot.bot.blocks.labels import state_label, step_label
from vpabot.bot.context import AppContext
from vpabot.storage.models import Violation


@dataclass(frozen=True)
class Case:
    violation_id: int
    handle: str
    name: str
    step: int | None
    severe: bool
    tag: str  # label
    source: str  # key
    note: str
    logged_by: str
    history: str


def history_line(ctx: AppContext, violations: list[Violation]) -> str:
    """The file in one line, oldest first: what a manager needs at a glance."""
    t, tz = ctx.t, ctx.settings.tz
    return " · ".join(
        f"{step_label(t, v.step, v.severe)} {fmt_date(v.logged_at.astimezone(tz).date(), t.lang)}"
        f" ({ctx.tags.get(v.tag).label}, {state_label(t, v.state)})"
        for v in violations
    )


def case_of(ctx: AppContext, violation: Violation) -> Case:
    assistant = violation.assistant
    return Case(
        violation_id=violation.id,
        handle=assistant.handle,
        name=assistant.name,
        step=violation.step,
        severe=violation.severe,
        tag=ctx.tags.get(violation.tag).label,
        source=violation.source,
        note=violation.note,
        logged_by=violation.logged_by,
        history=history_line(ctx, list(assistant.violations)),
    )
