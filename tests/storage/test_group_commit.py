"""Group commit: concurrent write acks share a transaction, each still gets its own answer."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tests.storage.test_concurrency import run_together
from vpabot.storage import inbox
from vpabot.storage.db import make_session_factory
from vpabot.storage.group_commit import GroupCommit
from vpabot.storage.models import InboundRequest

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


class Recorder:
    """A ``write`` that doubles each value and records its batches. ``hold``: having taken its
    values, the first batch waits until ``release`` is set, so that the calls arriving
    meanwhile queue behind it."""

    def __init__(self, *, hold: bool = False, fail_first: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.fail_first = fail_first

    def __call__(self, take: Any) -> list[int]:
        values = take()
        self.batches.append(values)
        self.entered.set()
        assert self.release.wait(10)
        if self.fail_first and len(self.batches) == 1:
            raise ConnectionError("database away")
        return [v * 2 for v in values]


def submit_in_threads(
    group: GroupCommit[int, int], values: list[int], *, queued: bool = True
) -> tuple[list[threading.Thread], dict[int, Any]]:
    """Start one thread per value calling ``group.submit``; ``queued``: wait until all of
    them wait behind the batch being written."""
    outcome: dict[int, Any] = {}

    def call(value: int) -> None:
        try:
            outcome[value] = group.submit(value)
        except Exception as error:  # noqa: BLE001 - the test reads it
            outcome[value] = error

    threads = [threading.Thread(target=call, args=(v,)) for v in values]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while queued and len(group._waiting) < len(values) and time.monotonic() < deadline:
        time.sleep(0.001)
    return threads, outcome


def start_held_first_batch(write: Recorder, group: GroupCommit[int, int]) -> tuple[threading.Thread, dict[int, Any]]:
    threads, outcome = submit_in_threads(group, [0], queued=False)
    assert write.entered.wait(5)  # the leader took 0 and is writing it
    return threads[0], outcome


def test_one_call_alone_is_written_at_once_in_a_batch_of_its_own() -> None:
    write = Recorder()
    group = GroupCommit(write)

    assert [group.submit(v) for v in (1, 2, 3)] == [2, 4, 6]
    assert write.batches == [[1], [2], [3]]


def test_calls_arriving_while_a_batch_is_written_share_the_next_one() -> None:
    write = Recorder(hold=True)
    group = GroupCommit(write)
    first, first_outcome = start_held_first_batch(write, group)

    threads, outcome = submit_in_threads(group, list(range(1, 8)))
    write.release.set()
    for thread in [first, *threads]:
        thread.join(10)

    assert write.batches == [[0], sorted(write.batches[1])] and sorted(write.batches[1]) == list(range(1, 8))
    assert first_outcome == {0: 0}
    assert outcome == {v: 2 * v for v in range(1, 8)}  # each caller its own result


def test_a_batch_is_bounded_and_the_rest_follow_in_the_next() -> None:
    write = Recorder(hold=True)
    group = GroupCommit(write, max_batch=3)
    first, _ = start_held_first_batch(write, group)

    threads, outcome = submit_in_threads(group, list(range(1, 8)))
    write.release.set()
    for thread in [first, *threads]:
        thread.join(10)

    assert [len(b) for b in write.batches] == [1, 3, 3, 1]
    assert outcome == {v: 2 * v for v in range(1, 8)}


def test_a_failed_batch_fails_each_of_its_callers_and_the_next_batch_is_written() -> None:
    write = Recorder(hold=True, fail_first=True)
    group = GroupCommit(write)
    first, first_outcome = start_held_first_batch(write, group)

    threads, outcome = submit_in_threads(group, [1, 2])
    write.release.set()
    for thread in [first, *threads]:
        thread.join(10)

    assert isinstance(first_outcome[0], ConnectionError)  # nobody acks what was not stored
    assert outcome == {1: 2, 2: 4}
    assert group.submit(5) == 10  # and nothing is left leading


def test_many_callers_at_once_each_get_their_own_result_and_none_hangs() -> None:
    group = GroupCommit(Recorder())

    results = run_together(16, lambda i: [group.submit(i * 100 + k) for k in range(50)], timeout=30)

    assert results == [[2 * (i * 100 + k) for k in range(50)] for i in range(16)]


def test_concurrent_acks_are_each_stored_once_and_a_repeated_key_once(migrated_engine: Engine) -> None:
    """The reported situation: 50 acks at once. Each request's row is committed before its
    ack returns, a Slack retry of the same request (same key) arriving alongside is not."""
    sessions = make_session_factory(migrated_engine)

    def ack(i: int) -> int | None:
        key = f"command:t{i // 2}"  # every request delivered twice at the same moment
        return inbox.accept(sessions, dedup_key=key, kind="ShowHelp", command={"i": i}, origin={}, now=NOW)

    ids = run_together(50, ack, timeout=60)

    for pair in range(25):
        first, second = ids[2 * pair], ids[2 * pair + 1]
        assert (first is None) != (second is None), f"request {pair}: {first}, {second}"
    stored = [i for i in ids if i is not None]
    with migrated_engine.connect() as conn:
        rows = dict(conn.execute(select(InboundRequest.id, InboundRequest.dedup_key)).all())
    assert sorted(stored) == sorted(rows) and len(set(rows.values())) == 25
    assert inbox.accept(sessions, dedup_key="command:t3", kind="ShowHelp", command={}, origin={}, now=NOW) is None
    with migrated_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(InboundRequest)) == 25


@pytest.mark.parametrize("size", [1, 7])
def test_rows_keep_their_own_values_in_a_shared_transaction(migrated_engine: Engine, size: int) -> None:
    sessions = make_session_factory(migrated_engine)

    ids = run_together(size, lambda i: inbox.accept(
        sessions, dedup_key=f"view:{i}", kind="LogViolation", command={"note": f"n{i}"},
        origin={"user_id": f"U{i}"}, now=NOW))

    with migrated_engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(InboundRequest)).all()}
    for i, row_id in enumerate(ids):
        row = rows[row_id]
        assert (row.dedup_key, row.command, row.origin, row.state) == (
            f"view:{i}", {"note": f"n{i}"}, {"user_id": f"U{i}"}, "queued")
