"""The previous month's report and chart to every VPA manager, once, on the first working day.

Exactly once across instances and restarts: the sweep claims the ``job_runs`` row
(monthly_report, 2026-11) in the same transaction that queues the uploads in the outbox.
Whoever commits first sends; a crash before the commit leaves neither, so the next sweep
tries again; the outbox then delivers each manager's upload once.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from vpabot.bot.context import AppContext
from vpabot.bot.results.notices import MonthlyReportReady
from vpabot.bot.services.notify import notify
from vpabot.bot.services.report_cg import remember_previous_month
from vpabot.bot.services.reports import build_report
from vpabot.policy.dates import at_local_time
from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.reports import Month, first_working_day, working_days_after
from vpabot.storage.jobs import claim_job_run

JOB = "monthly_report"
# If no instance ran on the first working day (an outage, a redeploy), the report still goes
# out on the next working days, but not later: a report a week late is news to no one, and
# a fresh installation must not greet the managers with last month's numbers mid-month.
CATCH_UP_WORKING_DAYS = 2


def report_due(now: datetime, *, at: time, tz: str, holidays: HolidayCalendar) -> Month | None:
    """The month whose report is due at ``now``: the previous one, from the first working day
    at ``at`` (VPA_REVIEW_TIME) until the catch-up days are over; None on every other day."""
    today = now.astimezone(ZoneInfo(tz)).date()
    first = first_working_day(Month.of(today), holidays=holidays)
    if now < at_local_time(first, at, tz):
        return None
    if today > working_days_after(first, CATCH_UP_WORKING_DAYS, holidays=holidays):
        return None
    return Month.of(today).previous()


def sweep_monthly_report(ctx: AppContext) -> int:
    """Queue the report for every manager if it is due and nobody queued it yet; first keep
    the previous month's CG figures stored, so asking for its report never counts the roster."""
    remember_previous_month(ctx)
    settings, now = ctx.settings, ctx.now()
    month = report_due(now, at=settings.review_time, tz=settings.timezone, holidays=ctx.holidays)
    if month is None or not settings.managers():
        return 0
    with ctx.unit_of_work() as session:
        if not claim_job_run(session, job=JOB, period=str(month), now=now):
            return 0
        report = build_report(
            session, month, tz=settings.timezone, today=ctx.today(), holidays=ctx.holidays
        )
        return notify(ctx, session, MonthlyReportReady(month, report))
