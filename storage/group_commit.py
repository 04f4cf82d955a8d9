"""Group commit: requests that arrive while a commit is under way share the next one.

Each write ack commits one inbox row before Slack gets its 200 (issue 9, promise 1). Alone,
that is one commit per ack; under load the request threads queue for the database's write
lock one by one (SQLite: ``BEGIN IMMEDIATE`` polled; PostgreSQL: one WAL flush per commit),
and every handover of the lock waits for a thread to be scheduled and to get the GIL back.
Here the first request thread to arrive leads: it writes every row waiting at that moment in
one transaction and hands the result to each; threads that arrive meanwhile wait, and the
first of them leads the next batch. One request alone commits at once, as before; under
load the commits, lock handovers and WAL flushes are divided by the batch size.

The leader/follower form (as MySQL's binary-log group commit) needs no thread of its own:
nothing is started or stopped, and a row is acknowledged only after its own batch committed
(a stop or a crash before that leaves no ack behind, so nothing acknowledged is lost).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

V = TypeVar("V")
R = TypeVar("R")


class Failed:
    """A result of ``write`` meaning "this value failed with ``error``": its caller alone
    raises it, the others of the batch get their results (one refused row fails one ack)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Slot(Generic[V, R]):
    __slots__ = ("value", "result", "error", "lead", "ready")

    def __init__(self, value: V) -> None:
        self.value = value
        self.result: R | None = None
        self.error: BaseException | None = None
        self.lead = False
        self.ready = threading.Event()


class GroupCommit(Generic[V, R]):
    """Batches concurrent ``submit`` calls into calls of ``write(take) -> results``.

    ``write`` runs on the leading caller's thread. It calls ``take()`` once, as late as it
    can (SQLite: once it holds the write lock, so that calls arriving while it waited for the
    lock ride along), which returns the values of every waiting call in arrival order, and
    returns one result per value in the same order, or a :class:`Failed` for a value that
    failed alone. If it raises, every caller of that batch gets the same exception (also if
    it raised before ``take()``: the calls waiting then are that batch); the next batch is
    tried afresh.
    ``max_batch`` bounds one transaction (the waiting calls are bounded anyway: one per
    request thread).
    """

    def __init__(
        self, write: Callable[[Callable[[], list[V]]], Sequence[R | Failed]], *, max_batch: int = 64
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Slot[V, R]] = []
        self._leading = False

    @property
    def leading(self) -> bool:
        """Whether a batch is being written (or its leader is waiting to write it)."""
        return self._leading

    def submit(self, value: V, *, timeout: float | None = None) -> R:
        """Write ``value`` in the next batch; returns its result once that batch committed.

        Raises whatever ``write`` raised for that batch; ``TimeoutError`` if no batch took
        ``value`` within ``timeout`` seconds (it is then withdrawn: never written). Once
        taken, it waits for its batch, which ``write`` must bound itself."""
        slot: _Slot[V, R] = _Slot(value)
        with self._lock:
            self._waiting.append(slot)
            slot.lead = not self._leading
            self._leading = True
        if not slot.lead and not slot.ready.wait(timeout):
            with self._lock:
                if not slot.lead and slot in self._waiting:
                    self._waiting.remove(slot)
                    raise TimeoutError(f"not taken into a batch within {timeout} s")
            slot.ready.wait()  # taken meanwhile (or just made leader): as above
        if slot.lead:
            self._lead()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _lead(self) -> None:
        batch: list[_Slot[V, R]] = []

        def take() -> list[V]:
            if batch:
                raise RuntimeError("take() called twice")
            with self._lock:
                batch.extend(self._waiting[: self._max_batch])
                del self._waiting[: self._max_batch]
            return [s.value for s in batch]

        try:
            results = self._write(take)
            if not batch:
                raise RuntimeError("write returned without calling take()")
            if len(results) != len(batch):
                raise RuntimeError(f"write returned {len(results)} results for {len(batch)} values")
            for s, r in zip(batch, results):
                if isinstance(r, Failed):
                    s.error = r.error
                else:
                    s.result = r
        except BaseException as error:  # noqa: BLE001 - each waiting caller re-raises it
            if not batch:
                take()  # failed before taking (e.g. no connection): the waiting calls hear it
            for s in batch:
                s.error = error
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting[0].lead = True
                    self._waiting[0].ready.set()
                else:
                    self._leading = False
            for s in batch:
                s.ready.set()
