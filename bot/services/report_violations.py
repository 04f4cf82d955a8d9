"""The monthly report's violation figures: the UTC-month rollup, corrected to the local month.

``violation_numbers`` gives the ``MonthlyReport`` fields about violations (see
``services/reports.py`` for what is counted). One statement adds up one month of
``violation_month_counts`` and the violations of the hours between the local and the UTC month
boundaries in SQL, and hands back a few dozen sums whatever the data size.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from vpabot.bot.results.reports import SEVERE, STEPS
from vpabot.policy.ladder import ViolationState
from vpabot.policy.reports import Month
from vpabot.storage import rollups
from vpabot.storage.models import Violation, ViolationMonthCount



def violation_numbers(session: Session, month: Month, *, tz: str) -> dict[str, Any]:
    """The month's violations by source and step, by tag and by state: one statement whose
    answer is a few dozen sums however many violations the month holds.

    ``violation_month_counts`` counts UTC months; the local month differs from the UTC one by
    the hours between local and UTC midnight on the 1st (Berlin: one or two hours at each
    end), added or taken away from the violations' covering index (``edge_groups``). SQL adds
    those groups up by (source, step), by tag and by state, leaving withdrawn ones out.
    """
    t = ViolationMonthCount
    parts = [select(t.source, t.tag, t.rung, t.state, t.count.label("n")).where(
        t.month == str(month), t.count != 0
    )]
    if (edges := _edge_select(month, tz=tz)) is not None:
        parts.append(edges)
    groups = (union_all(*parts) if len(parts) > 1 else parts[0]).cte("month_groups")
    counted = groups.c.state != ViolationState.WITHDRAWN.value
    total = func.sum(groups.c.n)

    def by(kind: str, name: Any, rung_: Any) -> Any:
        return select(literal(kind), name, rung_, total).where(counted).group_by(name, rung_)

    rows = session.execute(
        union_all(
            by("step", groups.c.source, groups.c.rung),
            by("tag", groups.c.tag, literal(0)),
            by("state", groups.c.state, literal(0)),
        )
    ).all()
    by_step = Counter({str(step): 0 for step in STEPS} | {SEVERE: 0})
    by_source: Counter[str] = Counter()
    by_tag: Counter[str] = Counter()
    states: Counter[str] = Counter()
    by_source_and_step: dict[str, Counter[str]] = {}
    for kind, name, rung_, count in sorted(rows):
        count = int(count or 0)
        if not count:
            continue  # a group the edges emptied
        if kind == "step":
            key = str(rung_) if rung_ else SEVERE
            by_step[key] += count
            by_source[name] += count
            by_source_and_step.setdefault(name, Counter())[key] += count
        elif kind == "tag":
            by_tag[name] += count
        else:
            states[name] += count
    return dict(
        violations=sum(states.values()),
        rejected=states[ViolationState.REJECTED.value],
        awaiting_approval=states[ViolationState.AWAITING_APPROVAL.value],
        by_source=_most_first(by_source),
        by_tag=_most_first(by_tag),
        by_step=dict(by_step),
        by_source_and_step={source: dict(c) for source, c in by_source_and_step.items()},
    )


def _edge_select(month: Month, *, tz: str) -> Any:
    """The signed groups of ``edge_groups`` as a SELECT (None when the zone is UTC's)."""
    ranges = _edge_ranges(month, tz=tz)
    if not ranges:
        return None
    v, rung_ = Violation, rollups.rung_expression()
    sign = case(*((and_(v.logged_at >= lo, v.logged_at < hi), s) for lo, hi, s in ranges), else_=0)
    return (
        select(v.source, v.tag, rung_, v.state, func.sum(sign))
        .where(or_(*(and_(v.logged_at >= lo, v.logged_at < hi) for lo, hi, _ in ranges)))
        .group_by(v.source, v.tag, rung_, v.state)
    )


def _edge_ranges(month: Month, *, tz: str) -> list[tuple[datetime, datetime, int]]:
    """[(from, to, sign)]: + [start, a) when the local month starts earlier than the UTC one
    (east of UTC), - [a, start) when it starts later; likewise at the end."""
    start, end = month.bounds(tz)
    a = datetime(month.year, month.month, 1, tzinfo=timezone.utc)
    b = datetime(month.next().year, month.next().month, 1, tzinfo=timezone.utc)
    return [
        (lo, hi, sign)
        for lo, hi, sign in (
            (min(start, a), max(start, a), 1 if start < a else -1),
            (min(end, b), max(end, b), -1 if end < b else 1),
        )
        if lo < hi
    ]


def edge_groups(
    session: Session, month: Month, *, tz: str
) -> list[tuple[tuple[str, str, int, str], int]]:
    """Signed counts that turn the UTC month's groups into the local month's: one statement
    over at most |UTC offset| hours at each end, read from ``ix_violations_logged_at``."""
    statement = _edge_select(month, tz=tz)
    if statement is None:
        return []
    rows = session.execute(statement).all()
    return [((source, tag, int(r), state), int(n)) for source, tag, r, state, n in rows]


def _most_first(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
