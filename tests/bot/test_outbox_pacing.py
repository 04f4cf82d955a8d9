"""The outbox rides Slack's per-channel rate limit (issue 9, item 5), on SQLite and PostgreSQL.

The fake Slack enforces the limit, scaled down so a test takes seconds: where Slack allows one
chat.postMessage per second per channel, the fake allows one per ``INTERVAL``, and the
dispatcher paces at the same scale. The full size (200 at Slack's second, no burst) runs with
``VPA_BENCH=1``: about 203 s.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests.bot.outbox_support import Rig, rig  # noqa: F401 - fixture
from vpabot.bot.outbox import OutboxWorker
from vpabot.storage.db import make_engine, make_session_factory
from vpabot.storage.models import OutboxStatus

INTERVAL = 0.1  # the fake's limit per channel (Slack: 1 s)
PACE = INTERVAL * 1.02  # the dispatcher's, with the production headroom of 2 %
COUNT = 100


def posts(rig: Rig, status: int) -> int:
    return sum(1 for c in rig.fake.calls_to("chat.postMessage") if c.status == status)


def test_a_burst_to_one_channel_arrives_in_order_near_the_ideal_time(rig: Rig) -> None:
    """Issue 9's 200 announcements at 1/s, at a tenth of the time and half the count."""
    # Slack allows short bursts; two at once keeps a millisecond of network jitter from
    # counting as a burst.
    rig.fake.rate_limit("chat.postMessage", per_channel=INTERVAL, burst=2)
    rig.announce(COUNT)

    started = time.monotonic()
    sent = rig.dispatcher(per_channel=PACE).dispatch_due(limit=None)
    elapsed = time.monotonic() - started

    assert sent == COUNT
    assert [r.status for r in rig.rows()] == [OutboxStatus.SENT] * COUNT  # none dead
    assert rig.texts("CTEAM") == [f"VT-Stop {i}" for i in range(COUNT)]  # in order, no duplicate
    assert posts(rig, 429) == 0  # paced before Slack had to say so
    # Paced at the limit, not slower: the typical gap between two posts as Slack saw them.
    # (The time target itself, <= 1.1x the ideal at full size, is the benchmark's: a busy
    # machine stretches a few gaps here, not the pacing.)
    at = [c.at for c in rig.fake.calls_to("chat.postMessage")]
    gaps = sorted(b - a for a, b in zip(at, at[1:]))
    assert gaps[len(gaps) // 2] <= 1.1 * INTERVAL, f"median gap {gaps[len(gaps) // 2]:.3f}s"
    assert elapsed <= 2 * COUNT * INTERVAL, f"{elapsed:.2f}s for {COUNT} at {INTERVAL}s"


def test_a_429_pauses_only_its_channel_for_retry_after_and_is_not_a_failed_attempt(rig: Rig) -> None:
    rig.fake.fail("chat.postMessage", status=429, retry_after=1)  # the first post: CTEAM's
    rig.announce(3, channel="CTEAM", prefix="team")
    rig.announce(3, channel="CADMINS", prefix="admins")

    sent = rig.dispatcher(per_channel=0.01).dispatch_due(limit=None)

    assert sent == 6
    calls = rig.fake.calls_to("chat.postMessage")
    team = [c for c in calls if c.args["channel"] == "CTEAM"]
    admins = [c for c in calls if c.args["channel"] == "CADMINS"]
    assert [c.status for c in team] == [429, 200, 200, 200]
    assert team[1].at - team[0].at >= 1.0  # Retry-After honoured...
    assert admins[-1].at < team[1].at  # ...while the other channel kept flowing
    assert [c.args["text"] for c in team[1:]] == ["team 0", "team 1", "team 2"]  # order kept
    first = rig.rows()[0]
    assert (first.status, first.attempts) == (OutboxStatus.SENT, 1)  # the 429 did not count


def test_a_strict_limit_loses_nothing_and_keeps_the_order(rig: Rig) -> None:
    """No burst allowance and a dispatcher that does not pace at all: every 429 is honoured,
    nothing is parked as dead (before: 141 of 200 dead)."""
    rig.fake.rate_limit("chat.postMessage", per_channel=0.2)
    rig.announce(4)

    sent = rig.dispatcher(per_channel=0).dispatch_due(limit=None)

    assert sent == 4 and [r.status for r in rig.rows()] == [OutboxStatus.SENT] * 4
    assert rig.texts("CTEAM") == [f"VT-Stop {i}" for i in range(4)]
    assert 1 <= posts(rig, 429) <= 4 and all(r.attempts == 1 for r in rig.rows())


def test_two_instances_share_the_pace_of_a_channel(rig: Rig, db_url: str) -> None:
    """Two dispatchers with their own engines (two processes' worth): the lane's pace lives in
    the database, so together they keep to one message per interval, in order, no duplicate."""
    rig.fake.rate_limit("chat.postMessage", per_channel=INTERVAL, burst=2)
    rig.announce(30, channel="CTEAM", prefix="team")
    rig.announce(30, channel="CADMINS", prefix="admins")
    engines = [make_engine(db_url) for _ in range(2)]
    try:
        dispatchers = [rig.dispatcher(per_channel=PACE) for _ in engines]
        for dispatcher, engine in zip(dispatchers, engines):
            dispatcher.sessions = make_session_factory(engine)
        results: list[int] = []
        threads = [threading.Thread(target=lambda d=d: results.append(d.dispatch_due(limit=None)))
                   for d in dispatchers]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
    finally:
        for engine in engines:
            engine.dispose()

    assert sum(results) == 60 and min(results) > 0  # both took part
    assert rig.texts("CTEAM") == [f"team {i}" for i in range(30)]
    assert rig.texts("CADMINS") == [f"admins {i}" for i in range(30)]
    assert posts(rig, 429) == 0
    # Side by side: about 30 intervals; one channel after the other would take 60.
    assert elapsed < 45 * INTERVAL, f"{elapsed:.2f}s"


def test_the_background_worker_sends_a_paced_burst_in_one_run(rig: Rig) -> None:
    """The runtime's worker keeps sending while a lane is paced, instead of one message per
    5-second interval."""
    rig.fake.rate_limit("chat.postMessage", per_channel=0.2, burst=2)
    rig.announce(10)
    worker = OutboxWorker(rig.dispatcher(per_channel=0.2 * 1.02), interval=5)
    started = time.monotonic()
    worker.start()
    try:
        rig.fake.wait_for("chat.postMessage", count=10, timeout=10,
                          predicate=lambda c: c.status == 200)
        elapsed = time.monotonic() - started
    finally:
        worker.stop()
    # One run: about 2 s; one message per run of the worker would take 10 runs of 5 s.
    assert elapsed < 5, f"{elapsed:.2f}s"
    assert rig.texts("CTEAM") == [f"VT-Stop {i}" for i in range(10)]


@pytest.mark.skipif(not os.environ.get("VPA_BENCH"), reason="200 s at Slack's pace; set VPA_BENCH=1")
def test_200_announcements_at_slacks_real_pace(rig: Rig) -> None:
    """Issue 9 item 5 at full size: one post per second per channel, no burst allowed."""
    rig.fake.rate_limit("chat.postMessage", per_channel=1.0)
    rig.announce(200)
    started = time.monotonic()
    assert rig.dispatcher().dispatch_due(limit=None) == 200  # the production pace
    elapsed = time.monotonic() - started
    assert [r.status for r in rig.rows()] == [OutboxStatus.SENT] * 200
    assert rig.texts("CTEAM") == [f"VT-Stop {i}" for i in range(200)]
    assert elapsed <= 1.1 * 200, f"{elapsed:.1f}s"
