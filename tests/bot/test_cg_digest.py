"""The daily CG digest: working days only, from VPA_REVIEW_TIME, once per day, within limits.

Runs on SQLite and PostgreSQL (``ctx`` is on both). Time is a SettableClock; 09:00 Berlin is
the default VPA_REVIEW_TIME. 2026: Fri 27.11., Sat 28.11.; Thu 24.12. is a working day,
Fri 25.12. and Sat 26.12. are holidays.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from vpabot.bot.context import AppContext
from vpabot.bot.runtime import Runtime
from vpabot.bot.services.cg import cg_overview, sweep_cg_digest
from vpabot.policy.clock import SettableClock
from vpabot.policy.cg import CgState
from vpabot.storage.db import make_engine, make_session_factory, session_scope
from vpabot.storage.models import Assistant, JobRun, OutboxMessage
from vpabot.bot.testing.fake_slack import FakeSlack
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, BOT_TOKEN
from vpabot.bot.testing.transcript import render

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY = date(2026, 11, 27)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def add(
    ctx: AppContext, handle: str, accepted: date | None, *, name: str = "", status: str = "aktiv"
) -> None:
    with session_scope(ctx.sessions) as session:
        session.add(
            Assistant(
                handle=handle,
                name=name or handle.split(".")[0].title(),
                status=status,
                cg_accepted_on=accepted,
                created_at=ctx.now(),
                created_by=ADMIN,
            )
        )


def digests(ctx: AppContext) -> list[OutboxMessage]:
    with ctx.sessions() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.purpose == "cg_digest")
            .order_by(OutboxMessage.id)
        )
        return list(session.scalars(query))


def sweep_at(ctx: AppContext, when: datetime) -> int:
    assert isinstance(ctx.clock, SettableClock)
    ctx.clock.set(when)
    return sweep_cg_digest(ctx)


# --- when ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "sent"),
    [
        pytest.param(date(2026, 11, 27), True, id="Fri 27.11. yes"),
        pytest.param(date(2026, 11, 28), False, id="Sat 28.11. no"),
        pytest.param(date(2026, 11, 29), False, id="Sun 29.11. no"),
        pytest.param(date(2026, 11, 30), True, id="Mon 30.11. yes"),
        pytest.param(date(2026, 12, 24), True, id="Thu 24.12. yes"),
        pytest.param(date(2026, 12, 25), False, id="Fri 25.12. holiday no"),
        pytest.param(date(2026, 12, 26), False, id="Sat 26.12. holiday no"),
        pytest.param(date(2027, 1, 1), False, id="Neujahr no"),
    ],
)
def test_digest_on_working_days_only(ctx: AppContext, day: date, sent: bool) -> None:
    add(ctx, "anna.m", None)

    queued = sweep_at(ctx, at(day, 9, 0))

    assert queued == (2 if sent else 0)
    assert [m.payload["channel"] for m in digests(ctx)] == ([ADMIN, ADMIN_2] if sent else [])


def test_digest_waits_for_review_time_then_goes_once_a_day(ctx: AppContext) -> None:
    add(ctx, "anna.m", None)

    assert sweep_at(ctx, at(FRIDAY, 8, 59)) == 0
    assert sweep_at(ctx, at(FRIDAY, 9, 0)) == 2
    assert sweep_at(ctx, at(FRIDAY, 9, 1)) == 0
    assert sweep_at(ctx, at(FRIDAY, 17, 0)) == 0
    assert sweep_at(ctx, at(date(2026, 11, 28), 9, 0)) == 0  # Saturday
    assert sweep_at(ctx, at(date(2026, 11, 30), 8, 0)) == 0  # Monday, too early
    assert sweep_at(ctx, at(date(2026, 11, 30), 9, 30)) == 2  # Monday

    assert len(digests(ctx)) == 4


def test_late_start_still_sends_that_days_digest(ctx: AppContext) -> None:
    add(ctx, "anna.m", None)
    assert sweep_at(ctx, at(FRIDAY, 15, 45)) == 2


def test_nothing_when_nobody_is_due(ctx: AppContext) -> None:
    add(ctx, "anna.m", date(2026, 11, 1))  # due 01.02.2027: fine
    add(ctx, "gone.g", None, status="gekuendigt")  # collaboration ended: owes nothing

    assert sweep_at(ctx, at(FRIDAY)) == 0
    assert digests(ctx) == []


def test_digest_goes_to_the_admin_channel_when_configured(ctx: AppContext) -> None:
    settings = dataclasses.replace(ctx.settings, admin_channel="CADMINS")
    channel_ctx = AppContext(settings=settings, sessions=ctx.sessions, clock=ctx.clock, render=ctx.render)
    add(ctx, "anna.m", None)

    assert sweep_at(channel_ctx, at(FRIDAY)) == 1
    assert [m.payload["channel"] for m in digests(ctx)] == ["CADMINS"]


# --- what -----------------------------------------------------------------------------------


def test_digest_lists_overdue_first_then_due_soon_with_handle_name_and_date(
    ctx: AppContext,
) -> None:
    add(ctx, "ben.k", date(2026, 8, 20), name="Ben Krüger")  # due 20.11.: overdue
    add(ctx, "anna.m", date(2026, 8, 26), name="Anna Müller")  # due 26.11.: overdue on Friday
    add(ctx, "zoe.n", None, name="Zoe Neu")  # never accepted: first
    add(ctx, "cara.l", date(2026, 9, 11), name="Cara Lang")  # due 11.12.: in 14 days
    add(ctx, "dora.f", date(2026, 8, 27), name="Dora Fink")  # due 27.11.: today
    add(ctx, "emil.o", date(2026, 9, 12), name="Emil Ok")  # due 12.12.: 15 days, not listed
    add(ctx, "fritz.x", None, name="Fritz Aus", status="ausgeschlossen")  # ended: not listed

    sweep_at(ctx, at(FRIDAY))
    first = digests(ctx)[0]
    text = render(first.payload)

    assert first.payload["text"] == "CG-Lesebestätigungen: 3 überfällig, 2 bald fällig"
    assert "CG-Lesebestätigungen am 27.11.2026" in text
    overdue, due_soon = text.split("In den nächsten 14 Tagen fällig (2)")
    assert "Überfällig – Zusammenarbeit nicht möglich (3)" in overdue
    assert _order(overdue, "zoe.n", "ben.k", "anna.m")
    assert "*Zoe Neu* (`zoe.n`) · noch keine Lesebestätigung eingetragen" in overdue
    assert "*Ben Krüger* (`ben.k`) · fällig seit 20.11.2026" in overdue
    assert "*Anna Müller* (`anna.m`) · fällig seit 26.11.2026" in overdue
    assert _order(due_soon, "dora.f", "cara.l")
    assert "*Dora Fink* (`dora.f`) · fällig am 27.11.2026" in due_soon
    assert "*Cara Lang* (`cara.l`) · fällig am 11.12.2026" in due_soon
    assert "emil.o" not in text and "fritz.x" not in text


def _order(text: str, *handles: str) -> bool:
    positions = [text.index(f"`{h}`") for h in handles]
    return positions == sorted(positions)


def test_overview_for_app_home(ctx: AppContext) -> None:
    add(ctx, "anna.m", date(2026, 8, 25))
    add(ctx, "zoe.n", None)
    add(ctx, "cara.l", date(2026, 9, 1))
    add(ctx, "emil.o", date(2026, 11, 1))

    overdue, due_soon = cg_overview(ctx)

    assert [(e.handle, e.state) for e in overdue] == [
        ("zoe.n", CgState.NEVER),
        ("anna.m", CgState.OVERDUE),
    ]
    assert [(e.handle, e.due_on) for e in due_soon] == [("cara.l", date(2026, 12, 1))]
    assert not any(e.cg_stop for e in overdue)


def test_a_long_digest_stays_within_the_block_limit_and_counts_the_rest(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as session:
        for n in range(130):
            session.add(
                Assistant(
                    handle=f"late{n:03}", name=f"Spät {n}", created_at=ctx.now(), created_by=ADMIN
                )
            )
        for n in range(60):
            session.add(
                Assistant(
                    handle=f"soon{n:03}",
                    name=f"Bald {n}",
                    cg_accepted_on=date(2026, 9, 1),
                    created_at=ctx.now(),
                    created_by=ADMIN,
                )
            )

    sweep_at(ctx, at(FRIDAY))
    payload = digests(ctx)[0].payload
    text = render(payload)

    assert len(payload["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in payload["blocks"])
    assert "Überfällig – Zusammenarbeit nicht möglich (130)" in text and "… und 90 weitere" in text
    assert "In den nächsten 14 Tagen fällig (60)" in text and "… und 20 weitere" in text


# --- exactly once -------------------------------------------------------------------------


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """Bolt asks auth.test when a Runtime builds its app."""
    fake = FakeSlack(token=BOT_TOKEN).start()
    yield fake
    fake.stop()


def test_two_runtimes_and_a_restart_send_one_digest_a_day(
    ctx: AppContext, fake_slack: FakeSlack
) -> None:
    add(ctx, "anna.m", None)
    settings = dataclasses.replace(ctx.settings, api_url=fake_slack.base_url)
    clock = SettableClock(at(FRIDAY, 9, 0))
    runtimes = [Runtime(settings, clock=clock) for _ in range(2)]
    barrier = threading.Barrier(2)
    queued: list[int] = []

    def race(runtime: Runtime) -> None:
        barrier.wait()
        queued.append(runtime.cg_digest())

    try:
        threads = [threading.Thread(target=race, args=(r,)) for r in runtimes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(queued) == [0, 2]  # one instance queued both admins' DMs, the other nothing
        for runtime in runtimes:
            runtime.stop()

        restarted = Runtime(settings, clock=clock)  # a redeploy later that morning
        clock.set(at(FRIDAY, 11, 0))
        assert restarted.cg_digest() == 0
        clock.set(at(date(2026, 11, 30), 9, 0))
        assert restarted.cg_digest() == 2  # the next working day has its own digest
        restarted.stop()
    finally:
        for runtime in runtimes:
            runtime.stop()

    assert len(digests(ctx)) == 4
    with ctx.sessions() as session:
        runs = session.scalars(select(JobRun.period).where(JobRun.job == "cg_digest")).all()
    assert sorted(runs) == ["2026-11-27", "2026-11-30"]


def test_a_failed_digest_is_retried_by_the_next_sweep(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(ctx, "anna.m", None)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Slack blocks could not be built")

    monkeypatch.setattr(ctx, "render", broken)  # the renderer the composition root wired
    with pytest.raises(RuntimeError):
        sweep_at(ctx, at(FRIDAY))
    monkeypatch.undo()

    assert sweep_at(ctx, at(FRIDAY, 9, 1)) == 2  # the claim was rolled back with the failure


def test_concurrent_sweeps_on_separate_engines(ctx: AppContext, db_url: str) -> None:
    add(ctx, "anna.m", None)
    engines = [make_engine(db_url) for _ in range(4)]
    clock = SettableClock(at(FRIDAY))
    contexts = [
        AppContext(
            settings=ctx.settings, sessions=make_session_factory(e), clock=clock, render=ctx.render
        )
        for e in engines
    ]
    barrier = threading.Barrier(len(contexts))
    queued: list[int] = []

    def race(each: AppContext) -> None:
        barrier.wait()
        queued.append(sweep_cg_digest(each))

    threads = [threading.Thread(target=race, args=(c,)) for c in contexts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()

    assert sorted(queued) == [0, 0, 0, 2]
    assert len(digests(ctx)) == 2


def test_the_digest_is_a_scheduled_job_of_every_runtime(
    ctx: AppContext, fake_slack: FakeSlack
) -> None:
    settings = dataclasses.replace(ctx.settings, api_url=fake_slack.base_url)
    runtime = Runtime(
        settings, clock=SettableClock(at(date(2026, 11, 28)))
    )  # Saturday: nothing to send
    try:
        runtime.start_jobs()
        assert runtime.scheduler is not None
        job = runtime.scheduler.get_job("cg_digest")
        assert job is not None and job.trigger.interval.total_seconds() == settings.sweep_seconds
    finally:
        runtime.stop()
