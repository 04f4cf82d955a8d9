"""``vpabot serve --role web`` beside ``vpabot worker``: the database is the only state, so
what the web process acknowledges, a worker in another process does, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vpabot.bot.runtime import Runtime
from vpabot.bot.testing.harness import ADMIN, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.clock import SettableClock
from vpabot.storage.models import InboundRequest, Violation
from tests.e2e.conftest import count, waiting


@pytest.fixture
def web(db_url: str, clock: SettableClock) -> Iterator[BotUnderTest]:
    with BotUnderTest(db_url, clock=clock, role="web") as running:
        yield running


@pytest.fixture
def worker(web: BotUnderTest, clock: SettableClock) -> Iterator[Runtime]:
    """A second Runtime on the same database and fake Slack: the other process."""
    runtime = Runtime(web.settings, clock=clock, role="worker")
    runtime.dispatcher.per_channel = web.runtime.dispatcher.per_channel
    yield runtime
    runtime.stop()


def test_a_worker_process_does_what_the_web_process_acknowledged(web: BotUnderTest, clock: SettableClock) -> None:
    ack, key = web.slack.command("assistent neu anna.m Anna Müller")
    assert ack.status == 200
    assert waiting(web) == 1  # the web process has no inbox workers: the row waits
    worker = Runtime(web.settings, clock=clock, role="worker")
    try:
        assert "angelegt" in render(web.slack.reply(key).args)
        ack, key = web.slack.command("verstoss anna.m kontakt kommunikation zu laut")
        assert ack.status == 200
        assert "Erinnerung" in render(web.slack.reply(key).args)
    finally:
        worker.stop()
    assert count(web, Violation) == 1


def test_a_home_opened_on_the_web_process_is_published_by_the_worker(web: BotUnderTest, worker: Runtime) -> None:
    assert web.slack.open_home(ADMIN).status == 200
    calls = web.fake.wait_for("views.publish", predicate=lambda c: c.args.get("user_id") == ADMIN)
    assert calls[0].args["view"]["type"] == "home"


def test_a_retried_home_event_is_handed_over_once(web: BotUnderTest) -> None:
    event = {"type": "app_home_opened", "user": ADMIN, "channel": f"D{ADMIN}", "tab": "home"}
    for _ in range(2):
        assert web.slack.event(event, event_id="EvSAME").status == 200
    web.runtime.runner.stop()  # hands over what it holds, as on every SIGTERM
    assert count(web, InboundRequest) == 1  # any worker of any instance renders it once
