"""End to end: the app over real HTTP, signed like Slack signs, against the fake Web API."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from vpabot.policy.clock import SettableClock
from vpabot.storage import inbox, rollups
from vpabot.storage.db import make_engine
from vpabot.storage.models import AuditEvent, InboundRequest, Violation
from vpabot.bot.testing.harness import BotUnderTest
from vpabot.bot.testing.transcript import render

# Thursday morning in Berlin; a module that needs another day overrides ``clock``.
THURSDAY_MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(THURSDAY_MORNING)


@pytest.fixture
def bot(db_url: str, clock: SettableClock) -> Iterator[BotUnderTest]:
    """The app over HTTP against the fake Slack, on a clock the test moves (no sleeps).

    Afterwards the report's rollup must equal a recount: every way a test wrote violations
    (log, approve, reject, withdraw, import, erase) kept ``violation_month_counts`` in step.
    """
    with BotUnderTest(db_url, clock=clock) as running:
        yield running
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            assert rollups.drift(session) == {}
    finally:
        engine.dispose()


@pytest.fixture
def anna(bot: BotUnderTest) -> BotUnderTest:
    """The bot with one new assistant, Anna Müller (`anna.m`), who has no CG acceptance yet."""
    ack, key = bot.slack.command("assistent neu anna.m Anna Müller")
    assert ack.status == 200 and "angelegt" in render(bot.slack.reply(key).args)
    return bot


def count(bot: BotUnderTest, model: type) -> int:
    """Rows in a table, read through a separate connection (what is really committed)."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def acknowledged(bot: BotUnderTest) -> int:
    """Requests acknowledged and kept: the inbox's rows and, on SQLite, the spool's rows no
    worker has moved into the inbox yet (``storage/spool.py``)."""
    engine = make_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return inbox.spooled(session) + (session.scalar(select(func.count()).select_from(InboundRequest)) or 0)
    finally:
        engine.dispose()


def waiting(bot: BotUnderTest) -> int:
    """Acknowledged requests no worker has taken yet, as the bot counts them for "busy" and
    its metrics (``inbox.backlog``: the inbox's queued rows and, on SQLite, the spool's)."""
    engine = make_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return inbox.backlog(session)
    finally:
        engine.dispose()


def written(bot: BotUnderTest) -> tuple[int, int]:
    return count(bot, Violation), count(bot, AuditEvent)


def resign(bot: BotUnderTest, handle: str, user: str = "UADMIN1") -> str:
    """Type ``/vpa gekuendigt <handle>`` and confirm in the dialog; returns what the admin reads."""
    _ack, key = bot.slack.command(f"gekuendigt {handle}", user=user)
    question = bot.slack.reply(key).args
    buttons = [e for b in question.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]
    confirm = next((e for e in buttons if e["action_id"] == "resign_confirm"), None)
    if confirm is None:
        return render(question)
    assert confirm["confirm"]["confirm"]["text"]  # Slack shows the dialog before the click arrives
    _ack, click = bot.slack.click("resign_confirm", confirm["value"], user=user, key=f"{key}c")
    return render(bot.slack.reply(click).args)


def seconds_until_a_form_opens_behind_slow_reads(bot: BotUnderTest) -> float:
    """Eight file pages whose answers take Slack 3 s each fill the reads' threads and queue
    (~6 s of work); then `/vpa verstoss anna.m`: how long until its modal opens. Within
    Slack's 3 s ``trigger_id`` only if forms do not queue behind reads."""
    import time

    bot.fake.delay("response_url", 3)
    for _ in range(8):
        bot.slack.command("akte anna.m")
    time.sleep(0.2)
    asked = time.monotonic()
    _ack, key = bot.slack.command("verstoss anna.m")
    bot.fake.wait_for("views.open", predicate=lambda c: c.args.get("trigger_id") == f"trigger-{key}", timeout=10)
    seconds = time.monotonic() - asked
    bot.fake.delay("response_url", 0)  # the file pages still queued need not hold up the stop
    return seconds


def bot_with_slow_reads_in_a_process(
    tmp_path: Path, *, reads: int, response_delay: float, announce: str = "'ready'", role: str = "all"
) -> subprocess.Popen[str]:
    """A ``BotUnderTest`` in a process of its own (a test cannot Ctrl-C its own process) with
    ``reads`` × ``/vpa akte`` waiting on a response_url that answers after ``response_delay``
    seconds. Once they are queued it prints ``announce`` (a Python expression over ``bot``);
    on the first SIGINT it prints "stopping" and stops."""
    script = (
        "import sys, time\n"
        "from vpabot.bot.testing.harness import BotUnderTest\n"
        f"bot = BotUnderTest(sys.argv[1], role={role!r})\n"
        f"bot.fake.delay('response_url', {response_delay})\n"
        f"for _ in range({reads}): bot.slack.command('akte anna.m')\n"
        "try:\n"
        f"    print({announce}, flush=True)\n"
        "    time.sleep(60)\n"
        "except KeyboardInterrupt:\n"
        "    print('stopping', flush=True)\n"
        "    bot.close()\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script, f"sqlite:///{tmp_path / 'vpabot.db'}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
