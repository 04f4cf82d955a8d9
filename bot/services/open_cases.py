"""One approval request per assistant at a time: further violations join the open case.

While a case (Abmahnung, Ausschluss, severe) waits for the VPA manager, further violations of
the same assistant are recorded as usual (in the file, on the ladder, awaiting approval) but
ask nobody: the open case's request, in every manager's DM, is updated (a
``RequestRefreshed`` notice, sent as ``chat.update`` through the outbox) to count and list them. Before, 17 further violations were 17 new
approval DMs per manager (issue 10, item 11).

The "lead" of an assistant's open cases is the oldest one awaiting approval that has request
messages; the others are "attached" and have no reminder of their own. When the lead is
decided (or withdrawn), the next open case becomes the lead and is asked for, with the rest
attached to it; an approved exclusion or severe case settles them all (approvals.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.results.cases import Further
from vpabot.bot.results.notices import ApprovalRequested, RequestRefreshed
from vpabot.bot.services.cases import case_of
from vpabot.bot.services.notify import notify, requests_of
from vpabot.policy.ladder import ViolationState
from vpabot.storage.models import Violation


def open_cases(session: Session, assistant_id: int) -> list[Violation]:
    """The assistant's cases awaiting approval, oldest first, locked for this transaction."""
    return list(
        session.scalars(
            select(Violation)
            .where(
                Violation.assistant_id == assistant_id,
                Violation.state == ViolationState.AWAITING_APPROVAL,
            )
            .order_by(Violation.id)
            .with_for_update()
        )
    )


def lead_case(session: Session, assistant_id: int, *, other_than: int = 0) -> Violation | None:
    """The open case the managers were asked about, if any (not ``other_than``)."""
    for case in open_cases(session, assistant_id):
        if case.id != other_than and requests_of(session, case.id):
            return case
    return None


def further_of(ctx: AppContext, session: Session, lead: Violation) -> tuple[Further, ...]:
    """The assistant's other open cases, oldest first: what the lead's request lists."""
    return tuple(
        Further(
            violation_id=v.id,
            logged_on=ctx.local(v.logged_at).date(),
            step=v.step,
            severe=v.severe,
            tag=ctx.tags.get(v.tag).label,
            note=v.note,
        )
        for v in open_cases(session, lead.assistant_id)
        if v.id != lead.id
    )


def ask_managers(
    ctx: AppContext, session: Session, lead: Violation, *, reminder: bool = False
) -> ApprovalRequested:
    """The approval request for ``lead`` as it stands: its case and its further violations."""
    return ApprovalRequested(
        case_of(ctx, lead), further=further_of(ctx, session, lead), reminder=reminder
    )


def attach(ctx: AppContext, session: Session, violation: Violation, lead: Violation) -> None:
    """``violation`` joins ``lead``: no request, no reminder of its own; the lead's updated."""
    violation.approval_reminder_at = None
    refresh_requests(ctx, session, lead)


def refresh_requests(ctx: AppContext, session: Session, lead: Violation) -> None:
    """Every manager's message about ``lead`` shows its current further violations."""
    refreshed = RequestRefreshed(case_of(ctx, lead), further=further_of(ctx, session, lead))
    notify(ctx, session, refreshed)


def follow_up(
    ctx: AppContext, session: Session, assistant_id: int, *, reminder_at: datetime
) -> None:
    """After a decision or a withdrawal: the next open case is asked for, or the lead's list
    is brought up to date (an attached case may just have been decided on its own)."""
    cases = open_cases(session, assistant_id)
    if not cases:
        return
    lead = next((c for c in cases if requests_of(session, c.id)), None)
    if lead is not None:
        refresh_requests(ctx, session, lead)
        return
    lead = cases[0]
    notify(ctx, session, ask_managers(ctx, session, lead))
    lead.approval_reminder_at = reminder_at
