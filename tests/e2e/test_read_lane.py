"""``vpabot serve --role web`` runs reads in a forked read process (``read_lane.py``): what an
admin reads is the same, a slow Slack call holds up one read only, a full lane says "busy",
a read process that dies costs no one an answer, and stopping never hangs. On the system
clock: a test's clock does not cross into another process."""

from __future__ import annotations

import json
import os
import pickle
import signal
import time
from collections.abc import Iterator

import pytest
from vpabot.bot import payloads
from vpabot.bot.group_members import GroupMembers
from vpabot.bot.ids import Action
from vpabot.bot.interactions.read_lane import ReadProcess
from vpabot.bot.runtime import Runtime
from vpabot.bot.testing.harness import BotUnderTest
from vpabot.bot.testing.transcript import render
from tests.e2e.conftest import bot_with_slow_reads_in_a_process, seconds_until_a_form_opens_behind_slow_reads

BUSY = "sehr viel zu tun"
RESTARTED = "neu gestartet"


@pytest.fixture
def web(db_url: str) -> Iterator[BotUnderTest]:
    """A web process with one read process, and Anna Müller on file (added by a worker)."""
    with BotUnderTest(db_url, role="web") as running:
        worker = Runtime(running.settings, role="worker")
        try:
            _ack, key = running.slack.command("assistent neu anna.m Anna Müller")
            assert "angelegt" in render(running.slack.reply(key).args)
        finally:
            worker.stop()
        yield running


def reads_of(bot: BotUnderTest) -> ReadProcess:
    reads = bot.runtime.runner._reads
    assert reads is not None, "the web process runs no read process"
    return reads


def test_the_file_comes_from_the_read_process_and_reads_as_before(web: BotUnderTest) -> None:
    child = reads_of(web).pid
    assert child is not None and child != os.getpid()
    ack, key = web.slack.command("akte anna.m")
    assert ack.status == 200 and not ack.body.strip("{}")  # an empty ack: the file follows
    text = render(web.slack.reply(key).args)
    assert "Anna Müller" in text and "anna.m" in text


def test_an_unknown_assistant_is_answered_politely_from_the_read_process(web: BotUnderTest) -> None:
    _ack, key = web.slack.command("akte anna.x")
    text = render(web.slack.reply(key).args)
    assert "anna.x" in text and "anna.m" in text  # not found, and the close match offered


def test_a_form_opens_from_the_read_process_within_its_trigger(web: BotUnderTest) -> None:
    ack, key = web.slack.command("verstoss anna.m")
    assert ack.status == 200
    opened = web.fake.wait_for("views.open", predicate=lambda c: c.args.get("trigger_id") == f"trigger-{key}")
    view = opened[0].args["view"]
    assert view["callback_id"] == "violation_modal" and "Anna Müller" in json.dumps(view, ensure_ascii=False)


def test_a_file_opened_on_app_home_opens_over_it_from_the_read_process(web: BotUnderTest) -> None:
    value = payloads.encode(payloads.HandleRef("anna.m"))
    assert web.slack.home_click(Action.OPEN_FILE, value).status == 200
    modal = web.fake.wait_for("views.open")[-1].args["view"]
    assert modal["type"] == "modal" and "Anna Müller" in json.dumps(modal, ensure_ascii=False)


def test_a_full_read_lane_says_busy_in_the_ack_and_answers_what_it_took(db_url: str) -> None:
    with BotUnderTest(db_url, role="web") as bot:
        runner = bot.runtime.runner
        # One read thread, no queue: the second read while the first is out is refused.
        runner._reads.shutdown()
        runner.read_in(ReadProcess(bot.runtime.ctx, bot.runtime.web, bot.runtime.engine, threads=1, queue=0))
        bot.fake.delay("response_url", 1.5)
        first, first_key = bot.slack.command("akte anna.m")
        second, _ = bot.slack.command("akte anna.m")
        assert first.status == 200 and BUSY not in first.body
        assert BUSY in render(second.json())
        assert "anna.m" in render(bot.slack.reply(first_key, timeout=15).args)


def test_a_slow_slack_call_holds_up_one_read_not_the_others(web: BotUnderTest) -> None:
    web.fake.delay("views.open", 4)  # Slack slow to open one admin's form
    web.slack.command("verstoss")
    time.sleep(0.2)
    asked = time.monotonic()
    _ack, key = web.slack.command("akte anna.m")
    assert "Anna Müller" in render(web.slack.reply(key, timeout=10).args)
    assert time.monotonic() - asked < 2.5  # not after the form's 4 s


def test_a_form_goes_ahead_of_file_pages_waiting_in_the_read_process(web: BotUnderTest) -> None:
    """Eight slow file pages fill the reads' threads and queue for ~6 s; a form asked for
    after them must still open within its trigger_id's 3 s (it would open after ~3 s, too
    late, if it queued behind them)."""
    assert seconds_until_a_form_opens_behind_slow_reads(web) < 2


def test_reads_still_queued_when_a_stop_ends_the_drain_are_told_and_none_twice(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A stop waits read_lane.DRAIN_SECONDS for queued reads, then ends the read process:
    whoever was still waiting hears that the bot restarted instead of nothing, and the read
    whose file was already on its way to Slack is not told a second time."""
    from vpabot.bot.interactions import read_lane

    monkeypatch.setattr(read_lane, "DRAIN_SECONDS", 1.0)
    with BotUnderTest(db_url, role="web") as bot:
        bot.fake.delay("response_url", 2)  # one read thread: one file every 2 s
        runner = bot.runtime.runner
        runner._reads.shutdown()
        runner.read_in(ReadProcess(bot.runtime.ctx, bot.runtime.web, bot.runtime.engine, threads=1, queue=8))
        keys = [bot.slack.command("akte anna.m")[1] for _ in range(4)]
        bot.fake.wait_for("response_url", predicate=lambda c: c.args.get("_key") == keys[0])
        bot.fake.delay("response_url", 0)
        bot.runtime.stop()
        answers = {key: [render(c.args) for c in bot.fake.calls_to("response_url") if c.args.get("_key") == key]
                   for key in keys}
    assert len(answers[keys[0]]) == 1 and "anna.m" in answers[keys[0]][0]  # its answer only
    for key in keys[1:]:
        assert len(answers[key]) == 1 and RESTARTED in answers[key][0]


def test_reads_a_dying_read_process_held_are_answered_on_threads_and_reads_go_on(web: BotUnderTest) -> None:
    """Six files asked for, four of them on their way to Slack (slow) when the read process
    is killed: the two it had not started run on the web process's threads, the four are not
    answered a second time, and later reads run on threads too."""
    web.fake.delay("response_url", 3)
    keys = [web.slack.command("akte anna.m")[1] for _ in range(6)]
    # The read process is inside four replies (the fixture's own reply is not one of them).
    web.fake.wait_for("response_url", count=4, predicate=lambda c: c.args.get("_key") in keys)
    os.kill(reads_of(web).pid, signal.SIGKILL)
    web.fake.wait_for("response_url", count=6, timeout=20, predicate=lambda c: c.args.get("_key") in keys)
    time.sleep(1)  # nothing more is coming
    answers = [[c for c in web.fake.calls_to("response_url") if c.args.get("_key") == key] for key in keys]
    assert all(len(calls) == 1 and "Anna Müller" in render(calls[0].args) for calls in answers)
    web.fake.delay("response_url", 0)
    _ack, key = web.slack.command("akte anna.m")
    assert "Anna Müller" in render(web.slack.reply(key, timeout=15).args)
    assert web.runtime.runner._reads is None


def test_role_groups_travel_with_each_read() -> None:
    members = GroupMembers()
    members.set("admin", "S1", frozenset({"U1", "U2"}))
    copy = pickle.loads(pickle.dumps(members))  # the settings cross into the read process
    assert copy.of("admin") == {"U1", "U2"} and copy.group_id("admin") == "S1"
    members.set("admin", "S1", frozenset({"U3"}))
    copy.restore(members.snapshot())  # what each read brings along
    assert copy.of("admin") == {"U3"}


def test_a_read_process_leaves_when_its_parent_was_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL gives the web process no time to stop its children: they notice and go."""
    import subprocess
    import sys

    script = (
        "import os, sys, time\n"
        "from vpabot.bot.testing.harness import BotUnderTest\n"
        "bot = BotUnderTest(sys.argv[1], role='web')\n"
        "print(bot.runtime.runner._reads.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script, f"sqlite:///{tmp_path / 'vpabot.db'}"], stdout=subprocess.PIPE, text=True
    )
    try:
        child = int(parent.stdout.readline())  # type: ignore[union-attr]
        parent.kill()
        parent.wait(10)
        assert _gone_within(child, 10)
    finally:
        parent.kill()


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    return not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie has left; only its entry waits
    except FileNotFoundError:
        return False


def test_a_second_ctrl_c_while_stopping_ends_the_process_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Reads still queued make a stop wait (up to read_lane.DRAIN_SECONDS); an impatient
    second Ctrl-C must end it, read process included, not hang."""
    parent = bot_with_slow_reads_in_a_process(
        tmp_path, reads=8, response_delay=30, announce="bot.runtime.runner._reads.pid", role="web"
    )
    try:
        child = int(parent.stdout.readline())  # type: ignore[union-attr]
        parent.send_signal(signal.SIGINT)
        assert parent.stdout.readline().strip() == "stopping"  # type: ignore[union-attr]
        time.sleep(0.5)
        parent.send_signal(signal.SIGINT)
        parent.wait(3)  # the stop alone would wait up to read_lane.DRAIN_SECONDS (5 s)
        assert _gone_within(child, 5)
    finally:
        parent.kill()


def test_a_stop_sent_to_the_whole_process_group_still_drains_the_queued_reads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """systemd stops a service by sending SIGTERM to every process of it: the read process
    must not die with the reads the web process acked."""
    import subprocess
    import sys

    script = (
        "import signal, sys, time\n"
        "from vpabot.bot.testing.harness import BotUnderTest\n"
        "bot = BotUnderTest(sys.argv[1], role='web')\n"
        "def leave(signum, frame): raise SystemExit(0)\n"
        "signal.signal(signal.SIGTERM, leave)\n"  # as `vpabot serve` does, after the fork
        "bot.fake.delay('response_url', 0.3)\n"
        "keys = [bot.slack.command('akte anna.m')[1] for _ in range(20)]\n"
        "try:\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(60)\n"
        "finally:\n"
        "    bot.runtime.stop()\n"
        "    answered = {c.args.get('_key') for c in bot.fake.calls_to('response_url')}\n"
        "    print(len(answered & set(keys)), flush=True)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script, f"sqlite:///{tmp_path / 'vpabot.db'}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    try:
        assert parent.stdout.readline().strip() == "ready"  # type: ignore[union-attr]
        os.killpg(parent.pid, signal.SIGTERM)
        assert parent.stdout.readline().strip() == "20"  # type: ignore[union-attr]
        parent.wait(10)
    finally:
        parent.kill()
