"""The report's fast paths equal the straightforward computation, on random data (hypothesis).

Violations: the UTC-month rollup plus the boundary hours vs a GROUP BY over every violation of
the local month, after random inserts, re-gradings, state changes, moves and deletes through
the ORM (the rollup must follow each). Stops: tests/bot/test_report_stops.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from tests.storage.builders import assistant
from vpabot.bot.context import AppContext
from vpabot.bot.results.reports import SEVERE, STEPS
from vpabot.bot.services import report_violations, reports
from vpabot.bot.workdays import holiday_calendar
from vpabot.policy.reports import Month
from vpabot.storage import rollups
from vpabot.storage.models import Assistant, AuditEvent, SalesStop, Violation, ViolationMonthCount

MONTHS = (Month(2026, 10), Month(2026, 11), Month(2026, 12))
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Pacific/Kiritimati")
ORIGIN = datetime(2026, 9, 28, tzinfo=timezone.utc)
SPAN_MINUTES = 75 * 24 * 60  # to mid-December
# Instants near the month boundaries of every zone above, where a wrong edge would show.
EDGES = [
    datetime(2026, m, 1, tzinfo=timezone.utc) + timedelta(hours=h, minutes=mi)
    for m in (10, 11, 12)
    for h in (-15, -14, -11, -6, -1, 0, 5, 10)
    for mi in (-1, 0, 29, 30)
]
# Each example writes and reads a real database: few examples, no deadline, one db per test.
CASES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

instants = st.one_of(
    st.integers(0, SPAN_MINUTES).map(lambda m: ORIGIN + timedelta(minutes=m)),
    st.sampled_from(EDGES),
)
violations = st.fixed_dictionaries(
    {
        "logged_at": instants,
        "source": st.sampled_from(("response", "deadline", "kontakt")),
        "tag": st.sampled_from(("qualitaet", "deadline")),
        "step": st.one_of(st.none(), st.integers(1, 4)),
        "severe": st.booleans(),
        "state": st.sampled_from(
            ("recorded", "approved", "rejected", "awaiting_approval", "withdrawn")
        ),
    }
)
changes = st.tuples(
    st.integers(0, 10_000),
    st.sampled_from(("state", "step", "logged_at", "delete", "severe")),
    st.one_of(st.sampled_from(("approved", "rejected", "withdrawn")), st.integers(1, 4), instants),
)


def wipe(session: Session, people: int = 1) -> list[Assistant]:
    """An empty database but for ``people`` assistants (examples share the test's database;
    one active stop per assistant)."""
    for model in (AuditEvent, SalesStop, Violation, ViolationMonthCount):
        session.execute(delete(model))
    known = list(session.scalars(select(Assistant).order_by(Assistant.id)))
    for n in range(len(known), people):
        known.append(assistant(f"p{n}"))
        session.add(known[-1])
    session.flush()
    return known[:people]


def straightforward_groups(session: Session, month: Month, tz: str) -> Counter[tuple[Any, ...]]:
    """What the report counted before the rollup: every violation of the local month."""
    start, end = month.bounds(tz)
    v = Violation
    groups: Counter[tuple[Any, ...]] = Counter()
    for source, tag, step, severe, state, n in session.execute(
        select(v.source, v.tag, v.step, v.severe, v.state, func.count())
        .where(v.logged_at >= start, v.logged_at < end)
        .group_by(v.source, v.tag, v.step, v.severe, v.state)
    ):
        groups[(source, tag, rollups.rung(step, severe), state)] += n
    return groups


def fast_groups(session: Session, month: Month, tz: str) -> Counter[tuple[Any, ...]]:
    groups: Counter[tuple[Any, ...]] = Counter()
    for source, tag, rung, state, n in rollups.month_counts(session, str(month)):
        groups[(source, tag, rung, state)] += n
    for key, n in report_violations.edge_groups(session, month, tz=tz):
        groups[key] += n
    return +groups  # zeros dropped, as the report drops them


def figures_of(groups: Counter[tuple[Any, ...]]) -> dict[str, Any]:
    """The report's violation fields from the groups, added up in Python (its former way)."""
    by_step = Counter({str(step): 0 for step in STEPS} | {SEVERE: 0})
    by_source: Counter[str] = Counter()
    by_tag: Counter[str] = Counter()
    states: Counter[str] = Counter()
    by_source_and_step: dict[str, Counter[str]] = {}
    for (source, tag, rung_, state), count in sorted(groups.items()):
        if state == "withdrawn" or not count:
            continue
        key = str(rung_) if rung_ else SEVERE
        by_step[key] += count
        by_source[source] += count
        by_tag[tag] += count
        states[state] += count
        by_source_and_step.setdefault(source, Counter())[key] += count
    most_first = lambda c: dict(sorted(c.items(), key=lambda i: (-i[1], i[0])))  # noqa: E731
    return dict(
        violations=sum(states.values()), rejected=states["rejected"],
        awaiting_approval=states["awaiting_approval"], by_source=most_first(by_source),
        by_tag=most_first(by_tag), by_step=dict(by_step),
        by_source_and_step={source: dict(c) for source, c in by_source_and_step.items()},
    )


@CASES
@given(rows=st.lists(violations, max_size=30), edits=st.lists(changes, max_size=15))
def test_rollup_follows_every_orm_write_and_the_report_equals_a_recount(
    ctx: AppContext, rows: list[dict[str, Any]], edits: list[tuple[int, str, Any]]
) -> None:
    with ctx.sessions.begin() as session:
        (owner,) = wipe(session)
        for n, row in enumerate(rows):
            session.add(
                Violation(assistant=owner, note=f"n{n}", logged_by="UADMIN1",
                          logged_on=row["logged_at"].date(), **row)
            )
    # Edits in a new transaction, on expired rows: the rollup must know what it replaces.
    with ctx.sessions.begin() as session:
        present = list(session.scalars(select(Violation).order_by(Violation.id)))
        for index, what, value in edits:
            if not present:
                break
            target = present[index % len(present)]
            if what == "delete":
                session.delete(target)
                present.remove(target)
            elif what == "state" and isinstance(value, str):
                target.state = value
            elif what == "step" and isinstance(value, int):
                target.step = value
            elif what == "severe":
                target.severe = not target.severe
            elif what == "logged_at" and isinstance(value, datetime):
                target.logged_at = value
            session.flush()
    with ctx.sessions() as session:
        assert rollups.drift(session) == {}
        for month in MONTHS:
            for tz in ZONES:
                groups = straightforward_groups(session, month, tz)
                assert fast_groups(session, month, tz) == groups
                assert report_violations.violation_numbers(session, month, tz=tz) == figures_of(groups)
