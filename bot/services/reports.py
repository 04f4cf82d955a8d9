"""The monthly report: what happened in one calendar month (local time), counted from the database.

What is counted (the text says it too):
- violations logged in the month (``logged_at`` in local time), except withdrawn ones;
  rejected ("nicht freigegeben") and still awaiting approval are counted and named;
- stops set in the month (``starts_on``) with their planned length (first end date - start;
  open-ended ones counted apart), stops lifted in the month (``lifted_at``) with their real
  length (local day of the lift - ``starts_on``);
- reviews whose first reminder day lies in the month, on time or overdue by the rule in
  ``vpabot.policy.reports``;
- CG acceptance: assistants active at some point of the month whose read confirmation was
  not overdue at month end (or on the day their collaboration ended, if earlier).

Each group of figures has a module of its own: ``report_violations`` (a rollup kept by the
writes), ``report_stops`` (SQL over ``stop_end_dates``, kept by the stop writes) and
``report_cg`` (the roster, or its stored result for a closed month).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from vpabot.bot.results.reports import MonthlyReport
from vpabot.bot.services.report_cg import cg_numbers
from vpabot.bot.services.report_stops import stop_numbers
from vpabot.bot.services.report_violations import violation_numbers
from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.reports import Month


def build_report(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> MonthlyReport:
    """What the report says about ``month``; ``today`` tells reviews due now from late ones,
    ``holidays`` moves a review due on a holiday to the next working day."""
    active, accepted = cg_numbers(session, month, tz=tz)
    return MonthlyReport(
        month=month,
        timezone=tz,
        **violation_numbers(session, month, tz=tz),
        **stop_numbers(session, month, tz=tz, today=today, holidays=holidays),
        cg_active=active,
        cg_accepted=accepted,
    )
