"""VT-Stops: set, change, extend, lift, resign. Every change is audited and announced."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.results.stops import StopOutcome
from vpabot.bot.datefmt import fmt_instant
from vpabot.bot.mrkdwn import mention
from vpabot.bot.results.notices import Purpose, StopAnnounced, Thread
from vpabot.bot.services.cases import settle_open_cases
from vpabot.bot.services.common import audited, require_assistant, snapshot
from vpabot.bot.services.notify import first_messages, notify
from vpabot.policy.cg import cg_status
from vpabot.policy.dates import parse_until
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import CLOSED_STATUSES, AssistantStatus
from vpabot.policy.stops import (
    ReviewToken,
    CurrentStop,
    StopKind,
    StopPlan,
    StopReason,
    first_review_at,
    plan_extension,
    plan_stop,
)
from vpabot.policy.text import user_text
from vpabot.storage import repositories as repo
from vpabot.storage.models import Assistant, AuditEvent, SalesStop, Violation

STOP_FIELDS = ("kind", "reason", "starts_on", "until", "note", "lifted_at", "lift_note")


def check_review(ctx: AppContext, session: Session, token: ReviewToken) -> SalesStop:
    """The stop a review button is about, if nobody has decided it yet.

    Raises PolicyError ``stop_unknown`` for an id no stop has, ``review_decided`` (``by``,
    ``at``) when someone lifted or changed it since the button was offered."""
    stop = session.get(SalesStop, token.stop_id)
    if stop is None:  # a forged or long-gone id: nobody decided anything, there is nothing
        raise PolicyError("stop_unknown")
    if stop.lifted_at is None and stop.until == token.until:
        return stop
    last = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject == "stop", AuditEvent.subject_id == token.stop_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    raise PolicyError(
        "review_decided",
        by=mention(last.actor) if last else "?",
        at=fmt_instant(ctx.local(last.at), ctx.t.lang) if last else "?",
    )


def _current(stop: SalesStop | None) -> CurrentStop | None:
    return CurrentStop(stop.kind, stop.until) if stop else None


def _apply(
    ctx: AppContext,
    session: Session,
    assistant: Assistant,
    plan: StopPlan,
    *,
    actor: str,
    reason: StopReason | None = None,
    violation_id: int | None = None,
    note: str | None = None,
) -> StopOutcome:
    """Write a set or a change, its audit event and its team announcement, in one go."""
    now, settings = ctx.now(), ctx.settings
    stop = repo.active_stop(session, assistant.id, lock=True)
    before = snapshot(stop, *STOP_FIELDS) if stop else None
    was = (stop.kind, stop.until) if stop else None
    if stop is None:
        stop = SalesStop(
            assistant=assistant,
            starts_on=ctx.today(),
            set_by=actor,
            set_at=now,
            reason=reason or StopReason.OTHER,
            note="",
        )
        session.add(stop)
    elif reason is not None:
        stop.reason = reason
    if violation_id is not None:
        stop.violation_id = violation_id
    if note is not None:
        stop.note = note
    stop.kind, stop.until = plan.kind, plan.until
    stop.set_by = actor  # the admin who last decided is the one reminded
    stop.review_at = first_review_at(
        plan.until, at=settings.review_time, tz=settings.timezone, holidays=ctx.holidays
    )
    stop.review_reminders = 0
    session.flush()
    audited(
        session, stop, f"stop.{plan.action}", actor=actor, at=now,
        before=before, after=snapshot(stop, *STOP_FIELDS),
    )
    outcome = StopOutcome(plan.action, assistant.handle, assistant.name, plan.kind, plan.until, stop.id)
    # Same kind, a later end date: the team reads "verlängert", not a puzzling "geändert".
    longer = was is not None and was[0] == plan.kind and None not in (was[1], plan.until) and plan.until > was[1]
    _announce(ctx, session, outcome, actor=actor, action="extended" if longer else plan.action)
    return outcome


def _announce(
    ctx: AppContext, session: Session, outcome: StopOutcome, *, actor: str, action: str | None = None
) -> None:
    """Rule 11: the whole team hears of every stop set, changed or lifted. A change or lift of
    a stop announced before is a reply in the thread of its first announcement, so the channel
    keeps one thread per stop; a lift is broadcast to the channel too (everyone hears of it)."""
    o = outcome
    parents = first_messages(session, Purpose.STOP_ANNOUNCEMENT, [o.stop_id]).get(o.stop_id, ())
    thread = Thread(parents, broadcast=o.action == "lifted") if parents else None
    said = action or o.action
    notify(ctx, session, StopAnnounced(o.stop_id, said, o.name, o.handle, o.kind, o.until, actor, thread))


def set_stop(
    ctx: AppContext,
    *,
    actor: str,
    handle: str,
    kind: StopKind,
    until: date,
    reason: StopReason = StopReason.OTHER,
    violation_id: int | None = None,
    note: str = "",
) -> StopOutcome:
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        if assistant.status in CLOSED_STATUSES | {AssistantStatus.RESIGNED}:
            raise PolicyError("stop_for_ended", name=assistant.name)
        if violation_id is not None:
            violation = session.get(Violation, violation_id)
            if violation is None or violation.assistant_id != assistant.id:
                raise PolicyError("violation_not_in_file", handle=assistant.handle)
        plan = plan_stop(_current(repo.active_stop(session, assistant.id)), kind=kind, until=until)
        return _apply(
            ctx,
            session,
            assistant,
            plan,
            actor=actor,
            reason=reason,
            violation_id=violation_id,
            note=user_text(note),
        )


def set_cg_stop(ctx: AppContext, *, actor: str, handle: str) -> StopOutcome:
    """Full VT-Stop until the CGs are accepted again (rule 13): open-ended, so never reviewed.

    Refused when the acceptance is not (or no longer) overdue: a stale button changes nothing.
    """
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        if assistant.status in CLOSED_STATUSES | {AssistantStatus.RESIGNED}:
            raise PolicyError("stop_for_ended", name=assistant.name)
        status = cg_status(assistant.cg_accepted_on, today=ctx.today())
        if not status.blocks_collaboration:
            raise PolicyError("cg_not_overdue", name=assistant.name, due=status.due_on)
        active = repo.active_stop(session, assistant.id)
        if active is not None and active.reason != StopReason.CG_NOT_ACCEPTED:
            # Don't swallow a running stop (its end date and review) into an open-ended one.
            raise PolicyError("cg_other_stop", name=assistant.name, handle=assistant.handle)
        plan = plan_stop(_current(active), kind=StopKind.FULL, until=None)
        return _apply(ctx, session, assistant, plan, actor=actor, reason=StopReason.CG_NOT_ACCEPTED)


def extend_stop(
    ctx: AppContext,
    *,
    actor: str,
    handle: str,
    until: date,
    kind: StopKind | None = None,
    review: ReviewToken | None = None,
    typed: str = "",
) -> StopOutcome:
    """Move the end date (and, for a review's 'convert', switch the kind at the same time).

    A typed duration ("2w") counts from the current end date; a plain extension never
    moves the end date earlier (that is a change: ``/vpa stop``).
    """
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        if review is not None:
            check_review(ctx, session, review)
        current = _current(repo.active_stop(session, assistant.id))
        if kind is None:
            if typed and current is not None and current.until is not None:
                until = parse_until(typed, today=ctx.today(), start=current.until)
            if review is None and current is not None and current.until and until < current.until:
                raise PolicyError("extend_shorter", until=until, current=current.until)
            plan = plan_extension(current, until=until)
        else:
            if current is None:
                raise PolicyError("no_active_stop")
            plan = plan_stop(current, kind=kind, until=until)
        return _apply(ctx, session, assistant, plan, actor=actor)


def lift_stop(
    ctx: AppContext, *, actor: str, handle: str, note: str, review: ReviewToken | None = None
) -> StopOutcome:
    """Lifting asks for a short note on the re-check of performance (rule 7)."""
    note = user_text(note)
    if not note:
        raise PolicyError("lift_note_missing")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        if review is not None:
            check_review(ctx, session, review)
        stop = repo.active_stop(session, assistant.id, lock=True)
        if stop is None:
            raise PolicyError("no_active_stop")
        if assistant.status in CLOSED_STATUSES | {AssistantStatus.RESIGNED}:
            raise PolicyError("stop_for_ended", name=assistant.name)
        before = snapshot(stop, *STOP_FIELDS)
        stop.lifted_at, stop.lifted_by, stop.lift_note, stop.review_at = now, actor, note, None
        session.flush()
        audited(
            session, stop, "stop.lifted", actor=actor, at=now,
            before=before, after=snapshot(stop, *STOP_FIELDS),
        )
        outcome = StopOutcome("lifted", assistant.handle, assistant.name, stop.kind, stop.until, stop.id)
        _announce(ctx, session, outcome, actor=actor)
        return outcome


def close_collaboration(
    ctx: AppContext, session: Session, assistant: Assistant, *, actor: str, status: AssistantStatus
) -> StopOutcome:
    """Resigned, excluded or terminated: new status and an open-ended full VT-Stop (rule 8),
    set or changed and announced; action ``kept`` when one was in place already."""
    now = ctx.now()
    before = snapshot(assistant, "status", "ended_on")
    assistant.status, assistant.ended_on = status, ctx.today()
    audited(
        session, assistant, "assistant.status", actor=actor, at=now,
        before=before, after=snapshot(assistant, "status", "ended_on"),
    )
    settle_open_cases(ctx, session, assistant.id, actor=actor)
    stop = repo.active_stop(session, assistant.id, lock=True)
    reason = StopReason(status.value)
    if stop is not None and _current(stop) == CurrentStop(StopKind.FULL, None):
        # Already full and open-ended (e.g. until the CGs are accepted): the team knows it,
        # nothing to announce. Its reason becomes the ending, so accepting the CGs later can
        # no longer lift it ("CG-Stop aufheben" checks the reason).
        if stop.reason != reason:
            before_stop = snapshot(stop, *STOP_FIELDS)
            stop.reason = reason
            audited(session, stop, "stop.changed", actor=actor, at=now,
                    before=before_stop, after=snapshot(stop, *STOP_FIELDS))  # fmt: skip
        return StopOutcome("kept", assistant.handle, assistant.name, stop.kind, None, stop.id)
    plan = plan_stop(_current(stop), kind=StopKind.FULL, until=None)
    return _apply(ctx, session, assistant, plan, actor=actor, reason=reason)


def resignable(ctx: AppContext, *, handle: str) -> tuple[str, str]:
    """``(handle, name)`` of an assistant whose collaboration may still end by resignation;
    ``PolicyError`` for an unknown assistant or one whose collaboration ended already."""
    with ctx.read() as session:
        assistant = require_assistant(session, handle)
        status = assistant.status
        if status in CLOSED_STATUSES or status is AssistantStatus.RESIGNED:
            raise PolicyError("already_ended", name=assistant.name)
        return assistant.handle, assistant.name


def resign(ctx: AppContext, *, actor: str, handle: str) -> StopOutcome:
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        status = assistant.status
        if status in CLOSED_STATUSES or status is AssistantStatus.RESIGNED:
            raise PolicyError("already_ended", name=assistant.name)
        return close_collaboration(ctx, session, assistant, actor=actor, status=AssistantStatus.RESIGNED)
