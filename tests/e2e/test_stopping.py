"""A stop (a redeploy's SIGTERM, Ctrl-C) of a process that answers reads on its own threads
(``vpabot serve``, the default): queued reads get a short drain, whoever is still waiting is
told the bot restarted, and the stop ends in bounded time however slow Slack is. (The read
process of ``--role web``: tests/e2e/test_read_lane.py.)"""

from __future__ import annotations

import time

from vpabot.bot.interactions import read_lane
from vpabot.bot.testing.harness import BotUnderTest
from vpabot.bot.testing.transcript import render

RESTARTED = "neu gestartet"


def answers_to(bot: BotUnderTest, keys: list[str]) -> dict[str, list[str]]:
    calls = bot.fake.calls_to("response_url")
    return {key: [render(c.args) for c in calls if c.args.get("_key") == key] for key in keys}


def test_reads_queued_on_the_threads_at_a_stop_are_told_and_none_twice(anna: BotUnderTest, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(read_lane, "DRAIN_SECONDS", 0.5)
    anna.fake.delay("response_url", 2)  # 4 threads: the first 4 files take 2 s, 20 wait
    keys = [anna.slack.command("akte anna.m")[1] for _ in range(24)]
    anna.fake.wait_for("response_url", count=4, predicate=lambda c: c.args.get("_key") in keys)
    anna.fake.delay("response_url", 0)
    anna.runtime.stop()
    answers = answers_to(anna, keys)
    assert all(len(texts) == 1 for texts in answers.values()), answers  # everyone, once
    files = [key for key, texts in answers.items() if "Anna Müller" in texts[0]]
    told = [key for key, texts in answers.items() if RESTARTED in texts[0]]
    assert len(files) >= 4 and len(told) >= 10 and len(files) + len(told) == 24


def test_a_stop_ends_in_bounded_time_however_slow_slack_is(anna: BotUnderTest, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """60 reads queued behind a Slack that takes 3 s per answer: one by one that is minutes
    (Docker kills a container after 10 s); the stop tells them in parallel, with a deadline."""
    monkeypatch.setattr(read_lane, "DRAIN_SECONDS", 0.5)
    anna.fake.delay("response_url", 3)
    keys = [anna.slack.command("akte anna.m")[1] for _ in range(60)]
    anna.fake.wait_for("response_url", count=4, predicate=lambda c: c.args.get("_key") in keys)
    started = time.monotonic()
    anna.runtime.stop()
    assert time.monotonic() - started < 10  # drain 0.5 s + running files 3 s + last round 3 s
    told = [key for key, texts in answers_to(anna, keys).items() if texts and RESTARTED in texts[-1]]
    assert len(told) >= 30  # 32 at once within the last round's 3 s
