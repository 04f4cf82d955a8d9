"""The CG figures of a closed month are stored by the sweep, read back by the report, and
dropped by every roster write that could change them (storage/cg_months.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.bot.report_support import NOVEMBER, report_for
from tests.bot.report_support import seeded as seeded  # noqa: F401 - the fixture
from tests.storage.builders import assistant
from vpabot.bot.context import AppContext
from vpabot.bot.services.report_cg import counted, remember_previous_month
from vpabot.storage.models import Assistant, AuditEvent, CgMonthFigures

DECEMBER_7 = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
BERLIN = "Europe/Berlin"


def stored(ctx: AppContext) -> list[tuple[str, int, int]]:
    with ctx.sessions() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(CgMonthFigures.month, CgMonthFigures.active, CgMonthFigures.accepted)
            )
        ]


def remembered(ctx: AppContext) -> AppContext:
    ctx.clock.set(DECEMBER_7)
    assert remember_previous_month(ctx) is True
    assert remember_previous_month(ctx) is False  # stored: nothing to count
    assert stored(ctx) == [("2026-11", 6, 3)]
    return ctx


def test_the_sweep_stores_what_counting_gives_and_the_report_reads_it(seeded: AppContext) -> None:
    ctx = remembered(seeded)
    with ctx.sessions() as session:
        assert counted(session, NOVEMBER, zone=ZoneInfo(BERLIN)) == (6, 3)
    with ctx.sessions.begin() as session:  # the report reads the stored row, not the roster
        session.get(CgMonthFigures, ("2026-11", BERLIN)).accepted = 5
    assert (report_for(ctx, NOVEMBER).cg_active, report_for(ctx, NOVEMBER).cg_accepted) == (6, 5)


def test_an_acceptance_of_today_keeps_the_closed_month(seeded: AppContext) -> None:
    from vpabot.bot.services.cg import record_acceptance
    from vpabot.bot.testing.harness import ADMIN

    ctx = remembered(seeded)
    record_acceptance(ctx, actor=ADMIN, handle="ben", accepted_on=date(2026, 12, 7))
    assert stored(ctx) == [("2026-11", 6, 3)]


def edit(ctx: AppContext, handle: str, **values: object) -> None:
    with ctx.sessions.begin() as session:
        person = session.scalars(select(Assistant).where(Assistant.handle == handle)).one()
        for name, value in values.items():
            setattr(person, name, value)


def test_a_back_dated_acceptance_drops_the_month_and_the_report_counts_it(
    seeded: AppContext,
) -> None:
    ctx = remembered(seeded)
    edit(ctx, "ben", cg_accepted_on=date(2026, 11, 15))  # e.g. an import of a late paper
    assert stored(ctx) == []
    assert report_for(ctx, NOVEMBER).cg_accepted == 4
    assert remember_previous_month(ctx) is True
    assert stored(ctx) == [("2026-11", 6, 4)]


def test_dates_of_joining_and_leaving_drop_the_months_from_their_day(seeded: AppContext) -> None:
    ctx = remembered(seeded)
    edit(ctx, "emil", joined_on=date(2026, 12, 6))  # December and later only
    assert stored(ctx) == [("2026-11", 6, 3)]
    edit(ctx, "emil", joined_on=date(2026, 11, 30))
    assert stored(ctx) == []
    assert report_for(ctx, NOVEMBER).cg_active == 7

    remembered_again = remember_previous_month(ctx)
    assert remembered_again and stored(ctx) == [("2026-11", 7, 3)]  # his acceptance came later
    edit(ctx, "anna", ended_on=date(2026, 11, 2))
    assert stored(ctx) == []


def test_a_new_assistant_and_a_trail_entry_drop_the_months_they_touch(seeded: AppContext) -> None:
    ctx = remembered(seeded)
    with ctx.sessions.begin() as session:
        session.add(assistant("ida", joined_on=date(2026, 12, 1)))
    assert stored(ctx) == [("2026-11", 6, 3)]
    with ctx.sessions.begin() as session:
        session.add(assistant("jan", joined_on=date(2026, 11, 3), cg_accepted_on=date(2026, 11, 3)))
    assert stored(ctx) == []

    remember_previous_month(ctx)
    with ctx.sessions.begin() as session:
        jan = session.scalars(select(Assistant).where(Assistant.handle == "jan")).one()
        session.add(
            AuditEvent(
                actor="UADMIN1", action="cg.accepted", assistant_id=jan.id, subject="assistant",
                subject_id=jan.id, before={"cg_accepted_on": "2026-10-01"},
                after={"cg_accepted_on": "2026-11-03"},
            )
        )
    assert stored(ctx) == []
