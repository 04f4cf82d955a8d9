"""A violation as the VPA manager sees it: the case, with the file in one line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, object_session

from vpabot.bot.blocks.common import fmt_date
from vpabot.bot.blocks.labels import state_label, step_label
from vpabot.bot.context import AppContext
from vpabot.storage import repositories as repo
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


@dataclass(frozen=True)
class Further:
    """A violation attached to an open case (services/open_cases.py), as its request lists it."""

    violation_id: int
    logged_on: date
    step: int | None
    severe: bool
    tag: str  # label
    note: str


HISTORY_SHOWN = 6


def history_line(ctx: AppContext, session: Session, assistant_id: int) -> str:
    """The file in one line, oldest first: what a manager needs at a glance.

    Only the latest few entries are read; a long file says how many came before.
    """
    t, tz = ctx.t, ctx.settings.tz
    latest = repo.latest_violations(session, assistant_id, limit=HISTORY_SHOWN)
    total = repo.count_rows(session, Violation, assistant_id)
    parts = [
        f"{step_label(t, v.step, v.severe)} {fmt_date(v.logged_at.astimezone(tz).date(), t.lang)}"
        f" ({ctx.tags.get(v.tag).label}, {state_label(t, v.state)})"
        for v in reversed(latest)
    ]
    if total > len(latest):
        parts.insert(0, t("history.earlier", count=total - len(latest)))
    return " · ".join(parts)


def object_session_of(row: object) -> Session:
    session = object_session(row)
    if session is None:
        raise RuntimeError("case_of needs a row that is attached to a session")
    return session


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
        history=history_line(ctx, object_session_of(violation), assistant.id),
    )
