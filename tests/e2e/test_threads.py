"""Threads: a stop's story stays in one thread of the team channel, a review's re-reminders
under the first reminder (issue 12, "Threads").

What the team sees is read from the fake Slack's channel (``fake.messages``) and through
``conversations.history``, the way a person scrolling the channel sees it: a reply in a
thread is not in the channel's history unless it was broadcast.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.stops_support import START, berlin, drain, reminded_stop, review_dms, say, sweep_at
from vpabot.bot.testing.harness import ADMIN, TEAM_CHANNEL, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.clock import SettableClock


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


def channel(bot: BotUnderTest) -> list[dict[str, Any]]:
    drain(bot)
    return bot.fake.messages(TEAM_CHANNEL)


def pause_delivery(bot: BotUnderTest) -> None:
    """Slack is slow today: the background sender stops; only ``drain`` sends from now on."""
    bot.runtime.outbox.stop()
    bot.runtime.dispatcher.stopping.clear()
    drain(bot)


def history(bot: BotUnderTest) -> list[str]:
    """What the channel shows at its top level, oldest first (conversations.history)."""
    drain(bot)
    page = bot.runtime.web.conversations_history(channel=TEAM_CHANNEL)
    return [render(m) for m in reversed(page["messages"])]


def test_change_extension_and_lift_are_replies_in_the_first_announcements_thread(anna: BotUnderTest) -> None:
    say(anna, "stop anna.m voll 11.12.2026")
    (first,) = channel(anna)
    assert "thread_ts" not in first and "bis 11.12.2026" in render(first)

    say(anna, "stop anna.m kunden 11.12.2026")  # a change of kind
    say(anna, "verlaengern anna.m 23.12.2026")  # an extension
    say(anna, "aufheben anna.m Antwortzeiten wieder im Ziel")
    _first, changed, extended, lifted = channel(anna)
    for reply in (changed, extended, lifted):
        assert reply["thread_ts"] == first["ts"], render(reply)
    assert "geändert" in render(changed) and "VT-Stop (Kunden)" in render(changed)
    assert "bis 23.12.2026" in render(extended)
    assert "aufgehoben" in render(lifted)
    # Only the lift is also shown in the channel: everyone hears a stop ended.
    assert not changed.get("reply_broadcast") and not extended.get("reply_broadcast")
    assert lifted["reply_broadcast"] is True
    top = history(anna)
    assert len(top) == 2 and "bis 11.12.2026" in top[0] and "aufgehoben" in top[1]


def test_a_follow_up_queued_before_the_first_announcement_was_delivered_still_threads(
    anna: BotUnderTest,
) -> None:
    pause_delivery(anna)  # nothing is sent while the admin works
    say(anna, "stop anna.m voll 11.12.2026")
    say(anna, "verlaengern anna.m 23.12.2026")
    first, extended = channel(anna)
    assert "thread_ts" not in first
    assert extended["thread_ts"] == first["ts"]


def test_a_new_stop_after_a_lift_starts_a_thread_of_its_own(anna: BotUnderTest) -> None:
    say(anna, "stop anna.m voll 11.12.2026")
    say(anna, "aufheben anna.m alles wieder gut")
    say(anna, "stop anna.m kunden 23.12.2026")
    first, lifted, second = channel(anna)
    assert lifted["thread_ts"] == first["ts"]
    assert "thread_ts" not in second and "*VT-Stop (Kunden)*" in render(second)


def test_when_the_first_announcement_never_arrived_the_follow_up_is_posted_on_its_own(
    anna: BotUnderTest,
) -> None:
    pause_delivery(anna)
    anna.fake.fail("chat.postMessage", error="not_in_channel")  # the bot was not invited yet
    say(anna, "stop anna.m voll 11.12.2026")
    drain(anna)  # the first announcement is parked as dead
    anna.fake.reset()
    say(anna, "aufheben anna.m alles wieder gut")
    (lifted,) = channel(anna)
    assert "aufgehoben" in render(lifted)
    assert "thread_ts" not in lifted and "reply_broadcast" not in lifted


def test_re_reminders_are_replies_under_the_first_review_reminder(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    first = reminded_stop(anna, clock, "stop anna.m voll 11.12.2026", berlin(2026, 12, 11, 9, 0))
    assert "thread_ts" not in first
    assert sweep_at(anna, clock, berlin(2026, 12, 14, 9, 0)) == 1  # Monday: still undecided
    assert sweep_at(anna, clock, berlin(2026, 12, 15, 9, 0)) == 1
    dms = anna.fake.messages(ADMIN)
    reminders = [m for m in dms if "VT-Stop-Prüfung" in str(m.get("text"))]
    assert len(reminders) == 3
    top, *again = reminders
    assert "thread_ts" not in top
    for reminder in again:
        assert reminder["thread_ts"] == top["ts"]
        assert "Prüfung überfällig" in render(reminder)
        assert not reminder.get("reply_broadcast")  # the admin's DM stays one conversation
        # ...and names the admin, so Slack notifies them of a reply in the bot's thread
        assert reminder["text"].endswith(f" · <@{ADMIN}>")
    assert "<@" not in top["text"]
    # The buttons under the thread still decide the review.
    assert {e["action_id"] for b in again[-1]["blocks"] if b["type"] == "actions" for e in b["elements"]} >= {
        "review_lift", "review_extend", "review_convert",
    }

    # A new review round (the stop was extended) starts with a reminder of its own.
    say(anna, "verlaengern anna.m 23.12.2026")
    assert sweep_at(anna, clock, berlin(2026, 12, 23, 9, 0)) == 1
    newest = review_dms(anna)[-1].args
    assert "thread_ts" not in newest
