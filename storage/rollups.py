"""``violation_month_counts``: violations counted per UTC month and report key, kept in step.

Every ORM write of a ``Violation`` (logging, approval, rejection, re-grading, withdrawal,
imports, tests) moves one count in the same transaction, from the mapper events below. Writers
that bypass the ORM (``storage.bulk``, the bench data set) call ``rebuild`` after they wrote.
A Core ``update(Violation)`` that changes source, tag, step, severe, state or logged_at would
bypass both: there is none today (text-only scrubs in anonymise/privacy do not count); if one
is ever needed, call ``rebuild`` in its transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, case, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vpabot.storage.models import Violation, ViolationMonthCount

# (month "YYYY-MM" in UTC, source, tag, rung, state); rung 0 is severe / off the ladder.
Key = tuple[str, str, str, int, str]
KEY_COLUMNS = ("logged_at", "source", "tag", "step", "severe", "state")


def utc_month(instant: datetime) -> str:
    """"2026-11" for any aware instant in November 2026 UTC."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m")


def rung(step: int | None, severe: bool) -> int:
    """The report's step column: 1..4, or 0 for a severe violation (or one without a step)."""
    return 0 if severe or step is None else int(step)


def _key(values: dict[str, Any]) -> Key:
    return (
        utc_month(values["logged_at"]),
        values["source"],
        values["tag"],
        rung(values["step"], bool(values["severe"])),
        values["state"],
    )


def bump(connection: Connection, deltas: Counter[Key]) -> None:
    """Add ``deltas`` (key -> +n/-n) to the rollup: one upsert per changed key."""
    table = ViolationMonthCount.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for (month, source, tag, rung_, state), delta in deltas.items():
        if not delta:
            continue
        statement = dialect.insert(table).values(
            month=month, source=source, tag=tag, rung=rung_, state=state, count=delta
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[c.name for c in table.primary_key.columns],
                set_={"count": table.c.count + statement.excluded.count},
            )
        )


def _current(target: Violation) -> dict[str, Any]:
    return {name: getattr(target, name) for name in KEY_COLUMNS}


def _previous(target: Violation) -> dict[str, Any]:
    """The key columns as the database held them before this flush (active_history loads them)."""
    state = inspect(target)
    values = {}
    for name in KEY_COLUMNS:
        history = state.attrs[name].history
        values[name] = history.deleted[0] if history.deleted else getattr(target, name)
    return values


@event.listens_for(Violation, "after_insert")
def _inserted(_mapper: Any, connection: Connection, target: Violation) -> None:
    bump(connection, Counter({_key(_current(target)): 1}))


@event.listens_for(Violation, "after_update")
def _updated(_mapper: Any, connection: Connection, target: Violation) -> None:
    old, new = _key(_previous(target)), _key(_current(target))
    if old != new:
        bump(connection, Counter({old: -1, new: 1}))


@event.listens_for(Violation, "after_delete")
def _deleted(_mapper: Any, connection: Connection, target: Violation) -> None:
    bump(connection, Counter({_key(_previous(target)): -1}))


def month_expression(dialect: str) -> Any:
    """SQL for the UTC month of ``violations.logged_at`` as "YYYY-MM".

    SQLite stores instants as naive UTC text ("2026-11-30 23:30:00.000000"); PostgreSQL as
    timestamptz, formatted in UTC whatever the session's time zone.
    """
    column = Violation.__table__.c.logged_at
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)


def rung_expression() -> Any:
    """SQL for ``rung(step, severe)``."""
    table = Violation.__table__
    return case((table.c.severe.is_(True) | table.c.step.is_(None), 0), else_=table.c.step)


def rebuild(connection: Connection) -> None:
    """Recount the whole rollup from ``violations`` (bulk loaders; the migration does the same)."""
    table, v = ViolationMonthCount.__table__, Violation.__table__
    month, rung_ = month_expression(connection.dialect.name), rung_expression()
    connection.execute(delete(table))
    connection.execute(
        table.insert().from_select(
            ["month", "source", "tag", "rung", "state", "count"],
            select(month, v.c.source, v.c.tag, rung_, v.c.state, func.count()).group_by(
                month, v.c.source, v.c.tag, rung_, v.c.state
            ),
        )
    )


def month_counts(session: Session, month: str) -> Sequence[Any]:
    """(source, tag, rung, state, count) of one UTC month "YYYY-MM", zero counts left out."""
    t = ViolationMonthCount
    return session.execute(
        select(t.source, t.tag, t.rung, t.state, t.count).where(t.month == month, t.count != 0)
    ).all()


def drift(session: Session) -> dict[Key, int]:
    """Rollup minus a recount from ``violations``, non-zero entries only: ``{}`` when in step.

    Reads every violation: for tests and diagnostics, not for a view.
    """
    v = Violation.__table__
    month = month_expression(session.get_bind().dialect.name)
    rung_ = rung_expression()
    counted = Counter(
        {
            tuple(row[:5]): row[5]
            for row in session.execute(
                select(month, v.c.source, v.c.tag, rung_, v.c.state, func.count()).group_by(
                    month, v.c.source, v.c.tag, rung_, v.c.state
                )
            )
        }
    )
    t = ViolationMonthCount
    stored = Counter(
        {
            tuple(row[:5]): row[5]
            for row in session.execute(select(t.month, t.source, t.tag, t.rung, t.state, t.count))
        }
    )
    keys = set(counted) | set(stored)
    return {k: stored[k] - counted[k] for k in keys if stored[k] != counted[k]}

