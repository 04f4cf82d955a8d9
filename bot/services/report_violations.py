"""The monthly report's violation figures: the UTC-month rollup, corrected to the local month.

``violation_numbers`` gives the ``MonthlyReport`` fields about violations (see
``services/reports.py`` for what is counted). It reads one month of ``violation_month_counts``
(a few hundred rows whatever the data size) and the violations of the hours between the local
and the UTC month boundaries; two statements.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from vpabot.bot.results.reports import SEVERE, STEPS
from vpabot.policy.ladder import ViolationState
from vpabot.policy.reports import Month
from vpabot.storage import rollups
from vpabot.storage.models import Violation



def violation_numbers(session: Session, month: Month, *, tz: str) -> dict[str, Any]:
    """The month's violations by (source, tag, rung, state), from the rollup: a few hundred
    rows however many violations the month holds.

    ``violation_month_counts`` counts UTC months; the local month differs from the UTC one by
    the hours between local and UTC midnight on the 1st (Berlin: one or two hours at each
    end), added or taken away from the violations' covering index (``edge_groups``).
    """
    groups: Counter[tuple[str, str, int, str]] = Counter()
    for source, tag, rung_, state, count in rollups.month_counts(session, str(month)):
        groups[(source, tag, rung_, state)] += count
    for key, count in edge_groups(session, month, tz=tz):
        groups[key] += count
    by_step = Counter({str(step): 0 for step in STEPS} | {SEVERE: 0})
    by_source: Counter[str] = Counter()
    by_tag: Counter[str] = Counter()
    states: Counter[str] = Counter()
    by_source_and_step: dict[str, Counter[str]] = {}
    for (source, tag, rung_, state), count in sorted(groups.items()):
        if state == ViolationState.WITHDRAWN.value or not count:
            continue  # withdrawn ones are not counted; a zero is a group the edges emptied
        key = str(rung_) if rung_ else SEVERE
        by_step[key] += count
        by_source[source] += count
        by_tag[tag] += count
        states[state] += count
        by_source_and_step.setdefault(source, Counter())[key] += count
    return dict(
        violations=sum(states.values()),
        rejected=states[ViolationState.REJECTED.value],
        awaiting_approval=states[ViolationState.AWAITING_APPROVAL.value],
        by_source=_most_first(by_source),
        by_tag=_most_first(by_tag),
        by_step=dict(by_step),
        by_source_and_step={source: dict(c) for source, c in by_source_and_step.items()},
    )


def edge_groups(
    session: Session, month: Month, *, tz: str
) -> list[tuple[tuple[str, str, int, str], int]]:
    """Signed counts that turn the UTC month's groups into the local month's.

    Local month [start, end), UTC month [a, b): + [start, a) when the local month starts
    earlier (east of UTC), - [a, start) when it starts later; likewise at the end. One
    statement over at most |UTC offset| hours at each end, read from ``ix_violations_logged_at``.
    """
    start, end = month.bounds(tz)
    a = datetime(month.year, month.month, 1, tzinfo=timezone.utc)
    b = datetime(month.next().year, month.next().month, 1, tzinfo=timezone.utc)
    ranges = [
        (lo, hi, sign)
        for lo, hi, sign in (
            (min(start, a), max(start, a), 1 if start < a else -1),
            (min(end, b), max(end, b), -1 if end < b else 1),
        )
        if lo < hi
    ]
    if not ranges:
        return []
    v, rung_ = Violation, rollups.rung_expression()
    sign = case(*((and_(v.logged_at >= lo, v.logged_at < hi), s) for lo, hi, s in ranges), else_=0)
    rows = session.execute(
        select(v.source, v.tag, rung_, v.state, func.sum(sign))
        .where(or_(*(and_(v.logged_at >= lo, v.logged_at < hi) for lo, hi, _ in ranges)))
        .group_by(v.source, v.tag, rung_, v.state)
    ).all()
    return [((source, tag, int(r), state), int(n)) for source, tag, r, state, n in rows]


def _most_first(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
