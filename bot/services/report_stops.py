"""The monthly report's stop and review figures, counted in SQL: three statements of aggregates.

What is counted is told in ``services/reports.py``; the review rule is
``vpabot.policy.reports``. The reviews come from ``stop_end_dates`` (each end date a stop held
and the instant of the step after it, kept by every stop write: ``storage/stop_history.py``),
so no stop's trail is replayed here. Local days are decided in Python for the month's few
dozen days and handed to SQL as instants: a review counts in the month when its end date lies
in the range whose first reminder day (``review_due_on``, with the configured holidays) falls
in the month, and the decision's local day is compared through the local midnights of those
end dates. That keeps the result exact in every time zone and on both databases.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from vpabot.policy.dates import HolidayCalendar, at_local_time
from vpabot.policy.reports import Month, mean, review_due_on
from vpabot.storage.models import SalesStop, StopEndDate, UTCDateTime

EPOCH = date(1970, 1, 1)


def stop_numbers(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> dict[str, Any]:
    """The ``MonthlyReport`` fields about stops and reviews of ``month`` (dates local to
    ``tz``); ``today`` tells pending reviews from overdue ones. Means in days, None without
    stops. Three statements whatever the data size; each reads one month's index range."""
    start, end = month.bounds(tz)
    dialect = session.get_bind().dialect.name
    s = SalesStop
    first = StopEndDate.__table__.alias("first_end_date")
    set_here, dated, planned_days = session.execute(
        select(
            func.count(),
            func.count(first.c.until),
            func.sum(_day(first.c.until, dialect) - _day(s.starts_on, dialect)),
        )
        .select_from(s)
        .outerjoin(first, and_(first.c.stop_id == s.id, first.c.seq == 0))
        .where(
            s.starts_on >= month.first_day, s.starts_on <= month.last_day,
            or_(s.lifted_at.is_(None), s.lifted_at >= start),
        )
    ).one()
    lifted, lifted_days = _lifted(session, month, tz=tz, start=start, end=end, dialect=dialect)
    return dict(
        stops_set=set_here,
        stops_set_open_ended=set_here - dated,
        mean_planned_days=_mean_of_sum(planned_days, dated),
        stops_lifted=lifted,
        mean_lifted_days=_mean_of_sum(lifted_days, lifted),
        **_reviews(session, month, tz=tz, today=today, holidays=holidays),
    )


def _lifted(
    session: Session, month: Month, *, tz: str, start: datetime, end: datetime, dialect: str
) -> tuple[int, int]:
    """(stops lifted in the month, sum of their local lift day - start day)."""
    s = SalesStop
    # The local day of a lift: the month's first day plus the local midnights it passed.
    passed = [
        case((s.lifted_at >= _midnight(month.first_day + timedelta(days=n), tz), 1), else_=0)
        for n in range(1, month.last_day.day)
    ]
    count, days_passed, start_days = session.execute(
        select(func.count(), func.sum(sum(passed[1:], passed[0]) if passed else 0),
               func.sum(_day(s.starts_on, dialect)))
        .where(s.lifted_at >= start, s.lifted_at < end)
    ).one()
    if not count:
        return 0, 0
    first = (month.first_day - EPOCH).days
    return count, count * first + int(days_passed or 0) - int(start_days)


def _reviews(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> dict[str, int]:
    """Reviews whose first reminder day lies in the month, by outcome (policy/reports)."""
    due = {
        day: review_due_on(day, holidays=holidays)
        for day in (month.first_day - timedelta(days=n) for n in range(-month.last_day.day + 1, 32))
    }
    ends = sorted(day for day, on in due.items() if on in month)
    if not ends:
        return dict(reviews_on_time=0, reviews_overdue=0, reviews_pending=0)
    e, s = StopEndDate, SalesStop

    def by_end_date(values: dict[date, Any]) -> Any:
        return case(*((e.until == day, value) for day, value in values.items()))

    held_to_end = by_end_date({day: _midnight(day, tz) for day in ends})
    decided_in_time = by_end_date({day: _midnight(due[day] + timedelta(days=1), tz) for day in ends})
    late_if_open = [day for day in ends if today > due[day]]
    reminded_again = and_(e.latest, s.review_reminders > 1)
    open_and_late = e.until <= late_if_open[-1] if late_if_open else literal(False)
    on_time = and_(not_(reminded_again), e.next_at.is_not(None), e.next_at < decided_in_time)
    pending = and_(not_(reminded_again), e.next_at.is_(None), not_(open_and_late))
    counted, on_time_n, pending_n = session.execute(
        select(func.count(), func.sum(case((on_time, 1), else_=0)), func.sum(case((pending, 1), else_=0)))
        .select_from(e)
        .join(s, s.id == e.stop_id)
        .where(
            e.until >= ends[0], e.until <= ends[-1],
            # Changed or lifted before its end date: that end date was never reviewed.
            or_(e.next_at.is_(None), e.next_at >= held_to_end),
        )
    ).one()
    on_time_n, pending_n = int(on_time_n or 0), int(pending_n or 0)
    return dict(
        reviews_on_time=on_time_n,
        reviews_overdue=counted - on_time_n - pending_n,
        reviews_pending=pending_n,
    )


def _midnight(day: date, tz: str) -> Any:
    return literal(at_local_time(day, time(0), tz), UTCDateTime())


def _day(column: Any, dialect: str) -> Any:
    """SQL for a date column as days since 1970-01-01 (an integer on both databases)."""
    if dialect == "postgresql":
        return column - cast(literal(EPOCH.isoformat()), Date)
    return cast(func.julianday(column) - 2440587.5, Integer)


def _mean_of_sum(total: Any, count: int) -> float | None:
    return mean([]) if not count else int(total) / count
