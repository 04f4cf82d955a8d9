"""A violation as the VPA manager sees it: the case, with the file in one line."""

from __future__ import annotations


from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from vpabot.bot.datefmt import fmt_date
from vpabot.bot.labels import state_label, step_label
from vpabot.bot.context import AppContext
from vpabot.bot.results.cases import Case
from vpabot.bot.results.notices import CaseSettled
from vpabot.bot.results.listing import Listing
from vpabot.bot.services.common import audited
from vpabot.bot.services.notify import notify
from vpabot.policy.ladder import ViolationState
from vpabot.storage.models import Assistant, Violation


HISTORY_SHOWN = 6


def history_line(ctx: AppContext, session: Session, assistant_id: int) -> str:
    """The file in one line, oldest first: what a manager needs at a glance.

    Only the latest few entries are read; a long file says how many came before.
    """
    return history_lines(ctx, session, [assistant_id])[assistant_id]


def history_lines(ctx: AppContext, session: Session, assistant_ids: list[int]) -> dict[int, str]:
    """``history_line`` for several assistants in two statements, not two per assistant."""
    t, tz = ctx.t, ctx.settings.tz
    ids = sorted(set(assistant_ids))
    if not ids:
        return {}
    ranked = (
        select(
            Violation.assistant_id,
            Violation.step,
            Violation.severe,
            Violation.logged_at,
            Violation.tag,
            Violation.state,
            func.row_number()
            .over(partition_by=Violation.assistant_id, order_by=Violation.id.desc())
            .label("rank"),
        )
        .where(Violation.assistant_id.in_(ids))
        .subquery()
    )
    latest: dict[int, list[Any]] = {i: [] for i in ids}
    for row in session.execute(
        select(ranked).where(ranked.c.rank <= HISTORY_SHOWN).order_by(ranked.c.rank.desc())
    ):
        latest[row.assistant_id].append(row)
    totals = dict(
        session.execute(
            select(Violation.assistant_id, func.count())
            .where(Violation.assistant_id.in_(ids))
            .group_by(Violation.assistant_id)
        ).all()
    )
    lines = {}
    for assistant_id, rows in latest.items():
        parts = [
            f"{step_label(t, v.step, v.severe)} {fmt_date(v.logged_at.astimezone(tz).date(), t.lang)}"
            f" ({ctx.tags.get(v.tag).label}, {state_label(t, v.state)})"
            for v in rows
        ]
        earlier = totals.get(assistant_id, 0) - len(rows)
        if earlier > 0:
            parts.insert(0, t.plural("history.earlier", earlier))
        lines[assistant_id] = " · ".join(parts)
    return lines


def pending_cases(ctx: AppContext, session: Session, *, limit: int, offset: int = 0) -> Listing[Case]:
    """Cases waiting for a manager, oldest first: ``limit`` from row ``offset`` (0-based) and
    how many in all.

    Four statements whatever the number of cases or assistants (count, page, histories).
    """
    waiting = Violation.state == ViolationState.AWAITING_APPROVAL
    total = session.scalar(select(func.count()).select_from(Violation).where(waiting)) or 0
    rows = session.execute(
        select(Violation, Assistant.handle, Assistant.name)
        .join(Assistant, Violation.assistant_id == Assistant.id)
        .where(waiting)
        .order_by(Violation.logged_at, Violation.id)
        .limit(limit)
        .offset(offset or None)
    ).all()
    histories = history_lines(ctx, session, [v.assistant_id for v, _, _ in rows])
    cases = [
        Case(
            violation_id=v.id,
            handle=handle,
            name=name,
            step=v.step,
            severe=v.severe,
            tag=ctx.tags.get(v.tag).label,
            source=v.source,
            note=v.note,
            logged_by=v.logged_by,
            history=histories[v.assistant_id],
        )
        for v, handle, name in rows
    ]
    return Listing(cases, total, offset)


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


def open_cases(session: Session, assistant_id: int, *, after_id: int = 0) -> list[Violation]:
    """The assistant's cases still waiting for a manager (after ``after_id``), oldest first,
    locked for the caller's transaction."""
    return list(
        session.scalars(
            select(Violation)
            .where(
                Violation.assistant_id == assistant_id,
                Violation.id > after_id,
                Violation.state == ViolationState.AWAITING_APPROVAL,
            )
            .order_by(Violation.id)
            .with_for_update()
        )
    )


def settle_open_cases(ctx: AppContext, session: Session, assistant_id: int, *, actor: str) -> None:
    """The collaboration ended (resigned, excluded, terminated): the open cases have nothing
    left to decide, so no manager is asked or reminded about them any more."""
    for case in open_cases(session, assistant_id):
        case.state, case.approval_reminder_at = ViolationState.SETTLED, None
        session.flush()
        audited(
            session, case, "violation.settled", actor=actor, at=ctx.now(),
            after={"state": case.state},
        )  # fmt: skip
        notify(ctx, session, CaseSettled(case_of(ctx, case)))
