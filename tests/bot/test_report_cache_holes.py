"""Attacks on the caches the monthly report and the picker read: after each write through
the public services, the figures the report gives (stored or derived tables) must equal a
count from scratch (``report_cg.counted``, a replay of every stop's trail, the picker's rule).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from vpabot.bot.context import AppContext
from vpabot.bot.services.report_cg import cg_numbers, counted, remember_previous_month
from vpabot.bot.testing.harness import ADMIN
from vpabot.policy.reports import Month
from vpabot.storage.models import CgMonthFigures

BERLIN = "Europe/Berlin"
OCTOBER = Month(2026, 10)


def at(*args: int) -> datetime:
    return datetime(*args, 9, 0, tzinfo=timezone.utc)


def stored_months(ctx: AppContext) -> list[str]:
    with ctx.sessions() as session:
        return list(session.scalars(select(CgMonthFigures.month).order_by(CgMonthFigures.month)))


def cg_report_and_count(ctx: AppContext, month: Month) -> tuple[tuple[int, int], tuple[int, int]]:
    """(what the report says, a count from the roster now)."""
    with ctx.sessions() as session:
        return (
            cg_numbers(session, month, tz=BERLIN),
            counted(session, month, zone=ZoneInfo(BERLIN)),
        )


def roster(*rows: str) -> str:
    return "handle,name,joined_on,status,cg_accepted_on\n" + "\n".join(rows) + "\n"


def test_a_later_acceptance_after_a_corrected_one_keeps_no_stale_month(ctx: AppContext) -> None:
    """Anna's acceptance goes 01.07. -> 10.10. (recorded) -> 05.07. (the roster corrects it
    back) -> 01.12. (recorded). October was stored with 05.07. (overdue at its end); once the
    stored date lies after October, the count reads October's acceptance from the trail,
    where 10.10. lies between 05.07. and 01.12.: October's figure changes with a write dated
    December, which must therefore not leave October stored."""
    from vpabot.bot.services.cg import record_acceptance
    from vpabot.bot.services.roster import import_assistants

    ctx.clock.set(at(2026, 9, 1))
    import_assistants(ctx, roster("anna,Anna Müller,2026-01-05,aktiv,2026-07-01"))
    ctx.clock.set(at(2026, 10, 15))
    record_acceptance(ctx, actor=ADMIN, handle="anna", accepted_on=date(2026, 10, 10))
    ctx.clock.set(at(2026, 11, 3))
    import_assistants(ctx, roster("anna,Anna Müller,2026-01-05,aktiv,2026-07-05"))
    assert remember_previous_month(ctx) is True  # October: 05.07. is overdue on 31.10.
    assert cg_report_and_count(ctx, OCTOBER) == ((1, 0), (1, 0))

    ctx.clock.set(at(2026, 12, 2))
    record_acceptance(ctx, actor=ADMIN, handle="anna", accepted_on=date(2026, 12, 1))
    report, fresh = cg_report_and_count(ctx, OCTOBER)
    assert report == fresh


# --- the picker's search ---------------------------------------------------------------------


def test_a_name_with_many_matching_words_does_not_hide_the_others(ctx: AppContext) -> None:
    """Every typed word starts a word of the name or handle: all three match "ann" (and
    "an ann"), so a page of two shows two and says there are more. One of them is found under
    six words that sort before the others' (anna, anna.annika, annabell, anne, annegret,
    annika): reading a fixed number of (word, assistant) entries found only her."""
    from vpabot.bot.services.assistants import add_assistant
    from vpabot.storage import repositories as repo

    add_assistant(ctx, actor=ADMIN, handle="anna.annika", name="Anna Annabell Annegret")
    add_assistant(ctx, actor=ADMIN, handle="bo", name="Annz Bo")
    add_assistant(ctx, actor=ADMIN, handle="cy", name="Annzz Cy")
    with ctx.sessions() as session:
        for typed in ("ann", "an ann", "ann an"):
            found = repo.find_assistants(session, typed, limit=2)
            assert [r.handle for r in found.rows] == ["anna.annika", "bo"], typed
            assert found.more, typed
        found = repo.find_assistants(session, "an ann", limit=5)
        assert [r.handle for r in found.rows] == ["anna.annika", "bo", "cy"]
        assert not found.more


# --- every stored CG month against a count, along a life of roster writes ---------------------


def assert_stored_months_exact(ctx: AppContext) -> None:
    with ctx.sessions() as session:
        rows = session.execute(
            select(
                CgMonthFigures.month,
                CgMonthFigures.tz,
                CgMonthFigures.active,
                CgMonthFigures.accepted,
            )
        ).all()
        for month, tz, active, accepted in rows:
            year, number = map(int, month.split("-"))
            assert (active, accepted) == counted(session, Month(year, number), zone=ZoneInfo(tz)), (
                month
            )


def store_months(ctx: AppContext, *months: tuple[int, int]) -> None:
    """The sweep as it ran on the 2nd of each month after ``months`` (in any order)."""
    from vpabot.storage import cg_months

    with ctx.unit_of_work() as session:
        for year, number in months:
            month = Month(year, number)
            active, accepted = counted(session, month, zone=ZoneInfo(BERLIN))
            cg_months.remember(
                session, str(month), tz=BERLIN, active=active, accepted=accepted, now=ctx.now()
            )


def test_stored_cg_months_stay_exact_through_every_roster_write(ctx: AppContext) -> None:
    from vpabot.bot.services.cg import record_acceptance
    from vpabot.bot.services.cg_import import import_acceptances
    from vpabot.bot.services.privacy import erase_assistant
    from vpabot.bot.services.roster import import_assistants
    from vpabot.bot.services.stops import resign

    months = [(2026, m) for m in range(6, 12)]
    ctx.clock.set(at(2026, 6, 1))
    import_assistants(
        ctx,
        roster(
            "anna,Anna Müller,2026-01-05,aktiv,2026-05-20",
            "ben,Ben Becker,2026-03-01,aktiv,2026-03-01",
            "cem,Cem Çelik,2026-05-30,neu,",
        ),
    )
    steps = [
        (
            at(2026, 7, 2),
            lambda: record_acceptance(
                ctx, actor=ADMIN, handle="ben", accepted_on=date(2026, 6, 20)
            ),
        ),
        (
            at(2026, 8, 3),
            lambda: import_acceptances(
                ctx, "handle,accepted_on\ncem,2026-07-15\nanna,2026-08-01\n"
            ),
        ),
        (
            at(2026, 9, 4),
            lambda: import_assistants(ctx, roster("anna,Anna Müller,2026-01-05,aktiv,2026-06-01")),
        ),
        (
            at(2026, 9, 5),
            lambda: import_assistants(ctx, roster("cem,Cem Çelik,2026-07-20,aktiv,2026-07-15")),
        ),
        (at(2026, 10, 6), lambda: resign(ctx, actor=ADMIN, handle="ben")),
        (
            at(2026, 10, 7),
            lambda: record_acceptance(
                ctx, actor=ADMIN, handle="anna", accepted_on=date(2026, 10, 7)
            ),
        ),
        (at(2026, 11, 8), lambda: import_acceptances(ctx, "handle,accepted_on\ncem,2026-09-30\n")),
        (at(2026, 11, 9), lambda: erase_assistant(ctx, "ben", actor=ADMIN)),
        (
            at(2026, 12, 1),
            lambda: record_acceptance(
                ctx, actor=ADMIN, handle="cem", accepted_on=date(2026, 11, 30)
            ),
        ),
    ]
    for when, write in steps:
        ctx.clock.set(when)
        store_months(ctx, *(m for m in months if Month(*m).last_day < when.date()))
        assert_stored_months_exact(ctx)
        write()
        assert_stored_months_exact(ctx)


# --- stop figures against a replay of every trail, along the stop services ----------------------


def assert_stop_figures_replayed(ctx: AppContext) -> None:
    from tests.bot.test_report_stops import drift, replayed
    from vpabot.bot.services.report_stops import stop_numbers

    with ctx.sessions() as session:
        for zone in (BERLIN, "America/New_York", "Pacific/Kiritimati"):
            for month in (Month(2026, 10), Month(2026, 11), Month(2026, 12), Month(2027, 1)):
                for today in (date(2026, 11, 2), date(2027, 2, 1)):
                    args = dict(tz=zone, today=today, holidays=ctx.holidays)
                    assert stop_numbers(session, month, **args) == replayed(
                        session, month, **args
                    ), (
                        zone,
                        str(month),
                        today,
                    )
        kept, rebuilt = drift(session)
        assert kept == rebuilt
        session.rollback()


def test_stop_services_keep_figures_equal_to_a_replay(ctx: AppContext) -> None:
    from vpabot.bot.services.assistants import add_assistant
    from vpabot.bot.services.cg import lift_cg_stop, record_acceptance
    from vpabot.bot.services.stops import extend_stop, lift_stop, resign, set_cg_stop, set_stop
    from vpabot.policy.stops import ReviewToken, StopKind

    berlin = ZoneInfo(BERLIN)
    ctx.clock.set(datetime(2026, 10, 1, 8, 0, tzinfo=berlin))
    for handle in ("anna", "ben", "cem", "dora"):
        add_assistant(ctx, actor=ADMIN, handle=handle, name=handle.title())

    def stop_id(handle: str) -> int:
        from vpabot.storage import repositories as repo

        with ctx.sessions() as session:
            person = repo.get_assistant(session, handle)
            return session.scalars(
                select(SalesStop.id)
                .where(SalesStop.assistant_id == person.id)
                .order_by(SalesStop.id.desc())
            ).first()

    from vpabot.storage.models import SalesStop

    # DST ends in Berlin on 25.10.2026 (03:00 -> 02:00): steps just around local midnights.
    plan = [
        (
            datetime(2026, 10, 2, 0, 10, tzinfo=berlin),
            lambda: set_stop(
                ctx, actor=ADMIN, handle="anna", kind=StopKind.FULL, until=date(2026, 10, 24)
            ),
        ),
        (
            datetime(2026, 10, 24, 23, 50, tzinfo=berlin),  # the review day, late evening: extended
            lambda: extend_stop(
                ctx,
                actor=ADMIN,
                handle="anna",
                until=date(2026, 10, 26),
                review=ReviewToken(stop_id("anna"), date(2026, 10, 24)),
            ),
        ),
        (
            datetime(2026, 10, 26, 0, 5, tzinfo=berlin),  # just after DST's end: lifted on review
            lambda: lift_stop(
                ctx,
                actor=ADMIN,
                handle="anna",
                note="Leistung passt",
                review=ReviewToken(stop_id("anna"), date(2026, 10, 26)),
            ),
        ),
        (
            datetime(2026, 10, 31, 23, 59, tzinfo=berlin),
            lambda: set_stop(
                ctx, actor=ADMIN, handle="ben", kind=StopKind.CUSTOMERS, until=date(2026, 11, 30)
            ),
        ),
        (
            datetime(2026, 11, 1, 0, 1, tzinfo=berlin),  # changed before its end date
            lambda: set_stop(
                ctx, actor=ADMIN, handle="ben", kind=StopKind.FULL, until=date(2026, 11, 13)
            ),
        ),
        (
            datetime(2026, 11, 20, 10, 0, tzinfo=berlin),  # resigned after an overdue review
            lambda: resign(ctx, actor=ADMIN, handle="ben"),
        ),
        (
            datetime(2026, 11, 2, 9, 0, tzinfo=berlin),  # (the clock runs back: imports, tests)
            lambda: set_cg_stop(ctx, actor=ADMIN, handle="cem"),
        ),
        (
            datetime(2026, 11, 3, 9, 0, tzinfo=berlin),
            lambda: record_acceptance(
                ctx, actor=ADMIN, handle="cem", accepted_on=date(2026, 11, 3)
            ),
        ),
        (
            datetime(2026, 11, 3, 9, 5, tzinfo=berlin),
            lambda: lift_cg_stop(ctx, actor=ADMIN, token=ReviewToken(stop_id("cem"), None)),
        ),
        (
            datetime(2026, 11, 4, 9, 0, tzinfo=berlin),
            lambda: set_cg_stop(ctx, actor=ADMIN, handle="dora"),
        ),
        (
            datetime(
                2026, 12, 30, 23, 30, tzinfo=berlin
            ),  # CG stop, then resigned: kept, reason changed
            lambda: resign(ctx, actor=ADMIN, handle="dora"),
        ),
        (
            datetime(2026, 12, 31, 23, 30, tzinfo=berlin),
            lambda: set_stop(
                ctx, actor=ADMIN, handle="cem", kind=StopKind.FULL, until=date(2027, 1, 1)
            ),
        ),
    ]
    for when, write in plan:
        ctx.clock.set(when)
        write()
        assert_stop_figures_replayed(ctx)


# --- violation rollup along the violation services ----------------------------------------------


def test_violation_services_keep_the_rollup_and_the_stop_figures(ctx: AppContext) -> None:
    from vpabot.bot.services.approvals import decide
    from vpabot.bot.services.assistants import add_assistant
    from vpabot.bot.services.stops import resign
    from vpabot.bot.services.violations import log_violation
    from vpabot.bot.services.withdrawal import withdraw_violation
    from vpabot.bot.testing.harness import MANAGER
    from vpabot.policy.catalogue import DEFAULT_TAGS, Source
    from vpabot.storage import rollups

    def in_step() -> None:
        with ctx.sessions() as session:
            assert rollups.drift(session) == {}
        assert_stop_figures_replayed(ctx)

    berlin = ZoneInfo(BERLIN)
    ctx.clock.set(datetime(2026, 10, 31, 23, 30, tzinfo=berlin))  # UTC: still 31.10.
    add_assistant(ctx, actor=ADMIN, handle="lena", name="Lena Koch")
    add_assistant(ctx, actor=ADMIN, handle="omar", name="Omar Berg")

    def log(handle: str, tag: str = "deadline", severe: bool = False) -> int:
        return log_violation(
            ctx, actor=ADMIN, handle=handle, source=Source("deadline"),
            tag=DEFAULT_TAGS.get(tag), severe=severe, note="Verspätung",
        ).violation_id  # fmt: skip

    first = log("lena")
    ctx.clock.set(datetime(2026, 11, 1, 0, 30, tzinfo=berlin))  # UTC: 31.10., Berlin: 01.11.
    log("lena")
    third = log("lena")  # Abmahnung: waits for the manager
    fourth = log("lena")
    in_step()
    decide(ctx, actor=MANAGER, violation_id=third, approve=False, reason="zu streng")
    in_step()  # rejected; the later case is re-stepped
    withdraw_violation(ctx, actor=ADMIN, handle="lena", number=first, reason="Irrtum")
    in_step()
    severe = log("omar", tag="eigenwerbung", severe=True)
    decide(ctx, actor=MANAGER, violation_id=severe, approve=True)  # ends the collaboration
    in_step()
    ctx.clock.set(datetime(2026, 12, 1, 0, 30, tzinfo=berlin))
    resign(ctx, actor=ADMIN, handle="lena")  # settles what still waits
    in_step()
    assert fourth
