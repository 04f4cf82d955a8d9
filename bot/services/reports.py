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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vpabot.policy.cg import cg_status
from vpabot.policy.ladder import ViolationState
from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.reports import Month, ReviewOutcome, StopEvent, mean, reviews_of
from vpabot.storage.models import Assistant, AuditEvent, SalesStop, Violation

STEPS = (1, 2, 3, 4)
SEVERE = "severe"
# A review due early in the month may belong to a stop lifted shortly before it: an end date on
# a Saturday before a holiday weekend is reviewed days later. Two weeks covers every such gap.
REVIEW_LOOKBACK = timedelta(days=14)


def step_key(violation: Violation) -> str:
    return SEVERE if violation.severe or violation.step is None else str(violation.step)


@dataclass(frozen=True)
class MonthlyReport:
    month: Month
    timezone: str
    violations: int = 0
    rejected: int = 0
    awaiting_approval: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    by_tag: dict[str, int] = field(default_factory=dict)
    by_step: dict[str, int] = field(default_factory=dict)  # "1".."4" and "severe"
    by_source_and_step: dict[str, dict[str, int]] = field(default_factory=dict)
    stops_set: int = 0
    stops_set_open_ended: int = 0
    mean_planned_days: float | None = None
    stops_lifted: int = 0
    mean_lifted_days: float | None = None
    reviews_on_time: int = 0
    reviews_overdue: int = 0
    reviews_pending: int = 0
    cg_active: int = 0
    cg_accepted: int = 0

    @property
    def reviews(self) -> int:
        return self.reviews_on_time + self.reviews_overdue + self.reviews_pending

    @property
    def cg_rate(self) -> float | None:
        return self.cg_accepted / self.cg_active if self.cg_active else None


def build_report(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> MonthlyReport:
    """What the report says about ``month``; ``today`` tells reviews due now from late ones,
    ``holidays`` moves a review due on a holiday to the next working day."""
    zone = ZoneInfo(tz)
    start, end = month.bounds(tz)
    stops = _stop_numbers(session, month, zone=zone, start=start)
    reviews = _review_numbers(
        session, month, zone=zone, start=start, today=today, holidays=holidays
    )
    active, accepted = _cg_numbers(session, month, zone=zone)
    return MonthlyReport(
        month=month,
        timezone=tz,
        **_violation_numbers(session, start=start, end=end),
        **stops,
        **reviews,
        cg_active=active,
        cg_accepted=accepted,
    )


def _violation_numbers(session: Session, *, start: datetime, end: datetime) -> dict[str, Any]:
    rows = list(
        session.scalars(
            select(Violation).where(
                Violation.logged_at >= start,
                Violation.logged_at < end,
                Violation.state != ViolationState.WITHDRAWN.value,
            )
        )
    )
    by_step = Counter({str(step): 0 for step in STEPS} | {SEVERE: 0})
    by_step.update(step_key(v) for v in rows)
    by_source_and_step: dict[str, Counter[str]] = {}
    for v in rows:
        by_source_and_step.setdefault(v.source, Counter())[step_key(v)] += 1
    states = Counter(v.state for v in rows)
    return dict(
        violations=len(rows),
        rejected=states[ViolationState.REJECTED.value],
        awaiting_approval=states[ViolationState.AWAITING_APPROVAL.value],
        by_source=_most_first(Counter(v.source for v in rows)),
        by_tag=_most_first(Counter(v.tag for v in rows)),
        by_step=dict(by_step),
        by_source_and_step={source: dict(c) for source, c in by_source_and_step.items()},
    )


def _most_first(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _stop_numbers(
    session: Session, month: Month, *, zone: ZoneInfo, start: datetime
) -> dict[str, Any]:
    candidates = list(
        session.scalars(
            select(SalesStop).where(
                SalesStop.starts_on <= month.last_day,
                or_(SalesStop.lifted_at.is_(None), SalesStop.lifted_at >= start),
            )
        )
    )
    set_here = [s for s in candidates if s.starts_on in month]
    histories = _histories(session, set_here, zone=zone)
    # The length planned when the stop was set: its first end date, before any extension.
    planned = [
        (histories[s.id][0].until - s.starts_on).days
        for s in set_here
        if histories[s.id][0].until is not None
    ]
    lifted_on = {
        s.id: s.lifted_at.astimezone(zone).date() for s in candidates if s.lifted_at is not None
    }
    lifted_days = [
        (lifted_on[s.id] - s.starts_on).days for s in candidates if lifted_on.get(s.id) in month
    ]
    return dict(
        stops_set=len(set_here),
        stops_set_open_ended=len(set_here) - len(planned),
        mean_planned_days=mean(planned),
        stops_lifted=len(lifted_days),
        mean_lifted_days=mean(lifted_days),
    )


def _review_numbers(
    session: Session,
    month: Month,
    *,
    zone: ZoneInfo,
    start: datetime,
    today: date,
    holidays: HolidayCalendar,
) -> dict[str, Any]:
    stops = list(
        session.scalars(
            select(SalesStop).where(
                SalesStop.starts_on <= month.last_day,
                or_(SalesStop.lifted_at.is_(None), SalesStop.lifted_at >= start - REVIEW_LOOKBACK),
            )
        )
    )
    outcomes: Counter[ReviewOutcome] = Counter()
    reminders = {s.id: s.review_reminders for s in stops}
    for stop_id, events in _histories(session, stops, zone=zone).items():
        for review in reviews_of(events, holidays=holidays, current_reminders=reminders[stop_id]):
            if review.due_on in month:
                outcomes[review.outcome(today=today)] += 1
    return dict(
        reviews_on_time=outcomes[ReviewOutcome.ON_TIME],
        reviews_overdue=outcomes[ReviewOutcome.OVERDUE],
        reviews_pending=outcomes[ReviewOutcome.PENDING],
    )


def _histories(
    session: Session, stops: Iterable[SalesStop], *, zone: ZoneInfo
) -> dict[int, list[StopEvent]]:
    """Each stop's end dates over time, from its audit trail (``stop.set``/``stop.changed``).

    The row itself fills what the trail lacks (a stop written without one): the first end date
    and the lift, which is taken from ``lifted_at`` as the row is the authority on it.
    """
    stops = list(stops)
    changes: dict[int, list[AuditEvent]] = {s.id: [] for s in stops}
    if stops:
        for event in session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.subject == "stop",
                AuditEvent.subject_id.in_(list(changes)),
                AuditEvent.action.in_(("stop.set", "stop.changed")),
            )
            .order_by(AuditEvent.at, AuditEvent.id)
        ):
            changes[event.subject_id].append(event)  # type: ignore[index]
    histories: dict[int, list[StopEvent]] = {}
    for stop in stops:
        events = [
            StopEvent(e.at.astimezone(zone).date(), e.action.removeprefix("stop."), _until(e.after))
            for e in changes[stop.id]
        ]
        if not events or events[0].action != "set":
            first_until = _until(changes[stop.id][0].before) if changes[stop.id] else stop.until
            events.insert(0, StopEvent(stop.starts_on, "set", first_until))
        if stop.lifted_at is not None:
            events.append(StopEvent(stop.lifted_at.astimezone(zone).date(), "lifted", None))
        histories[stop.id] = events
    return histories


def _until(values: dict[str, Any] | None) -> date | None:
    raw = (values or {}).get("until")
    return date.fromisoformat(raw) if raw else None


def _cg_numbers(session: Session, month: Month, *, zone: ZoneInfo) -> tuple[int, int]:
    active: list[tuple[Assistant, date]] = []
    for assistant in session.scalars(select(Assistant)):
        began = assistant.joined_on or assistant.created_at.astimezone(zone).date()
        if began > month.last_day:
            continue
        if assistant.ended_on is not None and assistant.ended_on < month.first_day:
            continue
        # Someone who left during the month is judged on their last day, not at month end.
        judged_on = min(month.last_day, assistant.ended_on or month.last_day)
        active.append((assistant, judged_on))
    accepted = sum(
        not cg_status(_accepted_by(session, assistant, day), today=day).blocks_collaboration
        for assistant, day in active
    )
    return len(active), accepted


def _accepted_by(session: Session, assistant: Assistant, day: date) -> date | None:
    """The last read confirmation on or before ``day``.

    ``cg_accepted_on`` holds only the latest one; if that came after ``day``, the earlier one
    is looked up in the audit trail (any event that recorded ``cg_accepted_on`` before or
    after a change). Without such a trail nothing is known for ``day``: not accepted.
    """
    if assistant.cg_accepted_on is not None and assistant.cg_accepted_on <= day:
        return assistant.cg_accepted_on
    known: list[date] = []
    for event in session.scalars(select(AuditEvent).where(AuditEvent.assistant_id == assistant.id)):
        for values in (event.before, event.after):
            raw = (values or {}).get("cg_accepted_on")
            if raw and date.fromisoformat(raw) <= day:
                known.append(date.fromisoformat(raw))
    return max(known, default=None)
