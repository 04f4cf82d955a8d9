"""The VPA manager in the loop: FYI on an Ermahnung, approval of irreversible steps.

The first decision wins: the violation row is locked and must still be awaiting approval,
so a double click, a retry or two managers racing produce exactly one decision.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.results.cases import Communicated, Decision
from vpabot.bot.datefmt import fmt_instant
from vpabot.bot.mrkdwn import mention
from vpabot.bot.services.cases import case_of, open_cases, pending_cases
from vpabot.bot.results.cases import Case
from vpabot.bot.services.common import audited, snapshot
from vpabot.bot.results.listing import Listing
from vpabot.bot.results.notices import CaseDecided, CaseRestepped, ErmahnungReported
from vpabot.bot.services.notify import notify
from vpabot.bot.services.open_cases import ask_managers, attach, follow_up, further_of, lead_case
from vpabot.bot.services.stops import close_collaboration
from vpabot.policy.dates import at_local_time, next_working_day
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import (
    CLOSED_STATUSES,
    AssistantStatus,
    LadderStep,
    ViolationState,
    counting_since,
    decide_step,
)
from vpabot.policy.text import user_text
from vpabot.storage import repositories as repo
from vpabot.storage.db import skip_locked
from vpabot.storage.models import Violation

DECISION_FIELDS = ("state", "decided_by", "decided_at", "decision_reason")


def _next_reminder(ctx: AppContext, after: datetime) -> datetime:
    day = ctx.local(after).date()
    return at_local_time(
        next_working_day(day, holidays=ctx.holidays), ctx.settings.review_time, ctx.settings.timezone
    )


def inform_managers(ctx: AppContext, session: Session, violation: Violation) -> None:
    """Rule 4: every manager hears of an Ermahnung."""
    notify(ctx, session, ErmahnungReported(case_of(ctx, violation)))


def request_approval(ctx: AppContext, session: Session, violation: Violation) -> None:
    """Ask every manager, unless a case of this assistant is already waiting: then the new
    one is attached to it and the managers' message about that case is updated instead."""
    lead = lead_case(session, violation.assistant_id, other_than=violation.id)
    if lead is not None:
        attach(ctx, session, violation, lead)
        return
    notify(ctx, session, ask_managers(ctx, session, violation))
    violation.approval_reminder_at = _next_reminder(ctx, ctx.now())


def follow_up_open_cases(ctx: AppContext, session: Session, assistant_id: int) -> None:
    """After a decision or withdrawal, the assistant's next open case is asked for."""
    follow_up(ctx, session, assistant_id, reminder_at=_next_reminder(ctx, ctx.now()))


def _decided_error(ctx: AppContext, violation: Violation) -> PolicyError:
    at = fmt_instant(ctx.local(violation.decided_at), ctx.t.lang) if violation.decided_at else "?"
    key = "approved" if violation.state == ViolationState.APPROVED else "rejected"
    return PolicyError(f"already_{key}", by=mention(violation.decided_by or ""), at=at)


def decide(
    ctx: AppContext, *, actor: str, violation_id: int, approve: bool, reason: str | None = None
) -> Decision:
    if not ctx.settings.is_manager(actor):
        raise PolicyError("not_manager")
    reason = user_text(reason or "") or None
    if not approve and not reason:
        raise PolicyError("reason_missing")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        violation = repo.lock_row(session, Violation, violation_id)
        if violation is None:
            raise PolicyError("violation_unknown")
        if violation.state != ViolationState.AWAITING_APPROVAL:
            raise _decided_error(ctx, violation)
        before = snapshot(violation, *DECISION_FIELDS)
        violation.state = ViolationState.APPROVED if approve else ViolationState.REJECTED
        violation.decided_by, violation.decided_at = actor, now
        violation.decision_reason, violation.approval_reminder_at = reason, None
        session.flush()
        assistant = violation.assistant
        audited(
            session,
            violation,
            "violation.approved" if approve else "violation.rejected",
            actor=actor,
            at=now,
            before=before,
            after=snapshot(violation, *DECISION_FIELDS),
        )
        if approve and (violation.severe or violation.step == LadderStep.EXCLUSION):
            status = AssistantStatus.TERMINATED if violation.severe else AssistantStatus.EXCLUDED
            close_collaboration(ctx, session, assistant, actor=actor, status=status)
        _settle_messages(ctx, session, violation, approved=approve, reason=reason)
        if not approve:
            restep_later_cases(ctx, session, violation, actor=actor)
        follow_up_open_cases(ctx, session, assistant.id)
        return Decision(violation.id, approve, assistant.handle, assistant.name)


def restep_later_cases(ctx: AppContext, session: Session, rejected: Violation, *, actor: str) -> None:
    """A rejected (or withdrawn) case no longer counts, so later open cases move down: an
    exclusion may become an Abmahnung, an Abmahnung an Ermahnung that needs no approval."""
    since = counting_since(today=ctx.today(), expiry_months=ctx.settings.strike_expiry_months)
    status = rejected.assistant.status
    if status in CLOSED_STATUSES or status is AssistantStatus.RESIGNED:
        return  # the file is closed: nothing left to re-decide
    for case in open_cases(session, rejected.assistant_id, after_id=rejected.id):
        if case.severe:
            continue  # severe cases skip the ladder
        earlier = repo.count_counting_violations(session, case.assistant_id, since=since, before_id=case.id)
        decision = decide_step(status=status, earlier=earlier, severe=False)
        if decision.step is None or int(decision.step) == case.step:
            continue
        before = snapshot(case, "step", "state")
        case.step = int(decision.step)
        if not decision.needs_approval:
            case.state, case.approval_reminder_at = ViolationState.RECORDED, None
        session.flush()
        audited(
            session, case, "violation.restepped", actor=actor, at=ctx.now(),
            before=before, after=snapshot(case, "step", "state"),
        )
        _announce_restep(ctx, session, case, still_pending=decision.needs_approval)


def _announce_restep(ctx: AppContext, session: Session, case: Violation, *, still_pending: bool) -> None:
    """Managers' requests show the new step (or that no approval is needed); the admin hears it."""
    further = further_of(ctx, session, case) if still_pending else ()
    restepped = CaseRestepped(
        case_of(ctx, case), still_pending=still_pending, further=further, admin=case.logged_by
    )
    notify(ctx, session, restepped)


def _settle_messages(
    ctx: AppContext, session: Session, violation: Violation, *, approved: bool, reason: str | None
) -> None:
    """Every manager's request shows the outcome; the admin who logged it hears it."""
    decided = CaseDecided(
        case_of(ctx, violation),
        approved=approved,
        by=violation.decided_by or "",
        at=ctx.local(ctx.now()),
        reason=reason,
        admin=violation.logged_by,
    )
    notify(ctx, session, decided)


def still_pending(ctx: AppContext, violation_id: int) -> Case:
    """The case behind a button, if nobody has decided it yet; else who did, when."""
    with ctx.read() as session:
        violation = session.get(Violation, violation_id)
        if violation is None:
            raise PolicyError("violation_unknown")
        if violation.state != ViolationState.AWAITING_APPROVAL:
            raise _decided_error(ctx, violation)
        return case_of(ctx, violation)


def mark_communicated(ctx: AppContext, *, actor: str, violation_id: int) -> Communicated:
    """Records when the admin told the assistant; a second click keeps the first time."""
    if not ctx.settings.is_admin(actor):
        raise PolicyError("not_admin")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        violation = repo.lock_row(session, Violation, violation_id)
        if violation is None:
            raise PolicyError("violation_unknown")
        if violation.state != ViolationState.APPROVED:  # only an approved case has the button
            raise PolicyError("nothing_to_communicate")
        if violation.communicated_at is None:
            violation.communicated_at = now
            audited(
                session, violation, "violation.communicated", actor=actor, at=now,
                after={"communicated_at": now.isoformat()},
            )
        return Communicated(case_of(ctx, violation), violation.communicated_at, violation.decided_by or "")


def sweep_approvals(ctx: AppContext, *, limit: int = 100) -> int:
    """Pending approvals are reminded to the managers each working day until decided."""
    now = ctx.now()
    with ctx.unit_of_work() as session:
        query = (
            select(Violation)
            .where(
                Violation.state == ViolationState.AWAITING_APPROVAL,
                Violation.approval_reminder_at <= now,
            )
            .order_by(Violation.id)
            .limit(limit)
        )
        query = skip_locked(session, query, of=Violation)
        due = list(session.scalars(query))
        notify(ctx, session, *(ask_managers(ctx, session, v, reminder=True) for v in due))
        for violation in due:
            violation.approval_reminder_at = _next_reminder(ctx, now)
        return len(due)


PENDING_LISTED = 14  # one page of `/vpa offen` (blocks.manager); "Weitere anzeigen" for more


def pending(ctx: AppContext, *, limit: int = PENDING_LISTED, offset: int = 0) -> Listing[Case]:
    """Cases waiting for a manager, oldest first: ``limit`` from row ``offset`` and the total."""
    with ctx.read() as session:
        return pending_cases(ctx, session, limit=limit, offset=offset)

