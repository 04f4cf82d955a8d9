"""The report's stop and review figures computed the straightforward way, for the tests.

This is how ``services/reports.py`` computed them before they moved into SQL
(``services/report_stops.py``): each concerned stop's audit trail read into Python, its
history rebuilt and judged by ``vpabot.policy.reports``. Tests compare the two on random data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.reports import Month, ReviewOutcome, StopEvent, mean, reviews_of
from vpabot.storage.models import AuditEvent, SalesStop


def stop_and_review_numbers(
    session: Session,
    month: Month,
    *,
    zone: ZoneInfo,
    start: datetime,
    today: date,
    holidays: HolidayCalendar,
    concerned: Any,
) -> dict[str, Any]:
    """Stops set and lifted in the month, and its reviews, from each concerned stop's history.

    Stops and their audit trails are streamed side by side in id order (two statements, rows
    in batches), so memory stays flat however many stops the month concerns.
    """
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


