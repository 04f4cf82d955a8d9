"""CG re-acceptance (rule 13): read confirmations, who is due or overdue, the daily digest.

Due dates come from ``policy.cg`` only. The digest runs in ``Runtime.sweep`` on every
instance; the ``job_runs`` row (cg_digest, day) is claimed in the transaction that queues it,
so each working day's digest is sent exactly once across instances and restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.blocks.cg import build_cg_digest
from vpabot.bot.blocks.common import fmt_date
from vpabot.bot.context import AppContext
from vpabot.bot.services.common import require_assistant, snapshot
from vpabot.bot.services.stops import StopOutcome, check_review, lift_stop
from vpabot.policy.stops import ReviewToken
from vpabot.policy.cg import AcceptanceChange, CgState, CgStatus, cg_status, compare_acceptance
from vpabot.policy.dates import at_local_time, is_working_day
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus
from vpabot.policy.stops import StopReason
from vpabot.storage import repositories as repo
from vpabot.storage.jobs import claim_job_run
from vpabot.storage.models import Assistant, SalesStop

DIGEST_JOB = "cg_digest"
# Only assistants we still work with owe a read confirmation.
WORKING_STATUSES = (AssistantStatus.NEW.value, AssistantStatus.ACTIVE.value)


@dataclass(frozen=True)
class CgEntry:
    """One assistant whose acceptance is overdue or due soon."""

    handle: str
    name: str
    accepted_on: date | None
    status: CgStatus
    cg_stop: bool  # a VT-Stop for "CG nicht akzeptiert" is already active
    other_stop: bool = False  # another VT-Stop is active: no CG stop is offered over it

    @property
    def state(self) -> CgState:
        return self.status.state

    @property
    def due_on(self) -> date | None:
        return self.status.due_on


def cg_overview(ctx: AppContext) -> tuple[list[CgEntry], list[CgEntry]]:
    """(overdue, due_soon): never accepted first, then oldest due date; due soon by date."""
    with ctx.read() as session:
        return load_cg_overview(session, today=ctx.today())


def load_cg_overview(session: Session, *, today: date) -> tuple[list[CgEntry], list[CgEntry]]:
    rows = session.execute(
        select(Assistant.id, Assistant.handle, Assistant.name, Assistant.cg_accepted_on).where(
            Assistant.ended_on.is_(None), Assistant.status.in_(WORKING_STATUSES)
        )
    ).all()
    active = dict(
        session.execute(
            select(SalesStop.assistant_id, SalesStop.reason).where(SalesStop.lifted_at.is_(None))
        ).all()
    )
    stopped = {a for a, reason in active.items() if reason == StopReason.CG_NOT_ACCEPTED.value}
    overdue: list[CgEntry] = []
    due_soon: list[CgEntry] = []
    for assistant_id, handle, name, accepted_on in rows:
        status = cg_status(accepted_on, today=today)
        entry = CgEntry(
            handle,
            name,
            accepted_on,
            status,
            assistant_id in stopped,
            other_stop=assistant_id in active and assistant_id not in stopped,
        )
        if status.blocks_collaboration:
            overdue.append(entry)
        elif status.state is CgState.DUE_SOON:
            due_soon.append(entry)
    overdue.sort(key=lambda e: (e.due_on or date.min, e.handle))
    due_soon.sort(key=lambda e: (e.due_on or date.max, e.handle))
    return overdue, due_soon


# --- recording an acceptance --------------------------------------------------------------


@dataclass(frozen=True)
class AcceptanceOutcome:
    handle: str
    name: str
    accepted_on: date
    changed: bool  # False: exactly this date was already on record
    status: CgStatus
    lift_offer: ReviewToken | None  # the CG stop that may now be lifted


def record_acceptance(
    ctx: AppContext, *, actor: str, handle: str, accepted_on: date
) -> AcceptanceOutcome:
    """Store a read confirmation (audited); refuse future dates and dates before the last one."""
    today = ctx.today()
    if accepted_on > today:
        raise PolicyError("cg_date_in_future", date=accepted_on)
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        last = assistant.cg_accepted_on
        change = compare_acceptance(last, accepted_on)
        if change is AcceptanceChange.OLDER:
            raise PolicyError("cg_before_last", date=accepted_on, last=last)
        if change is AcceptanceChange.NEWER:
            before = snapshot(assistant, "cg_accepted_on")
            assistant.cg_accepted_on = accepted_on
            repo.audit(
                session,
                actor=actor,
                action="cg.accepted",
                at=ctx.now(),
                subject="assistant",
                subject_id=assistant.id,
                assistant_id=assistant.id,
                before=before,
                after=snapshot(assistant, "cg_accepted_on"),
            )
        status = cg_status(assistant.cg_accepted_on, today=today)
        stop = repo.active_stop(session, assistant.id)
        offer = None
        if (
            stop is not None
            and stop.reason == StopReason.CG_NOT_ACCEPTED.value
            and not status.blocks_collaboration
            and assistant.status in WORKING_STATUSES
        ):
            offer = ReviewToken(stop.id, stop.until)
        return AcceptanceOutcome(
            assistant.handle,
            assistant.name,
            accepted_on,
            change is AcceptanceChange.NEWER,
            status,
            offer,
        )


def lift_cg_stop(ctx: AppContext, *, actor: str, token: ReviewToken) -> StopOutcome:
    """'VT-Stop aufheben' after an acceptance: lifted and announced like every lift.

    The button names the stop it was offered for; once that stop was lifted or changed by
    someone else, or the acceptance is overdue again, the click changes nothing.
    """
    with ctx.read() as session:
        try:
            stop = check_review(ctx, session, token)
        except PolicyError as decided:
            raise PolicyError("cg_stop_decided", **decided.params) from None
        assistant = stop.assistant
        if stop.reason != StopReason.CG_NOT_ACCEPTED.value:
            raise PolicyError("cg_stop_other_reason", name=assistant.name)
        handle, accepted_on = assistant.handle, assistant.cg_accepted_on
        if accepted_on is None or cg_status(accepted_on, today=ctx.today()).blocks_collaboration:
            raise PolicyError("cg_still_overdue", name=assistant.name)
    note = ctx.t("cg.lift_note", date=fmt_date(accepted_on, ctx.t.lang))
    return lift_stop(ctx, actor=actor, handle=handle, note=note, review=token)


# --- the daily digest ---------------------------------------------------------------------


def digest_recipients(ctx: AppContext) -> list[str]:
    """The admin channel, or every admin's DM when there is none."""
    if ctx.settings.admin_channel:
        return [ctx.settings.admin_channel]
    return sorted(ctx.settings.admins())


def sweep_cg_digest(ctx: AppContext) -> int:
    """From VPA_REVIEW_TIME on each working day: one digest, once, unless nobody is due."""
    settings, now, today = ctx.settings, ctx.now(), ctx.today()
    if not is_working_day(today) or now < at_local_time(
        today, settings.review_time, settings.timezone
    ):
        return 0
    with ctx.unit_of_work() as session:
        if not claim_job_run(session, job=DIGEST_JOB, period=today.isoformat(), now=now):
            return 0
        overdue, due_soon = load_cg_overview(session, today=today)
        if not overdue and not due_soon:
            return 0  # the day is claimed all the same: "nothing due" is today's answer
        payload = build_cg_digest(ctx.t, overdue=overdue, due_soon=due_soon, today=today)
        channels = digest_recipients(ctx)
        for channel in channels:
            repo.enqueue(
                session,
                method="chat.postMessage",
                payload={"channel": channel, **payload},
                purpose=DIGEST_JOB,
                now=now,
            )
        return len(channels)
