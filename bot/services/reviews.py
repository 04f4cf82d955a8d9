"""Review reminders: a due-date column and a sweep, so each is sent exactly once.

The sweep claims due stops with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), queues the DM in
the outbox and moves ``review_at`` to the next working day, all in one transaction: a
restart, a crash or a second instance can neither lose nor double a reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from vpabot.bot.context import AppContext
from vpabot.bot.results.stops import ActiveStop, StopList
from vpabot.bot.results.notices import Purpose, ReviewDue, SinceStartNote, SinceStartViolation, Thread
from vpabot.bot.services.notify import first_messages, notify
from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.ladder import CLOSED_STATUSES, AssistantStatus
from vpabot.policy.stops import last_overdue_until, next_review_at
from vpabot.storage.db import skip_locked
from vpabot.storage.models import Assistant, Note, SalesStop, Violation

SINCE_START_SHOWN = 20  # the reminder stays readable; the file has the rest
# A stop of an assistant whose collaboration ended stays for good (services.stops.lift_stop).
ENDED = CLOSED_STATUSES | {AssistantStatus.RESIGNED}


def sweep_reviews(ctx: AppContext, *, limit: int = 100) -> int:
    """Remind the admins of up to ``limit`` due reviews; returns how many were due.

    A fixed number of statements however many stops are due: the stops with their assistants,
    then what happened since each stop began for all of them at once, then the batched writes.
    """
    now, settings = ctx.now(), ctx.settings
    with ctx.unit_of_work() as session:
        query = (
            select(SalesStop)
            .options(joinedload(SalesStop.assistant, innerjoin=True))
            .where(SalesStop.lifted_at.is_(None), SalesStop.review_at <= now)
            .order_by(SalesStop.review_at)
            .limit(limit)
        )
        query = skip_locked(session, query, of=SalesStop)
        stops = list(session.scalars(query).unique())
        ids = [stop.id for stop in stops]
        violations = _since_start(session, ids, Violation, Violation.logged_at)
        notes = _since_start(session, ids, Note, Note.created_at)
        parents = first_messages(
            session, Purpose.STOP_REVIEW, [stop.id for stop in stops if stop.review_reminders > 0], newest=True
        )
        notify(
            ctx,
            session,
            *(
                _review(ctx, stop, violations.get(stop.id, []), notes.get(stop.id, []), parents.get(stop.id))
                for stop in stops
            ),
        )
        for stop in stops:
            stop.review_reminders += 1
            stop.review_at = next_review_at(
                now, at=settings.review_time, tz=settings.timezone, holidays=ctx.holidays
            )
        return len(stops)


def _since_start(session: Session, stop_ids: list[int], model: Any, at: Any) -> dict[int, list[Any]]:
    """``{stop id: the first SINCE_START_SHOWN rows of model}`` logged since each stop began,
    for every stop in one statement (a window over the stops' assistants)."""
    if not stop_ids:
        return {}
    ranked = (
        select(
            SalesStop.id.label("stop_id"),
            model,
            func.row_number().over(partition_by=SalesStop.id, order_by=model.id).label("rank"),
        )
        .select_from(model)
        .join(SalesStop, and_(SalesStop.assistant_id == model.assistant_id, at >= SalesStop.set_at))
        .where(SalesStop.id.in_(stop_ids))
        .subquery()
    )
    row = aliased(model, ranked)
    found: dict[int, list[Any]] = {}
    query = (
        select(ranked.c.stop_id, row)
        .where(ranked.c.rank <= SINCE_START_SHOWN)
        .order_by(ranked.c.stop_id, ranked.c.rank)
    )
    for stop_id, item in session.execute(query):
        found.setdefault(stop_id, []).append(item)
    return found


def _review(
    ctx: AppContext,
    stop: SalesStop,
    violations: list[Any],
    notes: list[Any],
    parents: tuple[tuple[str, int], ...] | None,
) -> ReviewDue:
    """The review reminder for one stop: to the admin who set it (or changed it last). A
    re-reminder is a reply under the round's first reminder (``parents``, per recipient's DM)
    instead of one more DM of its own each day."""
    assistant: Assistant = stop.assistant
    return ReviewDue(
        stop_id=stop.id,
        name=assistant.name,
        handle=assistant.handle,
        kind=stop.kind,
        starts_on=stop.starts_on,
        until=stop.until,
        overdue=stop.review_reminders > 0,
        today=ctx.today(),
        violations=tuple(
            SinceStartViolation(v.logged_at, v.step, v.severe, v.tag, v.state, v.note) for v in violations
        ),
        notes=tuple(SinceStartNote(n.created_at, n.text) for n in notes),
        admin=stop.set_by,
        thread=Thread(parents) if parents and stop.review_reminders else None,
        reason=str(stop.reason or ""),
        note=stop.note or "",
    )


MAX_LISTED_STOPS = 45  # what `/vpa stops` can show in one message


def active_stops(ctx: AppContext, *, limit: int = MAX_LISTED_STOPS, offset: int = 0) -> StopList:
    """Overdue reviews first, then by end date; open-ended stops last: ``limit`` stops from
    row ``offset`` (0-based) and the counts. Two statements at any page."""
    today = ctx.today()
    with ctx.read() as session:
        counts = count_active_stops(session, today=today, holidays=ctx.holidays)
        items = list_active_stops(session, today=today, holidays=ctx.holidays, limit=limit, offset=offset)
    return StopList(items, counts.total, offset=offset, overdue=counts.overdue)


@dataclass(frozen=True)
class StopCounts:
    total: int
    overdue: int
    mine_overdue: int = 0  # set by the viewer, review overdue
    mine_upcoming: int = 0  # set by the viewer, review due in the next ``upcoming`` days


def count_active_stops(
    session: Session,
    *,
    today: date,
    holidays: HolidayCalendar,
    viewer: str = "",
    upcoming_until: date | None = None,
) -> StopCounts:
    """Every count the lists need, in one statement over the active-stop index."""
    last_overdue = last_overdue_until(today, holidays=holidays)
    overdue = SalesStop.until <= last_overdue
    mine = SalesStop.set_by == viewer
    soon = and_(SalesStop.until > last_overdue, SalesStop.until <= (upcoming_until or today))
    row = session.execute(
        select(
            func.count(),
            _count_if(overdue),
            _count_if(and_(mine, overdue)),
            _count_if(and_(mine, soon)),
        ).where(SalesStop.lifted_at.is_(None))
    ).one()
    return StopCounts(*(int(n or 0) for n in row))


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def list_active_stops(
    session: Session,
    *,
    today: date,
    holidays: HolidayCalendar,
    limit: int | None,
    set_by: str | None = None,
    overdue: bool | None = None,
    until_to: date | None = None,
    offset: int = 0,
) -> list[ActiveStop]:
    """``limit`` (None: all) active stops from row ``offset`` (optionally: set by one admin,
    overdue or not, ending by ``until_to``), overdue reviews first: their end dates are the
    earliest. The order is total (end date, handle), so pages neither skip nor repeat."""
    last_overdue = last_overdue_until(today, holidays=holidays)
    query = (
        select(SalesStop.id, SalesStop.kind, SalesStop.starts_on, SalesStop.until, SalesStop.set_by)
        .add_columns(Assistant.handle, Assistant.name, Assistant.status)
        .join(Assistant, SalesStop.assistant_id == Assistant.id)
        .where(SalesStop.lifted_at.is_(None))
        .order_by(SalesStop.until.asc().nulls_last(), Assistant.handle)
        .limit(limit)
        .offset(offset or None)
    )
    if set_by is not None:
        query = query.where(SalesStop.set_by == set_by)
    if overdue is True:
        query = query.where(SalesStop.until <= last_overdue)
    elif overdue is False:
        query = query.where(or_(SalesStop.until.is_(None), SalesStop.until > last_overdue))
    if until_to is not None:
        query = query.where(SalesStop.until <= until_to)
    return [
        ActiveStop(
            handle=row.handle,
            name=row.name,
            kind=row.kind,
            starts_on=row.starts_on,
            until=row.until,
            set_by=row.set_by,
            overdue=row.until is not None and row.until <= last_overdue,
            stop_id=row.id,
            due=row.until is not None and row.until <= today,
            liftable=row.status not in ENDED,  # a status this version does not know: liftable
        )
        for row in session.execute(query)
    ]


def load_active_stops(
    session: Session, *, now: datetime, tz: str, holidays: HolidayCalendar
) -> list[ActiveStop]:
    """Every active stop, for the export to Zeitplanung (CLI and API), which needs them all."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return list_active_stops(session, today=today, holidays=holidays, limit=None)
