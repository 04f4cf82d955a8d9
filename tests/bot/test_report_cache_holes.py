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
