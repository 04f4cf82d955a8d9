"""What the Home tab shows one viewer, by role; and the admin's "Erneut senden" for dead messages.

Loading returns every item of each list (or a count where that would be large); how many fit
on the page is the Block Kit builder's concern (``vpabot.bot.blocks.home``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.services.approvals import load_pending
from vpabot.bot.services.cases import Case
from vpabot.bot.services.cg import CgEntry, load_cg_overview
from vpabot.bot.services.common import snapshot
from vpabot.bot.services.reviews import ActiveStop, load_active_stops
from vpabot.policy.errors import PolicyError
from vpabot.storage import repositories as repo
from vpabot.storage.models import Assistant, OutboxMessage, Violation
from vpabot.storage.outbox import dead_messages

UPCOMING_DAYS = 14
DEAD_LOADED = 50  # the newest ones; the total is counted separately
RETRY_FIELDS = ("status", "attempts", "next_attempt_at", "last_error")


@dataclass(frozen=True)
class RecentViolation:
    handle: str
    name: str
    step: int | None
    severe: bool
    tag: str  # label
    state: str
    logged_by: str
    logged_on: date


@dataclass(frozen=True)
class DeadMessage:
    id: int
    purpose: str
    channel: str | None
    error: str
    created_at: datetime
    attempts: int


@dataclass(frozen=True)
class Overview:
    """The admin view: every list sorted most urgent first."""

    overdue_reviews: list[ActiveStop]  # stops the viewer set
    upcoming_reviews: list[ActiveStop]  # stops the viewer set, review in the next 14 days
    active_stops: list[ActiveStop]
    cg_due: list[CgEntry]  # overdue (no collaboration possible) first, then due within 14 days
    violations_this_week: list[RecentViolation]
    dead: list[DeadMessage]
    dead_total: int


@dataclass(frozen=True)
class Home:
    viewer: str
    is_admin: bool
    pending: list[Case] | None  # None: the viewer is no VPA manager
    overview: Overview | None  # None: neither admin nor manager, so no personal data at all


def load_home(ctx: AppContext, *, viewer: str) -> Home:
    settings = ctx.settings
    if not settings.is_staff(viewer):
        return Home(viewer, is_admin=False, pending=None, overview=None)
    with ctx.read() as session:  # a pure read: on SQLite it takes no write lock
        cases = load_pending(ctx, session) if settings.is_manager(viewer) else None
        overview = _overview(ctx, session, viewer)
    return Home(viewer, is_admin=settings.is_admin(viewer), pending=cases, overview=overview)


def _overview(ctx: AppContext, session: Session, viewer: str) -> Overview:
    today = ctx.today()
    monday = today - timedelta(days=today.weekday())
    stops = load_active_stops(session, now=ctx.now(), tz=ctx.settings.timezone)
    mine = [s for s in stops if s.set_by == viewer]
    soon = today + timedelta(days=UPCOMING_DAYS)
    upcoming = [s for s in mine if not s.overdue and s.until is not None and s.until <= soon]
    return Overview(
        overdue_reviews=[s for s in mine if s.overdue],
        upcoming_reviews=upcoming,
        active_stops=stops,
        cg_due=[entry for entries in load_cg_overview(session, today=today) for entry in entries],
        violations_this_week=_violations_since(ctx, session, monday),
        dead=[_dead(row) for row in dead_messages(session, limit=DEAD_LOADED)],
        dead_total=session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "dead")
        )
        or 0,
    )


def _violations_since(ctx: AppContext, session: Session, monday: date) -> list[RecentViolation]:
    rows = session.execute(
        select(Violation, Assistant)
        .join(Assistant, Violation.assistant_id == Assistant.id)
        .where(Violation.logged_on >= monday)
        .order_by(Violation.logged_at.desc(), Violation.id.desc())
    ).all()
    return [
        RecentViolation(
            handle=assistant.handle,
            name=assistant.name,
            step=violation.step,
            severe=violation.severe,
            tag=ctx.tags.get(violation.tag).label,
            state=violation.state,
            logged_by=violation.logged_by,
            logged_on=violation.logged_on,
        )
        for violation, assistant in rows
    ]


def _dead(row: OutboxMessage) -> DeadMessage:
    channel = row.payload.get("channel") if isinstance(row.payload, dict) else None
    return DeadMessage(
        id=row.id,
        purpose=row.purpose,
        channel=channel or row.slack_channel,
        error=row.last_error or "",
        created_at=row.created_at,
        attempts=row.attempts,
    )


def retry_dead_message(ctx: AppContext, *, actor: str, message_id: int) -> bool:
    """An admin sends a dead message again: pending, attempts 0, due now; audited.

    Returns False when the row is no longer dead (a second click, or another admin was
    quicker): nothing changes then.
    """
    if not ctx.settings.is_admin(actor):
        raise PolicyError("not_admin")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        row = repo.lock_row(session, OutboxMessage, message_id)
        if row is None:
            raise PolicyError("outbox_unknown")
        if row.status != "dead":
            return False
        before = snapshot(row, *RETRY_FIELDS)
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now
        session.flush()
        repo.audit(
            session,
            actor=actor,
            action="outbox.retried",
            at=now,
            subject="outbox",
            subject_id=row.id,
            before=before,
            after=snapshot(row, *RETRY_FIELDS),
        )
        return True
