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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from vpabot.bot.services.report_stops import stop_numbers
from vpabot.bot.services.report_violations import violation_numbers
from vpabot.policy.cg import cg_status, latest_acceptance_due_by
from vpabot.bot.results.reports import MonthlyReport
from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.reports import Month, ReviewOutcome, StopEvent, mean, reviews_of
from vpabot.storage.models import Assistant, AuditEvent, SalesStop

def build_report(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> MonthlyReport:
    """What the report says about ``month``; ``today`` tells reviews due now from late ones,
    ``holidays`` moves a review due on a holiday to the next working day."""
    zone = ZoneInfo(tz)
    stops = stop_numbers(session, month, tz=tz, today=today, holidays=holidays)
    active, accepted = _cg_numbers(session, month, zone=zone)
    return MonthlyReport(
        month=month,
        timezone=tz,
        **violation_numbers(session, month, tz=tz),
        **stops,
        cg_active=active,
        cg_accepted=accepted,
    )


# Audit events that record an assistant's ``cg_accepted_on`` (before and after the change).
CG_ACTIONS = ("cg.accepted", "assistant.added", "assistant.updated")


def _cg_numbers(session: Session, month: Month, *, zone: ZoneInfo) -> tuple[int, int]:
    """(active in the month, of them with a valid read confirmation): counted in SQL.

    Only two groups are read as rows: those who left during the month (judged on their last
    day) and those whose stored acceptance came after the day they are judged on (the audit
    trail tells the one before). Everyone else is a COUNT over the acceptance-date index.
    """
    first, last = month.first_day, month.last_day
    _start, end = month.bounds(zone.key)
    accepted = Assistant.cg_accepted_on
    active = and_(
        or_(Assistant.joined_on <= last, and_(Assistant.joined_on.is_(None), Assistant.created_at < end)),
        or_(Assistant.ended_on.is_(None), Assistant.ended_on >= first),
    )
    at_month_end = or_(Assistant.ended_on.is_(None), Assistant.ended_on > last)
    valid_after = latest_acceptance_due_by(last - timedelta(days=1))  # not overdue on ``last``
    total, valid = session.execute(
        select(
            func.count(),
            func.sum(case((and_(at_month_end, accepted > valid_after, accepted <= last), 1), else_=0)),
        ).where(active)
    ).one()
    leavers = session.execute(
        select(Assistant.id, Assistant.ended_on, accepted).where(active, Assistant.ended_on <= last)
    ).all()
    judged = {row.id: row.ended_on for row in leavers}
    valid = int(valid or 0) + sum(
        not cg_status(row.cg_accepted_on, today=row.ended_on).blocks_collaboration
        for row in leavers
        if row.cg_accepted_on is not None and row.cg_accepted_on <= row.ended_on
    )
    later = [row.id for row in leavers if row.cg_accepted_on is not None and row.cg_accepted_on > row.ended_on]
    earlier = _acceptances_before(session, later, judged, month_end=last, active=active)
    valid += sum(
        not cg_status(day_accepted, today=judged.get(assistant_id, last)).blocks_collaboration
        for assistant_id, day_accepted in earlier.items()
    )
    return int(total or 0), valid


def _acceptances_before(
    session: Session, leaver_ids: list[int], judged: dict[int, date], *, month_end: date, active: Any
) -> dict[int, date]:
    """``{assistant id: the last acceptance on or before the day they are judged on}`` for
    those whose stored one is later, read from the audit trail in one statement.

    ``cg_accepted_on`` holds only the latest confirmation. Without a trail nothing is known
    for that day: not accepted (left out of the result).
    """
    accepted = Assistant.cg_accepted_on
    stayed_later = select(Assistant.id).where(
        active, or_(Assistant.ended_on.is_(None), Assistant.ended_on > month_end), accepted > month_end
    )
    who = or_(AuditEvent.assistant_id.in_(stayed_later), AuditEvent.assistant_id.in_(leaver_ids))
    known: dict[int, date] = {}
    for assistant_id, before, after in session.execute(
        select(AuditEvent.assistant_id, AuditEvent.before, AuditEvent.after).where(
            AuditEvent.action.in_(CG_ACTIONS), who
        )
    ):
        day = judged.get(assistant_id, month_end)
        for values in (before, after):
            raw = (values or {}).get("cg_accepted_on")
            if raw and date.fromisoformat(raw) <= day:
                known[assistant_id] = max(known.get(assistant_id, date.min), date.fromisoformat(raw))
    return known
