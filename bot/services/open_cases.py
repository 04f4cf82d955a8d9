"""One approval request per assistant at a time: further violations join the open case.

While a case (Abmahnung, Ausschluss, severe) waits for the VPA manager, further violations of
the same assistant are recorded as usual (in the file, on the ladder, awaiting approval) but
ask nobody: the open case's request, in every manager's DM, is updated (``chat.update``
through the outbox) to count and list them. Before, 17 further violations were 17 new
approval DMs per manager (issue 10, item 11).

The "lead" of an assistant's open cases is the oldest one awaiting approval that has request
messages; the others are "attached" and have no reminder of their own. When the lead is
decided (or withdrawn), the next open case becomes the lead and is asked for, with the rest
attached to it; an approved exclusion or severe case settles them all (approvals.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.blocks.manager import build_approval_request
from vpabot.bot.context import AppContext
from vpabot.bot.services.cases import case_of
from vpabot.bot.results.cases import Further
from vpabot.policy.ladder import ViolationState
from vpabot.storage import repositories as repo
from vpabot.storage.models import OutboxMessage, Violation

REQUEST = "approval_request"
UPDATE = "approval_update"  # a request re-rendered with its further violations


def requests_of(session: Session, violation_id: int) -> list[OutboxMessage]:
    """Every manager's request message (and daily reminder) for this case."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.purpose == REQUEST,
                OutboxMessage.subject_id == violation_id,
                OutboxMessage.method == "chat.postMessage",
            )
            .order_by(OutboxMessage.id)
        )
    )


def open_cases(session: Session, assistant_id: int) -> list[Violation]:
    """The assistant's cases awaiting approval, oldest first, locked for this transaction."""
    return list(
        session.scalars(
            select(Violation)
            .where(
                Violation.assistant_id == assistant_id,
                Violation.state == ViolationState.AWAITING_APPROVAL.value,
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


def further_of(ctx: AppContext, session: Session, lead: Violation) -> list[Further]:
    """The assistant's other open cases, oldest first: what the lead's request lists."""
    return [
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
    ]


def request_payload(
    ctx: AppContext, session: Session, lead: Violation, *, reminder: bool = False
) -> dict:  # type: ignore[type-arg]
    """The approval request for ``lead`` as it stands: its case and its further violations."""
    return build_approval_request(
        ctx.t, case_of(ctx, lead), reminder=reminder, further=further_of(ctx, session, lead)
    )


def attach(ctx: AppContext, session: Session, violation: Violation, lead: Violation) -> None:
    """``violation`` joins ``lead``: no request, no reminder of its own; the lead's updated."""
    violation.approval_reminder_at = None
    refresh_requests(ctx, session, lead)


def refresh_requests(ctx: AppContext, session: Session, lead: Violation) -> None:
    """Every manager's message about ``lead`` shows its current further violations.

    One message per manager, updated: an update still waiting in the outbox (never tried) is
    rewritten instead of queueing another, so 17 further violations are at most a few updates.
    """
    payload = request_payload(ctx, session, lead)
    for request in requests_of(session, lead.id):
        queued = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.updates_id == request.id,
                OutboxMessage.purpose == UPDATE,
                OutboxMessage.status == "pending",
                OutboxMessage.attempts == 0,
            )
            .with_for_update()
        ).first()
        if queued is not None and queued.attempts == 0:
            queued.payload = payload
            continue
        repo.enqueue(
            session, method="chat.update", payload=payload, purpose=UPDATE,
            subject_id=lead.id, now=ctx.now(), updates=request,
        )  # fmt: skip


# Posts a request payload to every manager: approvals._to_managers (no import cycle).
AskManagers = Callable[[AppContext, Session, dict, int], None]  # type: ignore[type-arg]


def follow_up(
    ctx: AppContext, session: Session, assistant_id: int, *, ask: AskManagers, reminder_at: datetime
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
    ask(ctx, session, request_payload(ctx, session, lead), lead.id)
    lead.approval_reminder_at = reminder_at
