"""The monthly report's stop and review figures, aggregated in SQL: three statements, no rows.

The rules are those of ``vpabot.policy.reports`` (reviews) and ``services/reports.py`` (what
is counted); ``tests/bot/test_report_rollups.py`` checks on random data that these statements
give what the rules give when applied to each stop's history in Python.

Everything that needs the calendar or the time zone (a review's due day, local midnights, "is
it late today") is worked out in Python for the few days concerned and handed to SQL as a
small table of constants (``_days``): SQLite has no time zones and no holiday calendar.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from vpabot.policy.dates import HolidayCalendar, at_local_time
from vpabot.policy.reports import Month, review_due_on
from vpabot.storage.models import AuditEvent, SalesStop, UTCDateTime

# A review due early in the month may belong to an end date up to two weeks before it.
REVIEW_LOOKBACK = timedelta(days=14)


def stop_numbers(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar,
    concerned: Any,
) -> dict[str, Any]:
    """``MonthlyReport``'s stop and review fields for ``month`` (local calendar of ``tz``).

    ``concerned``: a SELECT of the stop ids that can add to the month (indexed date ranges,
    see ``reports._concerned_stops``); ``today`` (local) tells pending reviews from late ones.
    """
    dialect = session.get_bind().dialect.name
    start, end = month.bounds(tz)
    events = _events(concerned, dialect)
    set_here, with_end, planned_days = _planned(session, month, start, concerned, events, dialect)
    lifted_days, lifted = _lifted(session, month, tz, start, end, concerned, dialect)
    on_time, overdue, pending = _reviews(session, month, tz, today, holidays, events)
    # Means of whole days: sum / count, as ``policy.reports.mean`` computes them.
    return dict(
        stops_set=set_here,
        stops_set_open_ended=set_here - with_end,
        mean_planned_days=planned_days / with_end if with_end else None,
        stops_lifted=lifted,
        mean_lifted_days=lifted_days / lifted if lifted else None,
        reviews_on_time=on_time,
        reviews_overdue=overdue,
        reviews_pending=pending,
    )


def _text_date(column: Any, dialect: str) -> Any:
    """A DATE column as "YYYY-MM-DD" text, comparable with the end dates in the audit JSON."""
    return func.to_char(column, "YYYY-MM-DD") if dialect == "postgresql" else cast(column, String)


def _days_between(later_text: Any, earlier: Any, dialect: str) -> Any:
    """Whole days from the DATE ``earlier`` to the "YYYY-MM-DD" text ``later_text``."""
    if dialect == "postgresql":
        return cast(later_text, SalesStop.starts_on.type) - earlier
    return cast(func.julianday(later_text) - func.julianday(earlier), Integer)


def _events(concerned: Any, dialect: str) -> Any:
    """Each concerned stop's end dates as held over time: (stop_id, until text, replaced_at,
    is_current, first), the SQL form of ``reports._history``.

    ``replaced_at``: the instant of the next change, or the lift after the last one (NULL while
    it holds); ``is_current``: the stop's last end date (``review_reminders`` belongs to it);
    ``first``: the end date planned when the stop was set. A stop whose trail does not start with
    ``stop.set`` held the first change's "before" first; one without a trail, its ``until``.
    """
    order = (AuditEvent.at, AuditEvent.id)
    trail = (
        select(
            AuditEvent.subject_id.label("stop_id"),
            AuditEvent.at,
            AuditEvent.action,
            AuditEvent.after["until"].as_string().label("after_until"),
            AuditEvent.before["until"].as_string().label("before_until"),
            func.row_number().over(partition_by=AuditEvent.subject_id, order_by=order).label("rn"),
            func.lead(AuditEvent.at).over(partition_by=AuditEvent.subject_id, order_by=order)
            .label("next_at"),
        )
        .where(
            AuditEvent.subject == "stop",
            AuditEvent.action.in_(("stop.set", "stop.changed")),
            AuditEvent.subject_id.in_(concerned),
        )
        .cte("trail")
    )
    s = SalesStop
    from_trail = select(
        trail.c.stop_id, trail.c.after_until.label("until"),
        func.coalesce(trail.c.next_at, s.lifted_at).label("replaced_at"),
        case((trail.c.next_at.is_(None), 1), else_=0).label("is_current"),
        case((and_(trail.c.rn == 1, trail.c.action == "stop.set"), 1), else_=0).label("first"),
    ).join_from(trail, s, s.id == trail.c.stop_id)
    before_trail = select(
        trail.c.stop_id, trail.c.before_until, trail.c.at, literal(0), literal(1)
    ).where(trail.c.rn == 1, trail.c.action != "stop.set")
    no_trail = select(
        s.id, _text_date(s.until, dialect), s.lifted_at, literal(1), literal(1)
    ).where(s.id.in_(concerned), ~s.id.in_(select(trail.c.stop_id)))
    return union_all(from_trail, before_trail, no_trail).cte("held")


def _planned(
    session: Session, month: Month, start: datetime, concerned: Any, events: Any, dialect: str
) -> tuple[int, int, int]:
    """(stops set in the month, of them with a first end date, the sum of their planned
    lengths in days: first end date - ``starts_on``). Stops lifted before the month are not
    counted."""
    s = SalesStop
    first = select(events.c.stop_id, events.c.until).where(events.c.first == 1).subquery()
    count, with_end, total = session.execute(
        select(
            func.count(),
            func.count(first.c.until),
            func.sum(_days_between(first.c.until, s.starts_on, dialect)),
        )
        .select_from(s)
        .outerjoin(first, first.c.stop_id == s.id)
        .where(
            s.starts_on >= month.first_day, s.starts_on <= month.last_day,
            or_(s.lifted_at.is_(None), s.lifted_at >= start), s.id.in_(concerned),
        )
    ).one()
    return int(count or 0), int(with_end or 0), int(total or 0)


def _month_days(month: Month, tz: str) -> Any:
    """(day text, its local midnight in UTC, the next one) for each day of the month."""
    days, day = [], month.first_day
    while day in month:
        days.append(select(
            literal(day.isoformat(), String).label("day"),
            literal(at_local_time(day, time(0), tz), UTCDateTime()).label("since"),
            literal(at_local_time(day + timedelta(days=1), time(0), tz), UTCDateTime())
            .label("until"),
        ))
        day += timedelta(days=1)
    return union_all(*days).cte("month_days")


def _lifted(
    session: Session, month: Month, tz: str, start: datetime, end: datetime, concerned: Any,
    dialect: str,
) -> tuple[int, int]:
    """(sum of real lengths in days, stops lifted in the month): local day of the lift -
    ``starts_on``; the local day is the month day whose midnights enclose ``lifted_at``."""
    s, days = SalesStop, _month_days(month, tz)
    total, count = session.execute(
        select(func.sum(_days_between(days.c.day, s.starts_on, dialect)), func.count())
        .select_from(s)
        .join(days, and_(s.lifted_at >= days.c.since, s.lifted_at < days.c.until))
        .where(s.lifted_at >= start, s.lifted_at < end, s.id.in_(concerned))
    ).one()
    return int(total or 0), int(count or 0)


def _review_days(month: Month, tz: str, today: date, holidays: HolidayCalendar) -> Any:
    """The end dates whose review falls due in the month, with what deciding them needs:
    (until text, its local midnight, the local midnight after its due day, late today 0/1)."""
    rows, until = [], month.first_day - REVIEW_LOOKBACK
    while until <= month.last_day:
        due = review_due_on(until, holidays=holidays)
        if due in month:
            rows.append(select(
                literal(until.isoformat(), String).label("until"),
                literal(at_local_time(until, time(0), tz), UTCDateTime()).label("held_from"),
                literal(at_local_time(due + timedelta(days=1), time(0), tz), UTCDateTime())
                .label("due_end"),
                literal(int(today > due), Integer).label("late"),
            ))
        until += timedelta(days=1)
    return union_all(*rows).cte("review_days") if rows else None


def _reviews(
    session: Session, month: Month, tz: str, today: date, holidays: HolidayCalendar, events: Any
) -> tuple[int, int, int]:
    """(on time, overdue, pending) reviews due in the month, the rule of ``policy.reports``:
    an end date replaced before its own day was never reviewed; a review is on time if decided
    by the end of its due day, overdue if decided later, still open and late, or reminded more
    than once (``review_reminders``, the current end date only)."""
    days = _review_days(month, tz, today, holidays)
    if days is None:
        return 0, 0, 0
    e, s = events, SalesStop
    overdue = or_(
        and_(e.c.is_current == 1, s.review_reminders > 1),
        e.c.replaced_at >= days.c.due_end,
        and_(e.c.replaced_at.is_(None), days.c.late == 1),
    )
    outcome = case((overdue, "overdue"), (e.c.replaced_at.is_(None), "pending"), else_="on_time")
    counts = dict(
        session.execute(
            select(outcome, func.count())
            .select_from(e)
            .join(days, days.c.until == e.c.until)
            .join(s, s.id == e.c.stop_id)
            .where(or_(e.c.replaced_at.is_(None), e.c.replaced_at >= days.c.held_from))
            .group_by(outcome)
        ).all()
    )
    return counts.get("on_time", 0), counts.get("overdue", 0), counts.get("pending", 0)
