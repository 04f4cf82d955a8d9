"""The report's stop and review figures (SQL over ``stop_end_dates``) equal a replay of every
stop's trail in Python, the way the report counted before the table existed (hypothesis), in
several time zones; and the table follows each kind of stop write."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.bot.test_report_rollups import CASES, MONTHS, ZONES, wipe
from vpabot.bot.context import AppContext
from vpabot.bot.services.report_stops import stop_numbers
from vpabot.bot.workdays import holiday_calendar
from vpabot.policy.dates import HolidayCalendar
from vpabot.policy.reports import Month, ReviewOutcome, StopEvent, mean, reviews_of
from vpabot.storage import stop_history
from vpabot.storage.models import Assistant, AuditEvent, SalesStop, StopEndDate

stop_plans = st.fixed_dictionaries(
    {
        "start": st.integers(0, 80),  # days after 15.09.
        "lengths": st.lists(st.one_of(st.none(), st.integers(1, 30)), min_size=1, max_size=3),
        "gaps": st.lists(st.integers(-10, 20), min_size=3, max_size=3),  # change/lift vs end date
        "lifted": st.booleans(),
        "trail": st.sampled_from(("full", "none", "changes_only")),
        "reminders": st.integers(0, 3),
        # Berlin wall time of each step: on and around midnights too
        "hour": st.sampled_from(((0, 0, 0, 0), (0, 30, 0, 0), (1, 30, 0, 0), (10, 30, 0, 0),
                                 (23, 59, 59, 999_000))),
    }
)


def at_hour(day: date, hour: tuple[int, int, int, int]) -> datetime:
    return datetime.combine(day, time(*hour), tzinfo=ZoneInfo("Europe/Berlin"))


def add_stop(session: Session, owner: Assistant, plan: dict[str, Any]) -> None:
    """A stop with a consistent history: set, changed at chosen days, maybe lifted; its trail
    written after the stop, in a later flush, or not at all."""
    starts = date(2026, 9, 15) + timedelta(days=plan["start"])
    untils = [starts + timedelta(days=n) if n is not None else None for n in plan["lengths"]]
    days, day = [starts], starts
    for until, gap in zip(untils[:-1], plan["gaps"]):
        day = max(day, (until or day) + timedelta(days=gap))
        days.append(day)
    lifted_on = max(day, (untils[-1] or day) + timedelta(days=plan["gaps"][-1]))
    hour = plan["hour"]
    stop = SalesStop(
        assistant=owner, kind="voll", reason="verstoss", starts_on=starts, until=untils[-1],
        set_by="UADMIN1", set_at=at_hour(starts, hour), review_reminders=plan["reminders"],
        lifted_at=at_hour(lifted_on, hour) if plan["lifted"] else None,
    )
    session.add(stop)
    session.flush()
    for k, (at, until) in enumerate(zip(days, untils)):
        if plan["trail"] == "none" or (k == 0 and plan["trail"] == "changes_only"):
            continue
        before = {"until": untils[k - 1].isoformat() if untils[k - 1] else None} if k else None
        session.add(
            AuditEvent(
                at=at_hour(at, hour), actor="UADMIN1", action="stop.changed" if k else "stop.set",
                assistant_id=owner.id, subject="stop", subject_id=stop.id, before=before,
                after={"until": until.isoformat() if until else None},
            )
        )
        session.flush()


def replayed(
    session: Session, month: Month, *, tz: str, today: date, holidays: HolidayCalendar
) -> dict[str, Any]:
    """The figures by replaying every stop's trail in Python (the report's former way)."""
    zone = ZoneInfo(tz)
    start, _end = month.bounds(tz)
    planned: list[int] = []
    lifted: list[int] = []
    set_here = 0
    outcomes: Counter[ReviewOutcome] = Counter()
    for stop in session.scalars(select(SalesStop)):
        trail = session.execute(
            select(AuditEvent.at, AuditEvent.action, AuditEvent.before, AuditEvent.after)
            .where(AuditEvent.subject == "stop", AuditEvent.subject_id == stop.id,
                   AuditEvent.action.in_(stop_history.TRAIL_ACTIONS))
            .order_by(AuditEvent.at, AuditEvent.id)
        ).all()
        steps = stop_history.history(
            starts_on=stop.starts_on, until=stop.until, lifted_at=stop.lifted_at, trail=trail
        )
        events = [
            StopEvent(s.at.astimezone(zone).date() if s.at else stop.starts_on, s.action, s.until)
            for s in steps
        ]
        if stop.lifted_at is None or stop.lifted_at >= start:
            if stop.starts_on in month:
                set_here += 1
                if events[0].until is not None:
                    planned.append((events[0].until - stop.starts_on).days)
            if stop.lifted_at is not None and stop.lifted_at.astimezone(zone).date() in month:
                lifted.append((stop.lifted_at.astimezone(zone).date() - stop.starts_on).days)
        reminders = stop.review_reminders
        for review in reviews_of(events, holidays=holidays, current_reminders=reminders):
            if review.due_on in month:
                outcomes[review.outcome(today=today)] += 1
    return dict(
        stops_set=set_here,
        stops_set_open_ended=set_here - len(planned),
        mean_planned_days=mean(planned),
        stops_lifted=len(lifted),
        mean_lifted_days=mean(lifted),
        reviews_on_time=outcomes[ReviewOutcome.ON_TIME],
        reviews_overdue=outcomes[ReviewOutcome.OVERDUE],
        reviews_pending=outcomes[ReviewOutcome.PENDING],
    )


def drift(session: Session) -> tuple[list[Any], list[Any]]:
    """(rows the hooks kept, rows a rebuild computes): equal when the table is in step."""
    def rows() -> list[Any]:
        e = StopEndDate
        return list(session.execute(
            select(e.stop_id, e.seq, e.until, e.next_at, e.latest).order_by(e.stop_id, e.seq)
        ).all())

    kept = rows()
    stop_history.rebuild(session.connection())
    return kept, rows()


@CASES
@given(
    plans=st.lists(stop_plans, max_size=12), today=st.integers(0, 90), zone=st.sampled_from(ZONES)
)
def test_sql_figures_equal_a_replay_of_every_stop(
    ctx: AppContext, plans: list[dict[str, Any]], today: int, zone: str
) -> None:
    with ctx.sessions.begin() as session:
        for owner, plan in zip(wipe(session, len(plans)), plans):
            add_stop(session, owner, plan)
    day = date(2026, 10, 1) + timedelta(days=today)
    holidays = holiday_calendar()
    with ctx.sessions() as session:
        for month in MONTHS:
            fast = stop_numbers(session, month, tz=zone, today=day, holidays=holidays)
            assert fast == replayed(session, month, tz=zone, today=day, holidays=holidays)
        kept, rebuilt = drift(session)
        assert kept == rebuilt


def end_dates(ctx: AppContext) -> list[tuple[int, date, datetime | None, bool]]:
    """(seq, until, next_at, latest) of the one stop, after checking a rebuild agrees."""
    with ctx.sessions() as session:
        kept, rebuilt = drift(session)
        assert kept == rebuilt
        return [(row.seq, row.until, row.next_at, row.latest) for row in kept]


def test_every_kind_of_stop_write_keeps_the_end_dates(ctx: AppContext) -> None:
    from tests.conftest import START
    from vpabot.bot.services.assistants import add_assistant
    from vpabot.bot.services.stops import extend_stop, lift_stop, resign, set_stop
    from vpabot.bot.testing.harness import ADMIN
    from vpabot.policy.stops import ReviewToken, StopKind

    add_assistant(ctx, actor=ADMIN, handle="anna.m", name="Anna Müller")
    set_stop(ctx, actor=ADMIN, handle="anna.m", kind=StopKind.FULL, until=date(2026, 12, 3))
    assert end_dates(ctx) == [(0, date(2026, 12, 3), None, True)]

    changed_at = START + timedelta(days=1)  # a change before the end date: never reviewed
    ctx.clock.set(changed_at)
    set_stop(ctx, actor=ADMIN, handle="anna.m", kind=StopKind.CUSTOMERS, until=date(2026, 12, 7))
    assert end_dates(ctx) == [
        (0, date(2026, 12, 3), changed_at, False), (1, date(2026, 12, 7), None, True),
    ]

    decided_at = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("UTC"))  # the review: extended
    ctx.clock.set(decided_at)
    with ctx.sessions() as session:
        stop_id = session.scalars(select(SalesStop.id)).one()
    extend_stop(
        ctx, actor=ADMIN, handle="anna.m", until=date(2026, 12, 21),
        review=ReviewToken(stop_id, date(2026, 12, 7)),
    )
    assert end_dates(ctx)[1:] == [
        (1, date(2026, 12, 7), decided_at, False), (2, date(2026, 12, 21), None, True),
    ]

    lifted_at = datetime(2026, 12, 22, 9, 0, tzinfo=ZoneInfo("UTC"))  # lifted on review
    ctx.clock.set(lifted_at)
    lift_stop(
        ctx, actor=ADMIN, handle="anna.m", note="Leistung wieder gut",
        review=ReviewToken(stop_id, date(2026, 12, 21)),
    )
    assert end_dates(ctx)[2:] == [(2, date(2026, 12, 21), lifted_at, True)]

    set_stop(ctx, actor=ADMIN, handle="anna.m", kind=StopKind.FULL, until=date(2027, 1, 8))
    resigned_at = datetime(2026, 12, 23, 9, 0, tzinfo=ZoneInfo("UTC"))  # open-ended: no review
    ctx.clock.set(resigned_at)
    resign(ctx, actor=ADMIN, handle="anna.m")
    with ctx.sessions() as session:
        second = session.scalars(select(SalesStop.id).order_by(SalesStop.id.desc())).first()
        rows = session.execute(
            select(StopEndDate.seq, StopEndDate.next_at, StopEndDate.latest)
            .where(StopEndDate.stop_id == second)
        ).all()
    assert [tuple(r) for r in rows] == [(0, resigned_at, False)]
