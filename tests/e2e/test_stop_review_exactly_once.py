"""VT-Stop reviews end to end: exactly one reminder across a restart and two instances sweeping
at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.e2e.stops_support import (
    START,
    berlin,
    buttons,
    drain,
    is_review,
    review_dms,
    review_rows,
    say,
    stops,
    sweep_at,
)
from tests.e2e.stops_support import clock as clock  # noqa: F401 - the fixture
from vpabot.policy.clock import SettableClock
from vpabot.bot.testing.harness import ADMIN, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.stops import ReviewToken
from vpabot.bot.payloads import decode


def test_restart_between_due_time_and_sweep_sends_exactly_one_reminder(db_url: str) -> None:
    early = SettableClock(START)
    with BotUnderTest(db_url, clock=early) as first:
        say(first, "assistent neu anna.m Anna Müller")
        say(first, "stop anna.m voll 11.12.2026")
        drain(first)
        assert sweep_at(first, early, berlin(2026, 12, 11, 8, 59)) == 0
    # down over 09:00; back at 11:30
    with BotUnderTest(db_url, clock=SettableClock(berlin(2026, 12, 11, 11, 30))) as second:
        second.runtime.sweep()
        second.runtime.sweep()
        assert review_rows(second) == 1
        # ... and gone again before the outbox was sent
    late = SettableClock(berlin(2026, 12, 11, 11, 31))
    with BotUnderTest(db_url, clock=late) as third:
        assert sweep_at(third, late, berlin(2026, 12, 11, 11, 31)) == 0
        (dm,) = review_dms(third)  # the queued reminder survives the restart
        assert dm.args["channel"] == ADMIN and "Prüfung fällig" in render(dm.args)
    afternoon = SettableClock(berlin(2026, 12, 11, 16, 0))
    with BotUnderTest(db_url, clock=afternoon) as fourth:
        assert sweep_at(fourth, afternoon, berlin(2026, 12, 11, 16, 0)) == 0
        assert review_dms(fourth) == []
    monday = SettableClock(berlin(2026, 12, 14, 9, 0))
    with BotUnderTest(db_url, clock=monday) as fifth:
        assert sweep_at(fifth, monday, berlin(2026, 12, 14, 9, 0)) == 1
        (dm,) = review_dms(fifth)
        assert "Prüfung überfällig" in render(dm.args)


def test_two_instances_sweeping_concurrently_send_each_reminder_once(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("several instances need PostgreSQL")
    handles = [f"vpa{i:02d}" for i in range(20)]
    with BotUnderTest(db_url, clock=SettableClock(START)) as setup:
        for handle in handles:
            say(setup, f"assistent neu {handle} Person {handle}")
            say(setup, f"stop {handle} voll 11.12.2026")
        drain(setup)
        stop_ids = {s.id for s in stops(setup)}
    assert len(stop_ids) == len(handles)

    clocks = [SettableClock(START), SettableClock(START)]
    with BotUnderTest(db_url, clock=clocks[0]) as one, BotUnderTest(db_url, clock=clocks[1]) as two:
        instances = [one, two]

        def together(work) -> list[Any]:
            barrier = threading.Barrier(len(instances))
            results: list[Any] = [None] * len(instances)
            errors: list[BaseException] = []

            def run(index: int) -> None:
                try:
                    barrier.wait(timeout=10)
                    results[index] = work(instances[index])
                except BaseException as error:  # noqa: BLE001 - reported below
                    errors.append(error)

            threads = [threading.Thread(target=run, args=(i,)) for i in range(len(instances))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
            return results

        def dispatch_all(bot: BotUnderTest) -> int:
            sent = 0
            while n := bot.dispatch_outbox():
                sent += n
            return sent

        for round_no, due in enumerate(
            (berlin(2026, 12, 11, 9, 0), berlin(2026, 12, 14, 9, 0)), start=1
        ):
            for c in clocks:
                c.set(due)
            before = review_rows(one)
            together(lambda bot: bot.runtime.sweep())
            assert review_rows(one) - before == len(handles)
            together(lambda bot: bot.runtime.sweep())  # nothing left to claim
            assert review_rows(one) - before == len(handles)
            together(dispatch_all)
            dms = [
                c
                for bot in instances
                for c in bot.fake.calls_to("chat.postMessage")
                if is_review(c)
            ]
            assert len(dms) == round_no * len(handles)
            per_stop: dict[int, int] = {}
            for dm in dms:
                stop_id = decode(ReviewToken, buttons(dm.args)["review_lift"]["value"]).stop_id
                per_stop[stop_id] = per_stop.get(stop_id, 0) + 1
            assert set(per_stop) == stop_ids and set(per_stop.values()) == {round_no}
