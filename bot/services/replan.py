"""Stored reminder instants follow today's settings (issue 10, item 7).

A review reminder (``sales_stops.review_at``) and an approval reminder
(``violations.approval_reminder_at``) are instants computed from VPA_REVIEW_TIME and
VPA_TIMEZONE when they were planned. A changed setting would reach only what is planned after
it, so every start re-plans the open ones (:func:`replan_reminders`, called by the runtime
before its jobs run): the day stays, the time of day and the zone are today's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from vpabot.bot.context import AppContext
from vpabot.policy.dates import at_local_time
from vpabot.policy.ladder import ViolationState
from vpabot.policy.stops import first_review_at
from vpabot.storage.db import skip_locked
from vpabot.storage.models import SalesStop, Violation


def replan_reminders(ctx: AppContext) -> int:
    """Re-plan open review and approval reminders for the current settings; returns how
    many moved. Safe on every instance: rows another one holds are skipped (SKIP LOCKED)."""
    return replan_reviews(ctx) + replan_approval_reminders(ctx)


def _same_day_now(ctx: AppContext, planned: datetime) -> datetime:
    """``planned``'s day (read in today's timezone) at today's review time."""
    settings = ctx.settings
    day = planned.astimezone(settings.tz).date()
    return at_local_time(day, settings.review_time, settings.timezone)


def replan_reviews(ctx: AppContext) -> int:
    """Open reviews follow today's VPA_REVIEW_TIME and VPA_TIMEZONE; returns how many moved.

    ``review_at`` is an instant stored when the stop was set, so a changed setting would
    otherwise reach only stops set later (issue 10, item 7). Called on every start, before the
    jobs: a review not reminded yet is due on its end date (or the next working day) at
    today's time; one already reminded keeps its next reminder day (read in today's timezone)
    at today's time. Rows another instance is sweeping right now are skipped (SKIP LOCKED):
    that sweep plans them with its own settings, and the next start re-plans them.
    """
    settings = ctx.settings
    with ctx.unit_of_work() as session:
        query = select(SalesStop).where(
            SalesStop.lifted_at.is_(None), SalesStop.review_at.is_not(None)
        )
        moved = 0
        for stop in session.scalars(skip_locked(session, query, of=SalesStop)):
            if stop.review_reminders == 0:
                planned = first_review_at(
                    stop.until, at=settings.review_time, tz=settings.timezone, holidays=ctx.holidays
                )
            else:
                planned = _same_day_now(ctx, stop.review_at)  # type: ignore[arg-type]
            if planned is not None and planned != stop.review_at:
                stop.review_at = planned
                moved += 1
        return moved


def replan_approval_reminders(ctx: AppContext) -> int:
    """Cases awaiting approval are reminded on their planned day at today's review time."""
    with ctx.unit_of_work() as session:
        query = select(Violation).where(
            Violation.state == ViolationState.AWAITING_APPROVAL,
            Violation.approval_reminder_at.is_not(None),
        )
        moved = 0
        for case in session.scalars(skip_locked(session, query, of=Violation)):
            planned = _same_day_now(ctx, case.approval_reminder_at)  # type: ignore[arg-type]
            if planned != case.approval_reminder_at:
                case.approval_reminder_at = planned
                moved += 1
        return moved
