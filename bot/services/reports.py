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

from vpabot.bot.services.report_violations import violation_numbers
from vpabot.policy.cg import cg_status, latest_acceptance_due_by
from vpabot.bot.results.reports import MonthlyReport
from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.reports import Month, ReviewOutcome, StopEvent, mean, reviews_of
from vpabot.storage.models import Assistant, AuditEvent, SalesStop

# A review due early in the month may belong to a stop lifted shortly before it: an end date on
# a Saturday before a holiday weekend is reviewed days later. Two weeks covers every such gap.
REVIEW_LOOKBACK = timedelta(days=14)


def build_report(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> MonthlyReport:
    """What the report says about ``month``; ``today`` tells reviews due now from late ones,
    ``holidays`` moves a review due on a holiday to the next working day."""
    zone = ZoneInfo(tz)
    start, _end = month.bounds(tz)
    stops = _stop_and_review_numbers(
        session, month, zone=zone, start=start, today=today, holidays=holidays
    )
    active, accepted = _cg_numbers(session, month, zone=zone)
    return MonthlyReport(
        month=month,
        timezone=tz,
        **violation_numbers(session, month, tz=tz),
        **stops,
        cg_active=active,
        cg_accepted=accepted,
    )


def _stop_and_review_numbers(
    session: Session,
    month: Month,
    *,
    zone: ZoneInfo,
    start: datetime,
    today: date,
    holidays: HolidayCalendar,
) -> dict[str, Any]:
    """Stops set and lifted in the month, and its reviews, from each concerned stop's history.

    Stops and their audit trails are streamed side by side in id order (two statements, rows
    in batches), so memory stays flat however many stops the month concerns.
    """
    _start, end = month.bounds(zone.key)
    concerned = _concerned_stops(month, start=start, end=end)
    stops = session.execute(
        select(
            SalesStop.id,
            SalesStop.starts_on,
            SalesStop.until,
            SalesStop.lifted_at,
            SalesStop.review_reminders,
        )
        .where(SalesStop.id.in_(concerned))
        .order_by(SalesStop.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    trails = session.execute(
        select(
            AuditEvent.subject_id, AuditEvent.at, AuditEvent.action, AuditEvent.before, AuditEvent.after
        )
        .where(
            AuditEvent.subject == "stop",
            AuditEvent.subject_id.in_(concerned),
            AuditEvent.action.in_(("stop.set", "stop.changed")),
        )
        .order_by(AuditEvent.subject_id, AuditEvent.at, AuditEvent.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    planned: list[int] = []
    lifted_days: list[int] = []
    set_here = 0
    outcomes: Counter[ReviewOutcome] = Counter()
    for stop, changes in _with_trails(stops, trails):
        events = _history(stop, changes, zone=zone)
        if stop.lifted_at is None or stop.lifted_at >= start:
            if stop.starts_on in month:
                set_here += 1
                # The length planned when the stop was set: its first end date.
                if events[0].until is not None:
                    planned.append((events[0].until - stop.starts_on).days)
            if stop.lifted_at is not None and stop.lifted_at.astimezone(zone).date() in month:
                lifted_days.append((stop.lifted_at.astimezone(zone).date() - stop.starts_on).days)
        for review in reviews_of(events, holidays=holidays, current_reminders=stop.review_reminders):
            if review.due_on in month:
                outcomes[review.outcome(today=today)] += 1
    return dict(
        stops_set=set_here,
        stops_set_open_ended=set_here - len(planned),
        mean_planned_days=mean(planned),
        stops_lifted=len(lifted_days),
        mean_lifted_days=mean(lifted_days),
        reviews_on_time=outcomes[ReviewOutcome.ON_TIME],
        reviews_overdue=outcomes[ReviewOutcome.OVERDUE],
        reviews_pending=outcomes[ReviewOutcome.PENDING],
    )


def _concerned_stops(month: Month, *, start: datetime, end: datetime) -> Any:
    """The ids of the stops that can add to ``month``: a UNION of indexed date ranges.

    Set in the month (``starts_on``), lifted in it (``lifted_at``), or holding an end date
    that may come up for review in it: the current one (``until``), or an earlier one, which
    was then changed on or after that end date (a ``stop.changed`` event since two weeks
    before the month). Every other stop has no event in the month: reading them changed
    nothing but the time. A lifted stop keeps its last end date in ``until`` (services/stops).
    """
    first, last = month.first_day, month.last_day
    since = start - REVIEW_LOOKBACK - timedelta(days=1)  # a local day, as an instant: a day early
    base = and_(
        SalesStop.starts_on <= last,
        or_(SalesStop.lifted_at.is_(None), SalesStop.lifted_at >= start - REVIEW_LOOKBACK),
    )
    return union(
        select(SalesStop.id).where(base, SalesStop.starts_on >= first),
        select(SalesStop.id).where(base, SalesStop.lifted_at >= start - REVIEW_LOOKBACK,
                                   SalesStop.lifted_at < end),
        select(SalesStop.id).where(base, SalesStop.until >= first - REVIEW_LOOKBACK,
                                   SalesStop.until <= last),
        select(SalesStop.id).where(
            base,
            SalesStop.id.in_(
                select(AuditEvent.subject_id).where(
                    AuditEvent.action == "stop.changed", AuditEvent.at >= since,
                    AuditEvent.subject == "stop",
                )
            ),
        ),
    )


STREAM_BATCH = 100  # rows per fetch while streaming: the peak memory of the report


def _with_trails(stops: Iterable[Any], trails: Iterable[Any]) -> Iterator[tuple[Any, list[Any]]]:
    """Each stop with its audit events: both streams are sorted by stop id (a merge join)."""
    pending = iter(trails)
    event = next(pending, None)
    for stop in stops:
        while event is not None and event.subject_id < stop.id:
            event = next(pending, None)
        changes = []
        while event is not None and event.subject_id == stop.id:
            changes.append(event)
            event = next(pending, None)
        yield stop, changes


def _history(stop: Any, changes: list[Any], *, zone: ZoneInfo) -> list[StopEvent]:
    """A stop's end dates over time, from its audit trail (``stop.set``/``stop.changed``).

    The row itself fills what the trail lacks (a stop written without one): the first end date
    and the lift, which is taken from ``lifted_at`` as the row is the authority on it.
    """
    events = [
        StopEvent(e.at.astimezone(zone).date(), e.action.removeprefix("stop."), _until(e.after))
        for e in changes
    ]
    if not events or events[0].action != "set":
        first_until = _until(changes[0].before) if changes else stop.until
        events.insert(0, StopEvent(stop.starts_on, "set", first_until))
    if stop.lifted_at is not None:
        events.append(StopEvent(stop.lifted_at.astimezone(zone).date(), "lifted", None))
    return events


def _until(values: dict[str, Any] | None) -> date | None:
    raw = (values or {}).get("until")
    return date.fromisoformat(raw) if raw else None


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
