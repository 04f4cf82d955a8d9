"""/healthz, /readyz and /metrics as a load balancer and Prometheus see them, in both modes.

HTTP mode (`vpabot serve`) answers on its Slack port; Socket Mode (`vpabot run`) on
VPA_HEALTH_PORT through the same app. Readiness turns 503 when the scheduler stopped or the
outbox is stuck, and says which check failed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vpabot.bot.health import STUCK_AFTER, HealthServer
from vpabot.bot.testing.harness import BotUnderTest
from vpabot.policy.clock import SettableClock
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope

MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def ready(url: str) -> tuple[int, dict]:
    status, body = get(url + "/readyz")
    return status, json.loads(body)


def metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") :
            return float(line.split()[-1])
    return None


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(MORNING)


@pytest.fixture
def jobs_bot(db_url: str, clock: SettableClock) -> Iterator[BotUnderTest]:
    """The bot with its scheduler running, as `vpabot serve` starts it."""
    with BotUnderTest(db_url, clock=clock, run_scheduler=True) as running:
        running.runtime.start_jobs()
        yield running


def queue_message(bot: BotUnderTest) -> None:
    with session_scope(bot.runtime.ctx.sessions) as session:
        repo.enqueue(
            session,
            method="chat.postMessage",
            payload={"channel": "CTEAM", "text": "Test"},
            purpose="test",
            now=bot.runtime.ctx.now(),
        )


def test_a_healthy_bot_is_live_and_ready(jobs_bot: BotUnderTest) -> None:
    assert get(jobs_bot.url + "/healthz") == (200, '{"ok": true}')
    status, body = ready(jobs_bot.url)
    assert status == 200 and body["ok"] is True
    assert {name for name, check in body["checks"].items() if check["ok"]} == {
        "database", "migrations", "scheduler", "outbox", "inbox"
    }


def test_readyz_fails_when_the_scheduler_stopped(jobs_bot: BotUnderTest) -> None:
    jobs_bot.runtime.scheduler.shutdown(wait=True)
    status, body = ready(jobs_bot.url)
    assert status == 503 and body["ok"] is False
    assert body["checks"]["scheduler"] == {"ok": False}
    assert get(jobs_bot.url + "/healthz")[0] == 200  # alive: restart is not the answer yet


def test_readyz_fails_when_the_outbox_is_stuck(db_url: str, clock: SettableClock) -> None:
    with BotUnderTest(db_url, clock=clock) as bot:  # nobody dispatches: run_scheduler off
        queue_message(bot)
        clock.advance(STUCK_AFTER - timedelta(seconds=1))
        status, body = ready(bot.url)
        assert status == 200 and body["checks"]["scheduler"] == {"ok": True, "disabled": True}
        clock.advance(timedelta(seconds=2))
        status, body = ready(bot.url)
        assert status == 503
        outbox = body["checks"]["outbox"]
        assert outbox["ok"] is False and outbox["pending"] == 1
        assert outbox["oldest_due_seconds"] == STUCK_AFTER.total_seconds() + 1
        bot.dispatch_outbox()  # sent: ready again
        assert ready(bot.url)[0] == 200


def test_dead_messages_are_counted_but_do_not_fail_readiness(db_url: str, clock: SettableClock) -> None:
    with BotUnderTest(db_url, clock=clock) as bot:
        queue_message(bot)
        bot.fake.fail("chat.postMessage", error="channel_not_found")
        bot.dispatch_outbox()
        status, body = ready(bot.url)
        assert status == 200 and body["checks"]["outbox"]["dead"] == 1
        status, text = get(bot.url + "/metrics")
        assert status == 200
        assert metric(text, 'vpabot_outbox_messages{status="dead"}') == 1.0
        assert metric(text, 'vpabot_outbox_messages{status="pending"}') == 0.0


def test_metrics_show_the_outbox_the_sweeps_and_failed_jobs(
    jobs_bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_message(jobs_bot)
    jobs_bot.fake.fail("chat.postMessage", status=500)  # one retry
    jobs_bot.runtime.kick_outbox()
    jobs_bot.fake.wait_for("chat.postMessage")
    deadline = time.monotonic() + 10
    while metric(text := get(jobs_bot.url + "/metrics")[1], "vpabot_outbox_retried_messages") != 1:
        assert time.monotonic() < deadline, "the failed attempt was not recorded"
        time.sleep(0.05)
    # A 500 may have posted it: in doubt ("sending") until the history says otherwise.
    assert metric(text, 'vpabot_outbox_messages{status="sending"}') == 1.0
    assert metric(text, "vpabot_outbox_oldest_due_seconds") == 0.0  # waits for its backoff
    assert 'vpabot_sweeps_total{sweep="sweep_reviews"}' in text

    def failing(job_id: str) -> float:
        value = metric(get(jobs_bot.url + "/metrics")[1], f'vpabot_job_failures_total{{job="{job_id}"}}')
        return value or 0.0

    # A job that raises is counted by the scheduler listener …
    before = failing("boom")
    jobs_bot.runtime.scheduler.add_job(lambda: 1 / 0, id="boom")
    deadline = time.monotonic() + 10
    while failing("boom") == before:
        assert time.monotonic() < deadline, "the failed job was not counted"
        time.sleep(0.05)
    # … and a sweep that failed inside its own try/except too.
    import vpabot.bot.runtime as runtime_module

    def broken(ctx: object) -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr(runtime_module, "sweep_reviews", broken)
    before = failing("broken")
    jobs_bot.runtime.sweep()
    assert failing("broken") == before + 1


def test_socket_mode_serves_the_same_on_its_health_port(db_url: str, clock: SettableClock) -> None:
    with BotUnderTest(db_url, clock=clock, run_scheduler=True) as bot:
        server = HealthServer(bot.runtime, host="127.0.0.1", port=0).start()
        try:
            url = f"http://127.0.0.1:{server.port}"
            assert get(url + "/healthz")[0] == 200
            status, body = ready(url)  # the jobs were never started
            assert status == 503 and body["checks"]["scheduler"] == {"ok": False}
            bot.runtime.start_jobs()
            assert ready(url)[0] == 200
            assert "vpabot_outbox_messages" in get(url + "/metrics")[1]
            assert get(url + "/slack/events")[0] == 404  # Slack talks over the socket here
        finally:
            server.stop()


def test_metrics_count_requests_by_kind_and_outcome(db_url: str, clock: SettableClock) -> None:
    from vpabot.bot.testing.harness import OUTSIDER

    with BotUnderTest(db_url, clock=clock) as bot:
        before = get(bot.url + "/metrics")[1]
        bot.slack.command("assistent neu anna.m Anna Müller")
        bot.slack.command("verstoss", user=OUTSIDER)
        text = get(bot.url + "/metrics")[1]

        def grew(sample: str) -> float:
            return (metric(text, sample) or 0) - (metric(before, sample) or 0)

        assert grew('vpabot_requests_total{kind="command",outcome="ok"}') == 1
        assert grew('vpabot_requests_total{kind="command",outcome="refused"}') == 1
        assert grew('vpabot_ack_seconds_count{kind="command"}') == 2


def test_readiness_fails_when_acknowledged_work_waits_for_no_worker(db_url: str, clock: SettableClock) -> None:
    from datetime import timedelta

    with BotUnderTest(db_url, clock=clock) as bot:
        bot.runtime.runner.stop()  # the inbox workers are gone
        assert bot.slack.command("assistent neu anna.m Anna Müller")[0].status == 200
        assert ready(bot.url)[0] == 200  # just queued: fine
        clock.advance(timedelta(minutes=3))
        status, body = ready(bot.url)
        assert status == 503
        assert body["checks"]["inbox"] == {"ok": False, "queued": 1, "oldest_queued_seconds": 180.0}
        status, text = get(f"{bot.url}/metrics")
        assert status == 200
        assert metric(text, "vpabot_inbox_queued_requests") == 1.0
        assert metric(text, "vpabot_inbox_oldest_queued_seconds") == 180.0


def test_readiness_answers_at_once_while_a_long_write_holds_the_database(db_url: str, clock: SettableClock) -> None:
    """Reported (break test): /readyz took SQLite's write lock to say "SELECT 1" and waited
    30 s behind a ``sqlite3`` shell in ``BEGIN IMMEDIATE``, then said 503."""
    import sqlite3

    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never wait for writers")
    with BotUnderTest(db_url, clock=clock) as bot:
        holder = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            status, body = ready(bot.url)
            took = time.monotonic() - started
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert status == 200 and took < 2.0, (took, body)


def test_a_stored_status_this_version_does_not_know_takes_nothing_down(db_url: str, clock: SettableClock) -> None:
    """A newer version rolled back, or a hand-made fix in SQL, left a status this version
    has no member for: /readyz and /metrics still answer, and the rest is counted as before."""
    from sqlalchemy import text

    with BotUnderTest(db_url, clock=clock) as bot:
        queue_message(bot)
        queue_message(bot)
        with session_scope(bot.runtime.ctx.sessions) as session:
            first = session.execute(text("SELECT min(id) FROM outbox")).scalar_one()
            session.execute(text("UPDATE outbox SET status = 'paused' WHERE id = :id"), {"id": first})
        status, body = ready(bot.url)
        assert status == 200 and body["checks"]["outbox"]["pending"] == 1
        status, text_ = get(bot.url + "/metrics")
        assert status == 200 and metric(text_, 'vpabot_outbox_messages{status="pending"}') == 1.0
