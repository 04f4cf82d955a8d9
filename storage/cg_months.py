"""``cg_month_figures``: the report's CG figures of closed months, dropped when the roster changes.

"Accepted at month end" depends on each person's acceptance history, so counting it reads the
roster (and, for those who accepted again since, their audit trail): it grows with the roster.
The figures of a month are a function of the roster's dates (``joined_on``, ``created_at``,
``ended_on``, ``cg_accepted_on``) and of the acceptance audit trail alone, not of the day they
are asked for; so a stored result stays exact for as long as none of those changes. Every ORM
write of them deletes, in the same transaction, the stored months from the first month it can
change (a flush hook below): an acceptance recorded today leaves the closed months alone, a
back-dated import or a corrected join date drops the months from its date on, which are then
counted from the roster again until the sweep stores them anew.

Writers that bypass the ORM (``storage.bulk``) write to an empty database. A Core
``update(Assistant)`` of those dates would bypass the events: there is none today; if one is
ever needed, call ``forget_from`` in its transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, event, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vpabot.storage.models import Assistant, AuditEvent, CgMonthFigures

# Audit events that record an assistant's ``cg_accepted_on`` (before and after the change).
CG_ACTIONS = ("cg.accepted", "assistant.added", "assistant.updated")
DATE_COLUMNS = ("joined_on", "cg_accepted_on", "ended_on")
CHUNK = 500  # assistants per IN (...) list when reading acceptance trails in the flush hook


def stored(session: Session, month: str, *, tz: str) -> tuple[int, int] | None:
    """(active, accepted) of ``month`` ("2026-10") in ``tz`` if stored and still valid."""
    row = session.execute(
        select(CgMonthFigures.active, CgMonthFigures.accepted).where(
            CgMonthFigures.month == month, CgMonthFigures.tz == tz
        )
    ).first()
    return (row.active, row.accepted) if row else None


def lock(session: Session) -> None:
    """Call before counting a month to ``remember``: a roster write committed while the count
    runs must not leave the count stored. PostgreSQL: the writers' DELETE waits for this
    transaction (and this one for theirs); SQLite: the unit of work's BEGIN IMMEDIATE holds the
    only write lock already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE cg_month_figures IN SHARE ROW EXCLUSIVE MODE"))


def remember(
    session: Session, month: str, *, tz: str, active: int, accepted: int, now: datetime
) -> None:
    """Store the figures counted (after ``lock``) in this transaction; replaces a stored row."""
    table = CgMonthFigures.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = dict(month=month, tz=tz, active=active, accepted=accepted, computed_at=now)
    statement = dialect.insert(table).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["month", "tz"],
            set_={k: statement.excluded[k] for k in ("active", "accepted", "computed_at")},
        )
    )


def forget_from(connection: Connection, day: date) -> None:
    """Drop the stored months from the month of ``day`` on (one statement)."""
    table = CgMonthFigures.__table__
    connection.execute(delete(table).where(table.c.month >= day.strftime("%Y-%m")))


def _created_day(created_at: datetime | None) -> date | None:
    # The local day of an instant is at most a day off its UTC day, in either direction.
    return created_at.date() - timedelta(days=1) if created_at else None


def _day(raw: Any) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _accepted(event: AuditEvent) -> tuple[date | None, date | None]:
    before, after = ((values or {}).get("cg_accepted_on") for values in (event.before, event.after))
    return _day(before), _day(after)


def first_changed_day(session: Session) -> date | None:
    """The first day whose CG figures this flush may change; None when it changes none.

    A later acceptance recorded with its trail event (before: the one it replaces) changes
    nothing before its own day, as long as the trail holds no acceptance between the two: the
    report finds the earlier one in the trail (``_between`` reads the trail to make sure).
    Without such an event in the same flush, the figures may change from the earlier of both
    days.
    """
    days: list[date | None] = []
    events = [
        e for e in session.new
        if isinstance(e, AuditEvent) and e.action in CG_ACTIONS and e.assistant_id is not None
    ]
    paired: set[int] = set()
    forward: dict[int, tuple[date | None, date]] = {}  # assistant id -> (old, new) acceptance
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, Assistant):
            continue
        if obj in session.new or obj in session.deleted:
            # Active from the join date; creation counts only without one.
            days.append(obj.joined_on or _created_day(obj.created_at))
            continue
        state = inspect(obj)
        for name in ("joined_on", "ended_on"):
            history = state.attrs[name].history
            if history.has_changes():
                days += [*history.deleted, *history.added]
        joined, created = state.attrs.joined_on.history, state.attrs.created_at.history
        # Creation counts only for someone without a join date (before or after the change).
        if (joined.has_changes() and None in (*joined.deleted, *joined.added)) or (
            created.has_changes() and obj.joined_on is None
        ):
            days += [_created_day(d) for d in (obj.created_at, *created.deleted)]
        accepted = state.attrs.cg_accepted_on.history
        if accepted.has_changes():
            old, new = (accepted.deleted or [None])[0], obj.cg_accepted_on
            trail = [e for e in events if e.assistant_id == obj.id and _accepted(e) == (old, new)]
            if trail and new is not None and (old is None or new > old):
                days.append(new)
                paired.update(id(e) for e in trail)
                forward[obj.id] = (old, new)
            else:
                days += [old, new]
    for e in events:
        if id(e) not in paired:
            days += list(_accepted(e))
    days += _between(session, forward)
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _between(session: Session, forward: dict[int, tuple[date | None, date]]) -> list[date]:
    """The trail's acceptance dates between the one replaced and the later one that replaces
    it (``forward``: assistant id -> (old, new)), one statement per CHUNK assistants.

    A judged day before ``new`` now reads the trail's last acceptance on or before it. That
    is ``old`` only if the trail holds nothing between the two (it may: an earlier, later
    acceptance that a roster import corrected back to ``old``); from such a date on, the
    figures change, and the stored months from it are dropped too.
    """
    a = AuditEvent.__table__
    found: list[date] = []
    ids = sorted(forward)
    for lo in range(0, len(ids), CHUNK):
        rows = session.connection().execute(
            select(a.c.assistant_id, a.c.before, a.c.after).where(
                a.c.assistant_id.in_(ids[lo : lo + CHUNK]), a.c.action.in_(CG_ACTIONS)
            )
        )
        for assistant_id, before, after in rows:
            old, new = forward[assistant_id]
            for values in (before, after):
                day = _day((values or {}).get("cg_accepted_on"))
                if day is not None and (old is None or day > old) and day < new:
                    found.append(day)
    return found


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # After the flush, new/dirty still name what it wrote with the values it replaced: the
    # assistant's change and its trail event are judged together (one DELETE at most).
    day = first_changed_day(session)
    if day is not None:
        forget_from(session.connection(), day)
