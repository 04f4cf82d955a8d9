"""The monthly report goes to every manager on the first working day, once, as a file upload."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.storage.builders import assistant
from vpabot.bot.workdays import holiday_calendar
from vpabot.bot.context import AppContext
from vpabot.bot.outbox import FILE_UPLOAD
from vpabot.bot.services.monthly_report import report_due, sweep_monthly_report
from vpabot.policy.clock import SettableClock
from vpabot.policy.reports import Month
from vpabot.storage.models import JobRun, OutboxMessage, OutboxStatus, Violation
from vpabot.bot.testing.harness import MANAGER, BotUnderTest

BERLIN = ZoneInfo("Europe/Berlin")
MANAGER_2 = "UMANAGER2"
NINE = time(9, 0)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (berlin(2027, 1, 1, 10, 0), None),  # Neujahr
        (berlin(2027, 1, 2, 10, 0), None),  # Saturday
        (berlin(2027, 1, 4, 8, 59), None),  # first working day, before VPA_REVIEW_TIME
        (berlin(2027, 1, 4, 9, 0), Month(2026, 12)),
        (berlin(2027, 1, 6, 17, 0), Month(2026, 12)),  # still catching up after an outage
        (berlin(2027, 1, 7, 9, 0), None),  # too late: nobody wants it any more
        (berlin(2026, 12, 1, 9, 0), Month(2026, 11)),  # a Tuesday
        (berlin(2026, 12, 31, 9, 0), None),
    ],
)
def test_the_report_is_due_from_the_first_working_day_at_review_time(
    now: datetime, due: Month | None
) -> None:
    assert report_due(now, at=NINE, tz="Europe/Berlin", holidays=holiday_calendar()) == due


def outbox(ctx: AppContext) -> list[OutboxMessage]:
    with ctx.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_sweep_queues_december_for_every_manager_on_4_january_once(ctx: AppContext) -> None:
    ctx.settings = replace(ctx.settings, manager_ids=frozenset({MANAGER, MANAGER_2}))
    with ctx.sessions.begin() as session:
        anna = assistant("anna")
        session.add(anna)
        session.add(
            Violation(
                assistant=anna,
                source="deadline",
                tag="deadline",
                step=1,
                state="recorded",
                note="x",
                logged_by="UADMIN1",
                logged_at=berlin(2026, 12, 14, 10, 0),
                logged_on=date(2026, 12, 14),
            )
        )
    clock: SettableClock = ctx.clock  # type: ignore[assignment]
    for day in (
        berlin(2026, 12, 31, 12, 0),
        berlin(2027, 1, 1, 9, 0),
        berlin(2027, 1, 3, 9, 0),
        berlin(2027, 1, 4, 8, 59),
    ):
        clock.set(day)
        assert sweep_monthly_report(ctx) == 0, day
    assert outbox(ctx) == []

    clock.set(berlin(2027, 1, 4, 9, 0))
    assert sweep_monthly_report(ctx) == 2
    for later in (berlin(2027, 1, 4, 9, 1), berlin(2027, 1, 5, 9, 0)):
        clock.set(later)
        assert sweep_monthly_report(ctx) == 0

    rows = outbox(ctx)
    assert [(r.method, r.purpose, r.payload["channel"]) for r in rows] == [
        (FILE_UPLOAD, "monthly_report", MANAGER),
        (FILE_UPLOAD, "monthly_report", MANAGER_2),
    ]
    payload = rows[0].payload
    assert payload["filename"] == "vpabot-report-2026-12.png"
    assert payload["title"] == "VPA-Monatsbericht Dezember 2026"
    assert payload["initial_comment"].startswith("VPA-Monatsbericht Dezember 2026")
    assert "Verstöße: 1 " in payload["initial_comment"]
    assert base64.b64decode(payload["content_b64"]).startswith(b"\x89PNG\r\n\x1a\n")
    with ctx.sessions() as session:
        (run,) = session.scalars(select(JobRun)).all()
    assert (run.job, run.period, run.ran_at) == (
        "monthly_report",
        "2026-12",
        berlin(2027, 1, 4, 9, 0),
    )


def test_a_failed_sweep_claims_nothing_and_the_next_one_sends(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpabot.bot.blocks import notices

    ctx.clock.set(berlin(2026, 12, 1, 9, 0))  # type: ignore[attr-defined]

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("matplotlib fell over")

    monkeypatch.setattr(notices, "violations_chart", broken)  # the renderer draws the chart
    with pytest.raises(RuntimeError):
        sweep_monthly_report(ctx)
    with ctx.sessions() as session:
        assert session.scalars(select(JobRun)).all() == []
    monkeypatch.undo()
    assert sweep_monthly_report(ctx) == 1
    assert len(outbox(ctx)) == 1


# -- end to end: two runtimes, the fake Slack receives the upload -----------------------------
@pytest.fixture
def two_bots(db_url: str) -> Iterator[tuple[BotUnderTest, BotUnderTest, list[SettableClock]]]:
    clocks = [SettableClock(berlin(2026, 12, 31, 9, 0)), SettableClock(berlin(2026, 12, 31, 9, 0))]
    with BotUnderTest(db_url, clock=clocks[0]) as one, BotUnderTest(db_url, clock=clocks[1]) as two:
        yield one, two, clocks


def together(bots: tuple[BotUnderTest, ...], work: Callable[[BotUnderTest], Any]) -> list[Any]:
    barrier = threading.Barrier(len(bots))
    results: list[Any] = [None] * len(bots)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(bots[index])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bots))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def uploads(bots: tuple[BotUnderTest, ...]) -> list[Any]:
    return [c for bot in bots for c in bot.fake.calls_to("files.completeUploadExternal")]


def test_two_runtimes_send_the_report_once_on_the_first_working_day(
    two_bots: tuple[BotUnderTest, BotUnderTest, list[SettableClock]],
) -> None:
    one, two, clocks = two_bots
    bots = (one, two)
    for when in (berlin(2026, 12, 31, 9, 0), berlin(2027, 1, 1, 9, 0), berlin(2027, 1, 4, 8, 0)):
        for clock in clocks:
            clock.set(when)
        assert together(bots, lambda bot: bot.runtime.sweep()) == [0, 0]
    assert together(bots, lambda bot: bot.dispatch_outbox()) == [0, 0]

    for clock in clocks:
        clock.set(berlin(2027, 1, 4, 9, 0))
    assert sorted(together(bots, lambda bot: bot.runtime.sweep())) == [0, 1]
    assert together(bots, lambda bot: bot.runtime.sweep()) == [0, 0]
    assert sum(together(bots, lambda bot: bot.dispatch_outbox())) == 1
    assert together(bots, lambda bot: bot.dispatch_outbox()) == [0, 0]

    (complete,) = uploads(bots)
    sender = one if one.fake.calls_to("files.completeUploadExternal") else two
    assert complete.args["channel_id"] == f"D{MANAGER}"  # the manager's DM, opened first
    assert sender.fake.calls_to("conversations.open")[0].args["users"] == MANAGER
    assert complete.args["initial_comment"].startswith("VPA-Monatsbericht Dezember 2026")
    assert complete.args["files"][0]["title"] == "VPA-Monatsbericht Dezember 2026"
    (upload,) = sender.fake.calls_to("upload")
    assert (
        upload.args["content"].startswith(b"\x89PNG\r\n\x1a\n")
        and len(upload.args["content"]) > 10_000
    )
    (ticket,) = sender.fake.calls_to("files.getUploadURLExternal")
    assert ticket.args["filename"] == "vpabot-report-2026-12.png"
    assert int(ticket.args["length"]) == len(upload.args["content"])

    # a restart later that day, and the next days: nothing more
    for when in (berlin(2027, 1, 4, 15, 0), berlin(2027, 1, 5, 9, 0)):
        for clock in clocks:
            clock.set(when)
        assert together(bots, lambda bot: bot.runtime.sweep()) == [0, 0]
    with BotUnderTest(
        one.settings.database_url, clock=SettableClock(berlin(2027, 1, 4, 9, 30))
    ) as restarted:
        assert restarted.runtime.sweep() == 0
        assert restarted.dispatch_outbox() == 0
    assert len(uploads(bots)) == 1
    sent = committed_outbox(one)
    assert [(m.status, m.slack_channel) for m in sent] == [(OutboxStatus.SENT, f"D{MANAGER}")]


def committed_outbox(bot: BotUnderTest) -> list[OutboxMessage]:
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(OutboxMessage)))
    finally:
        engine.dispose()


def test_an_upload_that_fails_is_retried_and_a_missing_channel_parks_it(db_url: str) -> None:
    clock = SettableClock(berlin(2026, 12, 1, 9, 0))
    with BotUnderTest(db_url, clock=clock) as bot:
        assert bot.runtime.sweep() == 1
        bot.fake.fail("files.completeUploadExternal", status=503)
        assert bot.dispatch_outbox() == 0
        (row,) = committed_outbox(bot)
        assert row.status == OutboxStatus.PENDING and row.last_error == "http 503"
        clock.set(berlin(2026, 12, 1, 9, 5))
        assert bot.dispatch_outbox() == 1
        assert len(bot.fake.calls_to("files.completeUploadExternal")) == 2

    clock = SettableClock(berlin(2027, 1, 4, 9, 0))
    with BotUnderTest(db_url, clock=clock) as bot:
        assert bot.runtime.sweep() == 1
        bot.fake.fail("conversations.open", error="user_not_found")
        assert bot.dispatch_outbox() == 0
        dead = [m for m in committed_outbox(bot) if m.status == OutboxStatus.DEAD]
        assert [(m.method, m.last_error) for m in dead] == [(FILE_UPLOAD, "user_not_found")]
