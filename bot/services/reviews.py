"""Review reminders: a due-date column and a sweep, so each is sent exactly once.

The sweep claims due stops with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), queues the DM in
the outbox and moves ``review_at`` to the next working day, all in one transaction: a
restart, a crash or a second instance can neither lose nor double a reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.blocks.reviews import build_review_reminder
from vpabot.bot.context import AppContext
from vpabot.bot.services.common import admin_recipients
from vpabot.policy.stops import ReviewToken
from vpabot.policy.stops import StopKind, next_review_at, review_overdue
from vpabot.storage import repositories as repo
from vpabot.storage.db import skip_locked
from vpabot.storage.models import Assistant, Note, SalesStop, Violation

SINCE_START_SHOWN = 20  # the reminder stays readable; the file has the rest


def sweep_reviews(ctx: AppContext, *, limit: int = 100) -> int:
    now, settings = ctx.now(), ctx.settings
    with ctx.unit_of_work() as session:
        query = (
            select(SalesStop)
            .where(SalesStop.lifted_at.is_(None), SalesStop.review_at <= now)
            .order_by(SalesStop.review_at)
            .limit(limit)
        )
        query = skip_locked(session, query, of=SalesStop)
        stops = list(session.scalars(query))
        for stop in stops:
            _remind(ctx, session, stop)
            stop.review_reminders += 1
            stop.review_at = next_review_at(now, at=settings.review_time, tz=settings.timezone)
        return len(stops)


def _remind(ctx: AppContext, session: Session, stop: SalesStop) -> None:
    assistant: Assistant = stop.assistant
    violations = list(
        session.scalars(
            select(Violation)
            .where(Violation.assistant_id == assistant.id, Violation.logged_at >= stop.set_at)
            .order_by(Violation.id)
            .limit(SINCE_START_SHOWN)
        )
    )
    notes = list(
        session.scalars(
            select(Note)
            .where(Note.assistant_id == assistant.id, Note.created_at >= stop.set_at)
            .order_by(Note.id)
            .limit(SINCE_START_SHOWN)
        )
    )
    payload = build_review_reminder(
        ctx.t,
        name=assistant.name,
        handle=assistant.handle,
        kind=StopKind(stop.kind),
        starts_on=stop.starts_on,
        until=stop.until,
        overdue=stop.review_reminders > 0,
        today=ctx.today(),
        violations=violations,
        notes=notes,
        tags=ctx.tags,
        tz=ctx.settings.tz,
        token=ReviewToken(stop.id, stop.until),
    )
    for channel in admin_recipients(ctx, stop.set_by):
        repo.enqueue(
            session,
            method="chat.postMessage",
            payload={"channel": channel, **payload},
            purpose="stop_review",
            subject_id=stop.id,
            now=ctx.now(),
        )


@dataclass(frozen=True)
class ActiveStop:
    handle: str
    name: str
    kind: StopKind
    starts_on: date
    until: date | None
    set_by: str
    overdue: bool


def active_stops(ctx: AppContext) -> list[ActiveStop]:
    """Overdue reviews first, then by end date; open-ended stops last."""
    with ctx.read() as session:
        return load_active_stops(session, now=ctx.now(), tz=ctx.settings.timezone)


def load_active_stops(session: Session, *, now: datetime, tz: str = "Europe/Berlin") -> list[ActiveStop]:
    """``active_stops`` for callers without an AppContext (the export CLI needs no Slack)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    rows = session.execute(
        select(SalesStop, Assistant)
        .join(Assistant, SalesStop.assistant_id == Assistant.id)
        .where(SalesStop.lifted_at.is_(None))
    ).all()
    stops = [
        ActiveStop(
            handle=assistant.handle,
            name=assistant.name,
            kind=StopKind(stop.kind),
            starts_on=stop.starts_on,
            until=stop.until,
            set_by=stop.set_by,
            overdue=review_overdue(stop.until, today=today),
        )
        for stop, assistant in rows
    ]
    return sorted(stops, key=lambda s: (not s.overdue, s.until is None, s.until or date.max, s.handle))
