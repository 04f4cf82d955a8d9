"""CG re-acceptance (rule 13): read confirmations, who is due or overdue, the daily digest.

Due dates come from ``policy.cg`` only. The digest runs in ``Runtime.sweep`` on every
instance; the ``job_runs`` row (cg_digest, day) is claimed in the transaction that queues it,
so each working day's digest is sent exactly once across instances and restarts.
"""

from __future__ import annotations

from datetime import date, timedelta

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from vpabot.bot.datefmt import fmt_date
from vpabot.bot.context import AppContext
from vpabot.bot.results.cg import AcceptanceOutcome, CgEntry, CgList
from vpabot.bot.results.notices import CgDigest
from vpabot.bot.services.common import audited, require_assistant, snapshot
from vpabot.bot.services.notify import notify
from vpabot.bot.results.listing import Listing
from vpabot.bot.services.stops import check_review, lift_stop
from vpabot.bot.results.stops import StopOutcome
from vpabot.policy.stops import ReviewToken
from vpabot.policy.cg import (
    DUE_SOON_DAYS,
    AcceptanceChange,
    cg_status,
    compare_acceptance,
    latest_acceptance_due_by,
)
from vpabot.policy.dates import at_local_time, is_working_day
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus
from vpabot.policy.stops import StopReason
from vpabot.storage import repositories as repo
from vpabot.storage.jobs import claim_job_run
from vpabot.storage.models import Assistant, SalesStop

DIGEST_JOB = "cg_digest"
# Only assistants we still work with owe a read confirmation.
WORKING_STATUSES = (AssistantStatus.NEW, AssistantStatus.ACTIVE)


LISTED = 50  # more than any view shows (the digest 40 per part, /vpa stops ~25, Home 10)


def cg_overview(ctx: AppContext, *, limit: int = LISTED) -> tuple[CgList, CgList]:
    """(overdue, due_soon): never accepted first, then oldest due date; due soon by date."""
    with ctx.read() as session:
        return load_cg_overview(session, today=ctx.today(), limit=limit)


def load_cg_overview(
    session: Session, *, today: date, limit: int = LISTED
) -> tuple[CgList, CgList]:
    """The first ``limit`` overdue and due-soon assistants with both totals: four statements
    over the ``(cg_accepted_on, handle, status)`` index, however large the roster."""
    parts, working = _cg_parts(today)
    never_total, late_total, soon_total = _part_totals(session, parts, working)
    never = _entries(session, today, limit, *parts[0], *working)
    late = _entries(session, today, limit - len(never) or 1, *parts[1], *working)
    soon = _entries(session, today, limit, *parts[2], *working)
    overdue = (never + late)[:limit]
    return Listing(overdue, never_total + late_total), Listing(soon, soon_total)


def load_cg_page(session: Session, *, today: date, limit: int, offset: int = 0) -> tuple[CgList, int]:
    """App Home's one CG list, a page of it: overdue (never accepted first, then oldest due
    date), then due within 14 days; ``limit`` rows from row ``offset``, and the overdue total.

    Four statements at every page (the counts, then each part's slice, empty or not), over
    the ``(cg_accepted_on, handle, status)`` index: paging costs the same on any roster.
    """
    parts, working = _cg_parts(today)
    totals = _part_totals(session, parts, working)
    entries: list[CgEntry] = []
    skip = max(offset, 0)
    for total, where in zip(totals, parts):
        take = limit - len(entries) if skip < total else 0
        entries += _entries(session, today, take, *where, *working, offset=skip if take else 0)
        skip = max(skip - total, 0)
    return Listing(entries, sum(totals), offset), totals[0] + totals[1]


def _cg_parts(today: date) -> tuple[tuple[tuple[Any, ...], ...], tuple[Any, ...]]:
    """The three CG ranges in list order (never accepted, overdue, due within 14 days) as
    conditions on ``cg_accepted_on``, and the conditions of a working assistant."""
    overdue_to = latest_acceptance_due_by(today - timedelta(days=1))
    soon_to = latest_acceptance_due_by(today + timedelta(days=DUE_SOON_DAYS))
    accepted = Assistant.cg_accepted_on
    working = (Assistant.ended_on.is_(None), Assistant.status.in_(WORKING_STATUSES))
    parts = ((accepted.is_(None),), (accepted <= overdue_to,), (accepted > overdue_to, accepted <= soon_to))
    return parts, working


def _part_totals(session: Session, parts: Any, working: tuple[Any, ...]) -> list[int]:
    """How many assistants each range holds, in one statement: each is an index-only count,
    where a single count over "NULL or <= date" would read the table."""

    def count(*where: Any) -> Any:
        return select(func.count()).where(*where, *working).scalar_subquery()

    return [int(n or 0) for n in session.execute(select(*(count(*where) for where in parts))).one()]


def _entries(session: Session, today: date, limit: int, *where: Any, offset: int = 0) -> list[CgEntry]:
    """Assistants matching ``where`` by acceptance date and handle, with their active stop."""
    stop = SalesStop
    rows = session.execute(
        select(Assistant.handle, Assistant.name, Assistant.cg_accepted_on, stop.reason)
        .outerjoin(stop, and_(stop.assistant_id == Assistant.id, stop.lifted_at.is_(None)))
        .where(*where)
        .order_by(Assistant.cg_accepted_on, Assistant.handle)
        .limit(limit)
        .offset(offset or None)
    ).all()
    cg = StopReason.CG_NOT_ACCEPTED
    entries = [
        CgEntry(
            handle,
            name,
            accepted_on,
            cg_status(accepted_on, today=today),
            reason == cg,
            other_stop=reason is not None and reason != cg,
        )
        for handle, name, accepted_on, reason in rows
    ]
    # Month ends clamp (29., 30., 31.08. are all due 30.11.): one due date, sorted by handle.
    return sorted(entries, key=lambda e: (e.due_on or date.min, e.handle))


# --- recording an acceptance --------------------------------------------------------------


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
            audited(
                session, assistant, "cg.accepted", actor=actor, at=ctx.now(),
                before=before, after=snapshot(assistant, "cg_accepted_on"),
            )
        status = cg_status(assistant.cg_accepted_on, today=today)
        stop = repo.active_stop(session, assistant.id)
        offer = None
        if (
            stop is not None
            and stop.reason == StopReason.CG_NOT_ACCEPTED
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
            if decided.code != "review_decided":
                raise
            raise PolicyError("cg_stop_decided", **decided.params) from None
        assistant = stop.assistant
        if stop.reason != StopReason.CG_NOT_ACCEPTED:
            raise PolicyError("cg_stop_other_reason", name=assistant.name)
        handle, accepted_on = assistant.handle, assistant.cg_accepted_on
        if accepted_on is None or cg_status(accepted_on, today=ctx.today()).blocks_collaboration:
            raise PolicyError("cg_still_overdue", name=assistant.name)
    note = ctx.t("cg.lift_note", date=fmt_date(accepted_on, ctx.t.lang))
    return lift_stop(ctx, actor=actor, handle=handle, note=note, review=token)


# --- the daily digest ---------------------------------------------------------------------


def sweep_cg_digest(ctx: AppContext) -> int:
    """From VPA_REVIEW_TIME on each working day: one digest, once, unless nobody is due."""
    settings, now, today = ctx.settings, ctx.now(), ctx.today()
    if not is_working_day(today, holidays=ctx.holidays) or now < at_local_time(
        today, settings.review_time, settings.timezone
    ):
        return 0
    with ctx.unit_of_work() as session:
        if not claim_job_run(session, job=DIGEST_JOB, period=today.isoformat(), now=now):
            return 0
        overdue, due_soon = load_cg_overview(session, today=today)
        if not overdue and not due_soon:
            return 0  # the day is claimed all the same: "nothing due" is today's answer
        return notify(ctx, session, CgDigest(overdue, due_soon, today))
