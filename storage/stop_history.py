"""``stop_end_dates``: each end date a stop held, kept in step with the stop and its trail.

A stop's history is its ``stop.set``/``stop.changed`` audit events in (at, id) order, with the
row filling what the trail lacks (a stop written without one: set on ``starts_on`` with the
first end date known, its ``until``) and the row's ``lifted_at`` as the lift (the row is the
authority on it). Every dated step of that history is a row here; the report decides from
those rows, in SQL, which were reviewed and how (``bot/services/report_stops.py``).

Kept by recomputing a touched stop's rows from its row and trail after each flush that wrote
the stop (its dates) or an event of its trail: a recount, not an increment, so events written
out of order (imports, tests) or in several flushes still end in the same rows. Writers that
bypass the ORM (``storage.bulk``) call ``rebuild``; a Core write of ``starts_on``, ``until``,
``lifted_at`` or of a stop's audit event would bypass the hook: there is none today (the review
sweep's Core update moves ``review_at``/``review_reminders`` only, which the report joins live).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from vpabot.storage.models import AuditEvent, SalesStop, StopEndDate

TRAIL_ACTIONS = ("stop.set", "stop.changed")
# Columns of a stop that its history reads: a change of any other column (review reminders,
# notes) leaves its end dates as they are.
HISTORY_COLUMNS = ("starts_on", "until", "lifted_at")
BATCH = 500  # stops per statement in ``refresh``: bounded parameter lists on both databases


@dataclass(frozen=True)
class Step:
    """One step of a stop's history: ``at`` is None only for a set the trail lacks."""

    at: datetime | None
    action: str  # set | changed | lifted
    until: date | None


def history(
    *, starts_on: date, until: date | None, lifted_at: datetime | None, trail: Sequence[Any]
) -> list[Step]:
    """A stop's steps from its row and ``trail`` (rows with at, action, before, after, in
    (at, id) order). The same reading the monthly report made per stop before this table."""
    steps = [Step(e.at, e.action.removeprefix("stop."), _until(e.after)) for e in trail]
    if not steps or steps[0].action != "set":
        first_until = _until(trail[0].before) if trail else until
        steps.insert(0, Step(None, "set", first_until))
    if lifted_at is not None:
        steps.append(Step(lifted_at, "lifted", None))
    return steps


def end_dates(stop_id: int, steps: Sequence[Step]) -> list[dict[str, Any]]:
    """``stop_end_dates`` rows of one stop: each dated set/change, the instant of the step
    after it (its decision), and whether it is the stop's latest set/change."""
    last = max((i for i, s in enumerate(steps) if s.action != "lifted"), default=-1)
    return [
        {
            "stop_id": stop_id,
            "seq": i,
            "until": step.until,
            "next_at": steps[i + 1].at if i + 1 < len(steps) else None,
            "latest": i == last,
        }
        for i, step in enumerate(steps)
        if step.action != "lifted" and step.until is not None
    ]


def _until(values: dict[str, Any] | None) -> date | None:
    raw = (values or {}).get("until")
    return date.fromisoformat(raw) if raw else None


def refresh(connection: Connection, stop_ids: Iterable[int]) -> None:
    """Recompute the rows of ``stop_ids`` from their stops and trails (3-4 statements a batch);
    a stop that no longer exists loses its rows."""
    ids = sorted(set(stop_ids))
    for lo in range(0, len(ids), BATCH):
        _refresh(connection, ids[lo : lo + BATCH])


def _refresh(connection: Connection, ids: list[int]) -> None:
    s, a, t = SalesStop.__table__, AuditEvent.__table__, StopEndDate.__table__
    stops = connection.execute(
        select(s.c.id, s.c.starts_on, s.c.until, s.c.lifted_at).where(s.c.id.in_(ids))
    ).all()
    trails: dict[int, list[Any]] = {}
    for row in connection.execute(
        select(a.c.subject_id, a.c.at, a.c.action, a.c.before, a.c.after)
        .where(a.c.subject == "stop", a.c.subject_id.in_(ids), a.c.action.in_(TRAIL_ACTIONS))
        .order_by(a.c.subject_id, a.c.at, a.c.id)
    ):
        trails.setdefault(row.subject_id, []).append(row)
    rows = [
        row
        for stop in stops
        for row in end_dates(
            stop.id,
            history(
                starts_on=stop.starts_on, until=stop.until, lifted_at=stop.lifted_at,
                trail=trails.get(stop.id, []),
            ),
        )
    ]
    connection.execute(delete(t).where(t.c.stop_id.in_(ids)))
    if rows:
        connection.execute(insert(t), rows)


def rebuild(connection: Connection) -> None:
    """Recompute every stop's rows (bulk loaders, after they wrote stops and trails)."""
    connection.execute(delete(StopEndDate.__table__))
    refresh(connection, connection.scalars(select(SalesStop.__table__.c.id)).all())


def _touched(session: Session) -> set[int]:
    """Ids of the stops whose history this flush may have changed."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, SalesStop):
            state = inspect(obj)
            if obj in session.new or obj in session.deleted or any(
                state.attrs[name].history.has_changes() for name in HISTORY_COLUMNS
            ):
                ids.add(obj.id)
        elif isinstance(obj, AuditEvent) and obj.subject == "stop" and obj.action in TRAIL_ACTIONS:
            if obj.subject_id is not None:
                ids.add(obj.subject_id)
    return ids


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # After the flush every row of it is written (stops and events in either order), and
    # new/dirty still name what it wrote: one recount per touched stop.
    ids = _touched(session)
    if ids:
        refresh(session.connection(), ids)
