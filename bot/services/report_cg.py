"""The monthly report's CG figures: active in the month, and of them with a valid read
confirmation at month end (or on their last day, if they left during the month).

Counting them reads the roster (``counted``); for a closed month the sweep stores the result
(``remember_previous_month``) and the report reads it back (``cg_numbers``). That is exact
for every month: the figures depend only on the roster's dates and the acceptance trail, and
every write of those drops the stored months it can change, in its own transaction
(``storage/cg_months.py``). The current month is always counted: its figures change with
every acceptance, and it is the month with the fewest acceptances after its end to read.
A month whose stored row was dropped, or that closed before the sweep stored it, is counted,
with the same result, until the sweep stores it again.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.policy.cg import cg_status, latest_acceptance_due_by
from vpabot.policy.reports import Month
from vpabot.storage import cg_months
from vpabot.storage.cg_months import CG_ACTIONS
from vpabot.storage.models import Assistant, AuditEvent


def cg_numbers(session: Session, month: Month, *, tz: str) -> tuple[int, int]:
    """(active in ``month``, of them accepted): the stored figures of a closed month, else
    counted from the roster. One statement when stored."""
    return cg_months.stored(session, str(month), tz=tz) or counted(session, month, zone=ZoneInfo(tz))


def remember_previous_month(ctx: AppContext) -> bool:
    """Store the previous month's figures if they are not stored (or were dropped); True when
    it counted. Called by the monthly report's sweep: one indexed read when nothing is to do."""
    tz, month = ctx.settings.timezone, Month.of(ctx.today()).previous()
    with ctx.read() as session:
        if cg_months.stored(session, str(month), tz=tz) is not None:
            return False
    with ctx.unit_of_work() as session:
        cg_months.lock(session)
        active, accepted = counted(session, month, zone=ZoneInfo(tz))
        cg_months.remember(session, str(month), tz=tz, active=active, accepted=accepted, now=ctx.now())
    return True


def counted(session: Session, month: Month, *, zone: ZoneInfo) -> tuple[int, int]:
    """(active in the month, of them with a valid read confirmation): counted in SQL.

    Only two groups are read as rows: those who left during the month (judged on their last
    day) and those whose stored acceptance came after the day they are judged on (the audit
    trail tells the one before). Everyone else is a COUNT over the acceptance-date index.
    """
    first, last = month.first_day, month.last_day
    _start, end = month.bounds(zone.key)
    accepted = Assistant.cg_accepted_on
    active = and_(
        or_(Assistant.joined_on <= last, and_(Assistant.joined_on.is_(None), Assistant.created_at < end)),
        or_(Assistant.ended_on.is_(None), Assistant.ended_on >= first),
    )
    at_month_end = or_(Assistant.ended_on.is_(None), Assistant.ended_on > last)
    valid_after = latest_acceptance_due_by(last - timedelta(days=1))  # not overdue on ``last``
    total, valid = session.execute(
        select(
            func.count(),
            func.sum(case((and_(at_month_end, accepted > valid_after, accepted <= last), 1), else_=0)),
        ).where(active)
    ).one()
    leavers = session.execute(
        select(Assistant.id, Assistant.ended_on, accepted).where(active, Assistant.ended_on <= last)
    ).all()
    judged = {row.id: row.ended_on for row in leavers}
    valid = int(valid or 0) + sum(
        not cg_status(row.cg_accepted_on, today=row.ended_on).blocks_collaboration
        for row in leavers
        if row.cg_accepted_on is not None and row.cg_accepted_on <= row.ended_on
    )
    later = [row.id for row in leavers if row.cg_accepted_on is not None and row.cg_accepted_on > row.ended_on]
    earlier = _acceptances_before(session, later, judged, month_end=last, active=active)
    valid += sum(
        not cg_status(day_accepted, today=judged.get(assistant_id, last)).blocks_collaboration
        for assistant_id, day_accepted in earlier.items()
    )
    return int(total or 0), valid


def _acceptances_before(
    session: Session, leaver_ids: list[int], judged: dict[int, date], *, month_end: date, active: Any
) -> dict[int, date]:
    """``{assistant id: the last acceptance on or before the day they are judged on}`` for
    those whose stored one is later, read from the audit trail in one statement.

    ``cg_accepted_on`` holds only the latest confirmation. Without a trail nothing is known
    for that day: not accepted (left out of the result).
    """
    accepted = Assistant.cg_accepted_on
    stayed_later = select(Assistant.id).where(
        active, or_(Assistant.ended_on.is_(None), Assistant.ended_on > month_end), accepted > month_end
    )
    who = or_(AuditEvent.assistant_id.in_(stayed_later), AuditEvent.assistant_id.in_(leaver_ids))
    known: dict[int, date] = {}
    for assistant_id, before, after in session.execute(
        select(AuditEvent.assistant_id, AuditEvent.before, AuditEvent.after).where(
            AuditEvent.action.in_(CG_ACTIONS), who
        )
    ):
        day = judged.get(assistant_id, month_end)
        for values in (before, after):
            raw = (values or {}).get("cg_accepted_on")
            if raw and date.fromisoformat(raw) <= day:
                known[assistant_id] = max(known.get(assistant_id, date.min), date.fromisoformat(raw))
    return known
