"""Group commit: concurrent write acks share a transaction, each still gets its own answer."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tests.storage.test_concurrency import run_together
from vpabot.storage import inbox, inbox_acks
from vpabot.storage.db import make_session_factory
from vpabot.storage.group_commit import Failed, GroupCommit
from vpabot.storage.models import InboundRequest
from vpabot.storage.spool import spooled

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
    stored = {ids[i] for i in range(50) if ids[i] is not None}
    assert len(stored) == 25  # each ack its own row
    inbox.move_spooled(sessions)  # the worker's first step (SQLite)
    with migrated_engine.connect() as conn:
        rows = dict(conn.execute(select(InboundRequest.dedup_key, InboundRequest.command)).all())
    winners = [2 * pair if ids[2 * pair] is not None else 2 * pair + 1 for pair in range(25)]
    assert rows == {f"command:t{i // 2}": {"i": i} for i in winners}
    assert inbox.accept(sessions, dedup_key="command:t3", kind="ShowHelp", command={}, origin={}, now=NOW) is None
    inbox.move_spooled(sessions)
    with migrated_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(InboundRequest)) == 25


@pytest.mark.parametrize("size", [1, 7])
def test_rows_keep_their_own_values_in_a_shared_transaction(migrated_engine: Engine, size: int) -> None:
    sessions = make_session_factory(migrated_engine)

    ids = run_together(size, lambda i: inbox.accept(
        sessions, dedup_key=f"view:{i}", kind="LogViolation", command={"note": f"n{i}"},
        origin={"user_id": f"U{i}"}, now=NOW))

    rows = acknowledged(migrated_engine)
    for i, row_id in enumerate(ids):
        row = rows[row_id]
        assert (row.dedup_key, row.command, row.origin) == (f"view:{i}", {"note": f"n{i}"}, {"user_id": f"U{i}"})
    inbox.move_spooled(sessions)
    with migrated_engine.connect() as conn:
        moved = {r.dedup_key: r for r in conn.execute(select(InboundRequest)).all()}
    assert {key: (r.command, r.origin, r.state) for key, r in moved.items()} == {
        f"view:{i}": ({"note": f"n{i}"}, {"user_id": f"U{i}"}, "queued") for i in range(size)}


def acknowledged(engine: Engine) -> dict[int, Any]:
    """The rows acks wrote, by the id each ack returned: the spool's (SQLite file) or the
    inbox's."""
    spool = inbox_acks.spool_of(engine)
    with (spool.engine if spool else engine).connect() as conn:
        return {r.id: r for r in conn.execute(select(spooled if spool else InboundRequest.__table__))}


def test_a_write_failing_before_it_took_its_batch_fails_every_caller_waiting() -> None:
    """No connection at all (the database away): nobody may read that as "stored" or as
    "a duplicate", and nothing is left leading."""
    calls = []

    def write(take):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("no connection")
        return [v * 2 for v in take()]

    group: GroupCommit[int, int] = GroupCommit(write)
    with pytest.raises(ConnectionError):
        group.submit(1)
    assert group.submit(2) == 4 and group._waiting == []


def test_a_value_that_failed_alone_fails_only_its_own_caller() -> None:
    group: GroupCommit[int, int] = GroupCommit(
        lambda take: [Failed(ValueError(v)) if v == 2 else v * 2 for v in take()])
    assert group.submit(1) == 2
    with pytest.raises(ValueError):
        group.submit(2)


def test_one_refused_row_fails_its_own_ack_and_not_the_others_of_its_batch(migrated_engine: Engine) -> None:
    """Acks queued behind a held write lock (SQLite) or table lock (PostgreSQL) share the
    next commit; one of them carries a value the database layer cannot store. Before, the
    whole batch failed, so acks of good requests failed with it."""
    sessions = make_session_factory(migrated_engine)
    group = inbox_acks.acks_of(migrated_engine).group
    spool = inbox_acks.spool_of(migrated_engine)
    holder = (spool.engine if spool else migrated_engine).raw_connection()
    cursor = holder.cursor()
    if migrated_engine.dialect.name == "sqlite":
        cursor.execute("BEGIN IMMEDIATE")  # the file acks write to
    else:
        cursor.execute("LOCK TABLE inbound_requests IN EXCLUSIVE MODE")

    def ack(i: int) -> int | None:
        command: dict[str, Any] = {"x": {1, 2}} if i == 1 else {"i": i}  # a set is no JSON
        return inbox.accept(sessions, dedup_key=f"k{i}", kind="ShowHelp", command=command, origin={}, now=NOW)

    outcome: dict[int, Any] = {}

    def call(i: int) -> None:
        try:
            outcome[i] = ack(i)
        except Exception as error:  # noqa: BLE001 - the test reads it
            outcome[i] = error

    first = threading.Thread(target=call, args=(0,))
    first.start()
    time.sleep(0.1)  # the first leads and waits for the lock
    later = [threading.Thread(target=call, args=(i,)) for i in (1, 2, 3)]
    for thread in later:
        thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum(
            s.value["dedup_key"] in ("k1", "k2", "k3") for s in list(group._waiting)) < 3:
        time.sleep(0.001)
    holder.rollback() if migrated_engine.dialect.name == "sqlite" else holder.commit()
    for thread in [first, *later]:
        thread.join(30)
    holder.close()

    assert isinstance(outcome[1], Exception)
    assert all(isinstance(outcome[i], int) for i in (0, 2, 3)), outcome
    inbox.move_spooled(sessions)
    with migrated_engine.connect() as conn:
        keys = set(conn.scalars(select(InboundRequest.dedup_key)))
    assert keys == {"k0", "k2", "k3"}


def test_a_call_no_batch_took_in_time_is_withdrawn_and_never_written() -> None:
    """The ack must answer within Slack's 3 s: a call still waiting behind a batch that
    hangs (a lock held elsewhere) gives up, and its value is not written afterwards, since
    its ack says "nothing was saved"."""
    write = Recorder(hold=True)
    group: GroupCommit[int, int] = GroupCommit(write)
    first, _ = start_held_first_batch(write, group)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        group.submit(1, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 2
    write.release.set()
    first.join(10)
    assert group.submit(2, timeout=0.2) == 4
    assert write.batches == [[0], [2]]  # 1 was never written
