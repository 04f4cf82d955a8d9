"""The monthly report's stop and review figures, counted in SQL: three statements.

What is counted is told in ``services/reports.py``; the review rule is
``vpabot.policy.reports``. The reviews come from ``stop_end_dates`` (each end date a stop held
and the instant of the step after it, kept by every stop write: ``storage/stop_history.py``),
so no stop's trail is replayed here: SQL groups the month's reviews by end date and by how many
local days after it they were decided (a few hundred groups at most, however many stops), and
the review rule is applied per group. Local days are computed in SQL from the zone's UTC
offsets around the month, which Python reads from the time zone database (a CASE of one to
three offsets), so the result is exact in every zone and on both databases.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date, Integer, and_, bindparam, case, cast, extract, func, literal, or_, select,
)
from sqlalchemy.orm import Session

from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.reports import Month, Review, ReviewOutcome, review_due_on
from vpabot.storage.models import SalesStop, StopEndDate, UTCDateTime

EPOCH = date(1970, 1, 1)
DAY = 86_400
# Decisions this many days after the end date or later are all late: the first reminder day
# is never more than a long holiday weekend after the end date.
LATE_CAP = 15
# Around the month, UTC offsets are read exactly; beyond, an offset a few hours off cannot
# move a decision across the month's end dates and their reminder days.
WINDOW = timedelta(days=40)


def stop_numbers(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> dict[str, Any]:
    """The ``MonthlyReport`` fields about stops and reviews of ``month`` (dates local to
    ``tz``); ``today`` tells pending reviews from overdue ones. Means in days, None without
    stops. Three statements whatever the data size; each reads one month's index range."""
    start, end = month.bounds(tz)
    dialect = session.get_bind().dialect.name
    set_here, dated, planned_days = session.execute(
        _set_statement(dialect), {"first": month.first_day, "last": month.last_day, "start": start}
    ).one()
    offsets = _month_offsets(month, tz)
    lifted, lifted_days = session.execute(
        _lifted_statement(dialect, len(offsets)),
        {"start": start, "end": end, **_offset_params(offsets)},
    ).one()
    return dict(
        stops_set=set_here,
        stops_set_open_ended=set_here - dated,
        mean_planned_days=_mean_of_sum(planned_days, dated),
        stops_lifted=lifted,
        mean_lifted_days=_mean_of_sum(lifted_days, lifted),
        **_reviews(session, month, tz=tz, today=today, holidays=holidays),
    )


def _reviews(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> dict[str, int]:
    """Reviews whose first reminder day lies in the month, by outcome (policy/reports)."""
    try:
        due, ends = _review_days(month, holidays)
    except TypeError:  # a calendar that cannot be a cache key: work it out each time
        due, ends = _review_days.__wrapped__(month, holidays)
    outcomes: Counter[ReviewOutcome] = Counter()
    if ends:
        offsets = _month_offsets(month, tz)
        rows = session.execute(
            _reviews_statement(session.get_bind().dialect.name, len(offsets)),
            {"lo": ends[0], "hi": ends[-1], **_offset_params(offsets)},
        ).all()
        for until, later, reminders, count in rows:
            decided = None if later < 0 else until + timedelta(days=int(later))
            review = Review(until, due[until], decided, int(reminders))
            outcomes[review.outcome(today=today)] += count
    return dict(
        reviews_on_time=outcomes[ReviewOutcome.ON_TIME],
        reviews_overdue=outcomes[ReviewOutcome.OVERDUE],
        reviews_pending=outcomes[ReviewOutcome.PENDING],
    )


# The statements are built once per database and number of UTC offsets, with bound
# parameters: building one costs more than running it on a month of stops.


@lru_cache(maxsize=8)
def _set_statement(dialect: str) -> Any:
    """Stops set in the month and not lifted before it: count, with a first end date, days."""
    s = SalesStop
    first = StopEndDate.__table__.alias("first_end_date")
    return (
        select(
            func.count(),
            func.count(first.c.until),
            func.sum(_day(first.c.until, dialect) - _day(s.starts_on, dialect)),
        )
        .select_from(s)
        .outerjoin(first, and_(first.c.stop_id == s.id, first.c.seq == 0))
        .where(
            s.starts_on >= bindparam("first", type_=Date),
            s.starts_on <= bindparam("last", type_=Date),
            or_(s.lifted_at.is_(None), s.lifted_at >= bindparam("start", type_=UTCDateTime)),
        )
    )


@lru_cache(maxsize=8)
def _lifted_statement(dialect: str, offsets: int) -> Any:
    """Stops lifted in the month: count, sum of (local lift day - start day)."""
    s = SalesStop
    return select(
        func.count(),
        func.coalesce(
            func.sum(_local_day(s.lifted_at, dialect, offsets) - _day(s.starts_on, dialect)), 0
        ),
    ).where(
        s.lifted_at >= bindparam("start", type_=UTCDateTime),
        s.lifted_at < bindparam("end", type_=UTCDateTime),
    )


@lru_cache(maxsize=8)
def _reviews_statement(dialect: str, offsets: int) -> Any:
    """The reviewed end dates from ``lo`` to ``hi``, grouped by end date, local days from the
    end date to the decision (-1: open; capped at LATE_CAP) and reminders (2: more than one)."""
    e, s = StopEndDate, SalesStop
    after = _local_day(e.next_at, dialect, offsets) - _day(e.until, dialect)
    days_after = case((e.next_at.is_(None), -1), (after > LATE_CAP, LATE_CAP), else_=after)
    reminded = case((and_(e.latest, s.review_reminders > 1), 2), else_=0)
    return (
        select(e.until, days_after, reminded, func.count())
        .join(s, s.id == e.stop_id)
        .where(
            e.until >= bindparam("lo", type_=Date), e.until <= bindparam("hi", type_=Date),
            # Changed or lifted before its end date: that end date was never reviewed.
            or_(e.next_at.is_(None), after >= 0),
        )
        .group_by(e.until, days_after, reminded)
    )


@lru_cache(maxsize=64)
def _review_days(month: Month, holidays: HolidayCalendar) -> tuple[dict[date, date], list[date]]:
    """({end date: first reminder day}, the end dates whose reminder day is in ``month``)."""
    due = {
        day: review_due_on(day, holidays=holidays)
        for day in (month.last_day - timedelta(days=n) for n in range(month.last_day.day + 31))
    }
    return due, sorted(day for day, on in due.items() if on in month)


@lru_cache(maxsize=64)
def _month_offsets(month: Month, tz: str) -> list[tuple[datetime, int]]:
    start, end = month.bounds(tz)
    return _utc_offsets(start - WINDOW, end + WINDOW, ZoneInfo(tz))


def _utc_offsets(lo: datetime, hi: datetime, zone: ZoneInfo) -> list[tuple[datetime, int]]:
    """[(from instant, UTC offset in seconds)] of ``zone`` between ``lo`` and ``hi``; the
    first entry holds before ``lo`` too, the last after ``hi``."""
    def offset(at: datetime) -> int:
        return int(at.astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]

    found = [(lo, offset(lo))]
    at = lo
    while at < hi:
        step = at + timedelta(days=1)
        if offset(step) != found[-1][1]:
            a, b = at, step  # the change lies in (a, b]: halve to the second
            while b - a > timedelta(seconds=1):
                middle = a + (b - a) / 2
                a, b = (a, middle) if offset(middle) != found[-1][1] else (middle, b)
            found.append((b.replace(microsecond=0), offset(step)))
        at = step
    return found


def _offset_params(offsets: list[tuple[datetime, int]]) -> dict[str, Any]:
    params: dict[str, Any] = {f"offset_{i}": off for i, (_, off) in enumerate(offsets)}
    params |= {f"change_{i}": at for i, (at, _) in enumerate(offsets) if i}
    return params


def _local_day(column: Any, dialect: str, offsets: int) -> Any:
    """SQL for the local day of an instant column as days since 1970-01-01, with the UTC
    offsets bound as ``offset_0``.. and the instants they change as ``change_1``.."""
    offset = [bindparam(f"offset_{i}", type_=Integer) for i in range(offsets)]
    # Each branch: before the next change, the offset in force since the one before.
    shift = offset[0] if offsets == 1 else case(
        *(
            (column < bindparam(f"change_{i}", type_=UTCDateTime), offset[i - 1])
            for i in range(1, offsets)
        ),
        else_=offset[-1],
    )
    if dialect == "postgresql":
        return cast(func.floor((extract("epoch", column) + shift) / DAY), Integer)
    # SQLite keeps instants to the millisecond (julianday is its integer milliseconds / 8.64e7):
    # rounded back to whole milliseconds, the division is an integer one with no float edge.
    millis = cast(func.round((func.julianday(column) - 2440587.5) * 86_400_000), Integer)
    return (millis + shift * 1000) // (DAY * 1000)


def _day(column: Any, dialect: str) -> Any:
    """SQL for a date column as days since 1970-01-01 (an integer on both databases)."""
    if dialect == "postgresql":
        return column - cast(literal(EPOCH.isoformat()), Date)
    return cast(func.julianday(column) - 2440587.5, Integer)


def _mean_of_sum(total: Any, count: int) -> float | None:
    return int(total) / count if count else None
