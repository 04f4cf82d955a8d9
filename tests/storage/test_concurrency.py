"""Several writers at once, as with two admins or two bot instances, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine, select

from tests.conftest import START
from vpabot.bot.context import AppContext
from vpabot.bot.services import violations
from vpabot.bot.services.assistants import add_assistant
from vpabot.policy.catalogue import DEFAULT_TAGS, Source
from vpabot.storage import repositories as repo
from vpabot.storage.db import make_session_factory, session_scope
from vpabot.storage.models import OutboxMessage, OutboxStatus, Violation
from vpabot.storage.outbox_claim import LEASE, claim_due, claim_next
from vpabot.storage.outbox_settle import mark_sent

T = TypeVar("T")


def run_together(count: int, work: Callable[[int], T], *, timeout: float = 60) -> list[T]:
    """Run ``work(0..count-1)`` in threads released by one barrier; re-raise the first error."""
    barrier = threading.Barrier(count)
    results: list[T | None] = [None] * count
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,), name=f"writer-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a writer hung (deadlock?)"
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]


@pytest.fixture
def slow_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold every writer between reading the history and writing its violation.

    Without the row lock (PostgreSQL) or BEGIN IMMEDIATE (SQLite) all writers would then read
    the same history and pick the same step; with it they queue up. The sleep only widens the
    window, it never decides the outcome.
    """
    decide = violations.decide_step

    def decide_slowly(**kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return decide(**kwargs)

    monkeypatch.setattr(violations, "decide_step", decide_slowly)


@pytest.mark.usefixtures("slow_decision")
@pytest.mark.parametrize(
    ("writers", "expected_steps"),
    [(2, [1, 2]), (5, [1, 2, 3, 4, 4])],  # the ladder stops at 4 (exclusion)
)
def test_concurrent_violations_for_one_assistant_get_distinct_steps(
    ctx: AppContext, writers: int, expected_steps: list[int]
) -> None:
    add_assistant(ctx, actor="UADMIN1", handle="anna.m", name="Anna Müller")
    deadline = DEFAULT_TAGS.parse("deadline")

    logged = run_together(
        writers,
        lambda i: violations.log_violation(
            ctx,
            actor=f"UADMIN{i}",
            handle="anna.m",
            source=Source.COMPLAINT,
            tag=deadline,
            severe=False,
            note=f"writer {i}",
        ),
    )

    assert sorted(int(entry.decision.step) for entry in logged) == expected_steps
    with session_scope(ctx.sessions) as session:
        stored = session.scalars(select(Violation.step).order_by(Violation.id)).all()
    assert stored == expected_steps  # committed in step order: each saw all earlier ones


def seed_outbox(ctx: AppContext, count: int, *, now: datetime, channels: int = 1) -> list[int]:
    """``count`` messages, spread round-robin over ``channels`` channels (C0, C1, …)."""
    with session_scope(ctx.sessions) as session:
        rows = [
            repo.enqueue(
                session,
                method="chat.postMessage",
                payload={"channel": f"C{i % channels}", "text": f"message {i}"},
                purpose="test",
                now=now,
            )
            for i in range(count)
        ]
        session.flush()
        return [row.id for row in rows]


def test_two_dispatchers_never_claim_the_same_row(ctx: AppContext) -> None:
    seeded = seed_outbox(ctx, 50, now=START, channels=50)  # 50 lanes: all claimable at once

    def dispatcher(_: int) -> list[int]:
        mine: list[int] = []
        while batch := claim_due(ctx.sessions, now=START, limit=5):
            mine.extend(message.id for message in batch)
        return mine

    first, second = run_together(2, dispatcher)

    assert set(first) & set(second) == set()
    assert sorted(first + second) == seeded
    with session_scope(ctx.sessions) as session:
        attempts = session.scalars(select(OutboxMessage.attempts)).all()
    assert attempts == [1] * 50  # each row was claimed exactly once


def test_a_claimed_row_waits_for_its_lease_to_run_out(ctx: AppContext) -> None:
    [message_id] = seed_outbox(ctx, 1, now=START)

    [claimed] = claim_due(ctx.sessions, now=START)
    assert (claimed.id, claimed.attempts) == (message_id, 1)
    assert claimed.payload == {"channel": "C0", "text": "message 0"}

    assert claim_due(ctx.sessions, now=START) == []
    assert claim_due(ctx.sessions, now=START + LEASE - timedelta(seconds=1)) == []

    [again] = claim_due(ctx.sessions, now=START + LEASE)  # the first dispatcher died mid-send
    assert (again.id, again.attempts, again.in_doubt) == (message_id, 2, True)
    assert LEASE <= timedelta(seconds=30)  # a crashed instance's rows are taken over quickly
    with session_scope(ctx.sessions) as session:
        row = session.get_one(OutboxMessage, message_id)
        assert row.next_attempt_at == START + 2 * LEASE
        assert row.status == OutboxStatus.SENDING


def test_a_lane_is_sent_in_order_by_one_dispatcher_at_a_time(ctx: AppContext) -> None:
    """Two dispatchers racing over 3 channels: each claims the oldest open row of a lane only,
    so no lane ever has two claims open and each lane's rows are claimed in id order."""
    seeded = seed_outbox(ctx, 30, now=START, channels=3)
    open_lanes: set[str] = set()
    order: list[tuple[str, int]] = []
    guard = threading.Lock()

    def dispatcher(_: int) -> int:
        sent = 0
        while True:
            claimed = claim_next(ctx.sessions, now=START, wall=START)
            if claimed is None:
                with guard:
                    if len(order) == len(seeded):
                        return sent
                time.sleep(0.001)
                continue
            with guard:
                assert claimed.lane not in open_lanes, f"two open claims in {claimed.lane}"
                open_lanes.add(claimed.lane)
                order.append((claimed.lane, claimed.id))
            time.sleep(0.002)  # the send
            with guard:
                open_lanes.discard(claimed.lane)
            assert mark_sent(ctx.sessions, claimed, now=START, channel=claimed.lane, ts="1.1")
            sent += 1

    assert sum(run_together(2, dispatcher)) == 30
    for lane in {lane for lane, _ in order}:
        ids = [i for seen, i in order if seen == lane]
        assert ids == sorted(ids) and len(ids) == 10


def test_a_dispatcher_that_overran_its_lease_cannot_overwrite_the_new_claim(
    migrated_engine: Engine,
) -> None:
    """The first claim's lease ran out and a second dispatcher claimed the row again:
    the late outcome of the first send must not be written over the second claim."""
    sessions = make_session_factory(migrated_engine)
    with session_scope(sessions) as session:
        repo.enqueue(session, method="chat.postMessage", payload={"channel": "C1"}, purpose="t", now=START)
    (first,) = claim_due(sessions, now=START)
    (second,) = claim_due(sessions, now=START + LEASE)
    assert mark_sent(sessions, first, now=START, channel="C1", ts="1.1") is False
    assert mark_sent(sessions, second, now=START, channel="C1", ts="2.2") is True
