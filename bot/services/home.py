"""What the Home tab shows one viewer, by role; and the admin's "Erneut senden" for dead messages.

Each list is loaded as one page (a LIMIT from an offset) and its total (a COUNT), so the Home
tab costs the same fixed number of statements for 100 assistants or 10,000, on any page; the
Block Kit builder (``vpabot.bot.blocks.home``) lays them out with "Weitere anzeigen".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.results.home import (
    APPROVALS_LISTED,
    LISTED,
    LISTS,
    VIOLATIONS_LISTED,
    DeadMessage,
    Home,
    Overview,
    RecentViolation,
)
from vpabot.bot.services.cases import pending_cases
from vpabot.bot.services.cg import load_cg_page
from vpabot.bot.services.common import audited, snapshot
from vpabot.bot.results.listing import Listing
from vpabot.bot.services.reviews import count_active_stops, list_active_stops
from vpabot.bot.results.stops import StopList
from vpabot.policy.dates import at_local_time
from vpabot.policy.errors import PolicyError
from vpabot.storage import repositories as repo
from vpabot.storage.models import Assistant, OutboxMessage, OutboxStatus, Violation
from vpabot.storage.outbox import dead_messages

UPCOMING_DAYS = 14
RETRY_FIELDS = ("status", "attempts", "next_attempt_at", "last_error")


def load_home(ctx: AppContext, *, viewer: str, offsets: Mapping[str, int] | None = None) -> Home:
    """One read for the viewer's Home: a fixed number of statements, each list a page (a
    LIMIT from ``offsets[list]``, 0-based; lists in ``LISTS``, missing ones from the top)
    plus a count, so 10,000 assistants cost what 100 do. No personal data for outsiders."""
    settings = ctx.settings
    if not settings.is_staff(viewer):
        return Home(viewer, is_admin=False, pending=None, overview=None)
    at = {name: max(int((offsets or {}).get(name, 0)), 0) for name in LISTS}
    with ctx.read() as session:  # a pure read: on SQLite it takes no write lock
        cases = None
        if settings.is_manager(viewer):
            cases = pending_cases(ctx, session, limit=APPROVALS_LISTED, offset=at["approvals"])
        overview = _overview(ctx, session, viewer, at)
    return Home(viewer, is_admin=settings.is_admin(viewer), pending=cases, overview=overview)


def _overview(ctx: AppContext, session: Session, viewer: str, at: dict[str, int]) -> Overview:
    today = ctx.today()
    soon = today + timedelta(days=UPCOMING_DAYS)
    holidays = ctx.holidays
    counts = count_active_stops(session, today=today, holidays=holidays, viewer=viewer, upcoming_until=soon)
    mine = dict(session=session, today=today, holidays=holidays, limit=LISTED, set_by=viewer)
    cg_due, cg_overdue = load_cg_page(session, today=today, limit=LISTED, offset=at["cg"])
    all_stops = list_active_stops(session, today=today, holidays=holidays, limit=LISTED, offset=at["stops"])
    return Overview(
        overdue_reviews=Listing(
            list_active_stops(**mine, overdue=True, offset=at["overdue"]), counts.mine_overdue, at["overdue"]
        ),
        upcoming_reviews=Listing(
            list_active_stops(**mine, overdue=False, until_to=soon, offset=at["upcoming"]),
            counts.mine_upcoming,
            at["upcoming"],
        ),
        active_stops=StopList(all_stops, counts.total, offset=at["stops"], overdue=counts.overdue),
        cg_due=cg_due,
        cg_overdue=cg_overdue,
        violations_this_week=_violations_since(
            ctx, session, today - timedelta(days=today.weekday()), offset=at["violations"]
        ),
        dead=Listing(
            [_dead(row) for row in dead_messages(session, limit=LISTED, offset=at["dead"])],
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.DEAD)
            )
            or 0,
            at["dead"],
        ),
    )


def _violations_since(
    ctx: AppContext, session: Session, monday: date, *, offset: int = 0
) -> Listing[RecentViolation]:
    """The newest violations since Monday (local), and how many there are: by the
    ``logged_at`` index, never the whole week as rows."""
    since = at_local_time(monday, time(0, 0), ctx.settings.timezone)
    this_week = Violation.logged_at >= since
    total = session.scalar(select(func.count()).select_from(Violation).where(this_week)) or 0
    rows = session.execute(
        select(
            Violation.step,
            Violation.severe,
            Violation.tag,
            Violation.state,
            Violation.logged_by,
            Violation.logged_at,
            Assistant.handle,
            Assistant.name,
        )
        .join(Assistant, Violation.assistant_id == Assistant.id)
        .where(this_week)
        .order_by(Violation.logged_at.desc(), Violation.id.desc())
        .limit(VIOLATIONS_LISTED)
        .offset(offset or None)
    ).all()
    items = [
        RecentViolation(
            handle=row.handle,
            name=row.name,
            step=row.step,
            severe=row.severe,
            tag=ctx.tags.get(row.tag).label,
            state=row.state,
            logged_by=row.logged_by,
            logged_on=ctx.local(row.logged_at).date(),
        )
        for row in rows
    ]
    return Listing(items, total, offset)


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
    quicker): nothing changes then. Raises PolicyError ``outbox_outdated`` when a newer
    message of the same kind about the same thing went out since (a stop's announcement after
    its lift was announced would tell the team something no longer true).
    """
    if not ctx.settings.is_admin(actor):
        raise PolicyError("not_admin")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        row = repo.lock_row(session, OutboxMessage, message_id)
        if row is None:
            raise PolicyError("outbox_unknown")
        if row.status != OutboxStatus.DEAD:
            return False
        if _superseded(session, row):
            raise PolicyError("outbox_outdated")
        before = snapshot(row, *RETRY_FIELDS)
        row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, now
        session.flush()
        audited(
            session, row, "outbox.retried", actor=actor, at=now,
            before=before, after=snapshot(row, *RETRY_FIELDS),
        )
        return True


def _superseded(session: Session, row: OutboxMessage) -> bool:
    """A later message of the same purpose about the same subject is sent or on its way."""
    if row.subject_id is None:
        return False
    later = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.purpose == row.purpose,
            OutboxMessage.subject_id == row.subject_id,
            OutboxMessage.id > row.id,
            OutboxMessage.status != OutboxStatus.DEAD,
        )
    )
    return bool(later)
