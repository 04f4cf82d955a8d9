"""A stop (a redeploy's SIGTERM, Ctrl-C) of a process that answers reads on its own threads
(``vpabot serve``, the default): queued reads get a short drain, whoever is still waiting is
told the bot restarted, and the stop ends in bounded time however slow Slack is. (The read
process of ``--role web``: tests/e2e/test_read_lane.py.)"""

from __future__ import annotations

import time

from vpabot.bot.interactions import read_lane
from vpabot.bot.testing.harness import BotUnderTest
from vpabot.bot.testing.transcript import render
from tests.e2e.conftest import bot_with_slow_reads_in_a_process

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


def test_a_stop_ends_in_bounded_time_however_slow_slack_is(anna: BotUnderTest) -> None:
    """60 reads and 10 notes queued behind a Slack that takes 12 s per answer: waiting for
    each took 24 s, past Docker's 10 s; the stop waits at most the drain (5 s) and tells
    whoever is left in parallel, with a deadline (3 s)."""
    anna.fake.delay("response_url", 12)
    for n in range(10):
        anna.slack.command(f"notiz anna.m Rückruf {n} vereinbart")
    keys = [anna.slack.command("akte anna.m")[1] for _ in range(60)]
    anna.fake.wait_for("response_url", count=4, predicate=lambda c: c.args.get("_key") in keys)
    started = time.monotonic()
    anna.runtime.stop()
    assert time.monotonic() - started < 9.5  # drain 5 s + last round 3 s
    told = [key for key, texts in answers_to(anna, keys).items() if texts and RESTARTED in texts[-1]]
    assert len(told) >= 30  # 32 at once within the last round's 3 s (Slack records on arrival)


def test_a_second_ctrl_c_ends_a_stop_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C twice, as an impatient operator does: the process ends, instead of running
    every queued read one by one (as a ThreadPoolExecutor's exit hook did)."""
    import signal
    process = bot_with_slow_reads_in_a_process(tmp_path, reads=60, response_delay=3)
    try:
        assert process.stdout.readline().strip() == "ready"  # type: ignore[union-attr]
        process.send_signal(signal.SIGINT)
        assert process.stdout.readline().strip() == "stopping"  # type: ignore[union-attr]
        time.sleep(1)
        process.send_signal(signal.SIGINT)
        process.wait(4)  # ran 56 reads at 4 every 3 s (40 s and more) before
    finally:
        process.kill()
