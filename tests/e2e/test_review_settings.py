"""A changed setting reaches the stops already set (issue 10, item 7).

The review instant is re-planned from the end date and today's VPA_REVIEW_TIME/VPA_TIMEZONE on
every start; before, the instant stored when the stop was set kept the old time for good.
"""

from __future__ import annotations

from datetime import time

from tests.e2e.stops_support import START, berlin, drain, review_dms, say, sweep_at
from vpabot.bot.testing.harness import BotUnderTest
from vpabot.policy.clock import SettableClock


def test_a_stop_set_at_0900_is_reviewed_at_1400_after_a_restart_with_1400(db_url: str) -> None:
    with BotUnderTest(db_url, clock=SettableClock(START), review_time=time(9, 0)) as before:
        say(before, "assistent neu anna.m Anna Müller")
        say(before, "stop anna.m voll 11.12.2026")
        drain(before)
    clock = SettableClock(berlin(2026, 12, 11, 8, 0))
    with BotUnderTest(db_url, clock=clock, review_time=time(14, 0)) as after:
        assert sweep_at(after, clock, berlin(2026, 12, 11, 9, 30)) == 0  # not at the old 09:00
        assert review_dms(after) == []
        assert sweep_at(after, clock, berlin(2026, 12, 11, 13, 59)) == 0
        assert sweep_at(after, clock, berlin(2026, 12, 11, 14, 0)) == 1
        (dm,) = review_dms(after)
        # Unanswered, it is reminded again on the next working day at the new time too.
        assert sweep_at(after, clock, berlin(2026, 12, 14, 13, 59)) == 0
        assert sweep_at(after, clock, berlin(2026, 12, 14, 14, 0)) == 1


def test_a_reminded_review_keeps_its_day_and_takes_the_new_time_and_timezone(db_url: str) -> None:
    clock = SettableClock(START)
    with BotUnderTest(db_url, clock=clock) as before:
        say(before, "assistent neu anna.m Anna Müller")
        say(before, "stop anna.m voll 11.12.2026")
        assert sweep_at(before, clock, berlin(2026, 12, 11, 9, 0)) == 1  # next: Mon 14.12. 09:00
    clock = SettableClock(berlin(2026, 12, 12, 12, 0))
    with BotUnderTest(
        db_url, clock=clock, review_time=time(7, 0), timezone="Europe/London"
    ) as after:
        # 07:00 London is 08:00 Berlin: an hour before the instant stored at the first reminder.
        assert sweep_at(after, clock, berlin(2026, 12, 14, 7, 59)) == 0
        assert sweep_at(after, clock, berlin(2026, 12, 14, 8, 0)) == 1


def approval_requests(bot: BotUnderTest) -> int:
    return len([c for c in bot.fake.calls_to("chat.postMessage") if "approval_approve" in str(c.args)])


def test_an_approval_reminder_planned_at_0900_comes_at_1400_after_a_restart(db_url: str) -> None:
    with BotUnderTest(db_url, clock=SettableClock(START), review_time=time(9, 0)) as before:
        say(before, "assistent neu anna.m Anna Müller")
        for n in range(3):  # the third, an Abmahnung, waits for the manager
            say(before, f"verstoss anna.m deadline deadline Verspätung {n + 1}")
        drain(before)
    clock = SettableClock(berlin(2026, 12, 1, 8, 0))
    with BotUnderTest(db_url, clock=clock, review_time=time(14, 0)) as after:
        for when, expected in ((berlin(2026, 12, 1, 9, 30), 0), (berlin(2026, 12, 1, 14, 0), 1)):
            clock.set(when)
            after.runtime.sweep()
            drain(after)
            assert approval_requests(after) == expected
