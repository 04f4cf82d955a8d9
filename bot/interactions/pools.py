"""Bounded thread pools for the work after an ack, and what a stop does with what they hold.

A stop (a redeploy's SIGTERM, Ctrl-C) must end in bounded time: Docker waits 10 s by
default, systemd 90 s, then SIGKILL. So queued work gets a drain of a few seconds, and
whoever is still waiting after it is told in one last round, in parallel and with a
deadline, instead of nothing (a cancelled future) or one by one (minutes with a slow Slack).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

log = logging.getLogger(__name__)

# Forms (runs that open a modal) mostly wait for Slack's views.open: a few threads keep one
# slow call from holding the next form past its trigger_id's 3 s, and the queue is no deeper
# than opens in time (with views.open at ~1 s, the 12th form opens at ~3 s). The same sizes
# in the read process (read_lane.py) and on a runner's threads.
FORM_WORKERS, FORM_QUEUE = 4, 8

# One HTTP call each, mostly waiting for Slack: as many threads as the read process holds
# reads (4 + 256), so a Slack answering in 1-2 s still hears each of them within the stop's
# 3 s. With 32, a stop with Slack at 1 s told 56 of 236 (a break test), the rest heard nothing.
LAST_WORDS_THREADS = 256

Dropped = Callable[[Callable[..., Any], tuple[Any, ...]], None]


class BoundedPool:
    """A thread pool that says no instead of queueing without end.

    Its own threads, not a ``ThreadPoolExecutor``: the executor's threads are joined at
    interpreter exit, so a stop cut short (a second Ctrl-C) went on to run every queued task
    one by one, and a task stuck in a slow Slack call held the stop past Docker's 10 s. These
    are daemon threads that ``shutdown`` waits for only until its deadline.

    ``on_cancel``: called with a task's function and arguments when a stop drops it before
    it ran."""

    def __init__(
        self, workers: int, queue: int, name: str, *, on_cancel: Dropped | None = None
    ) -> None:
        self._tasks: SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = SimpleQueue()
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._on_cancel = on_cancel
        self._lock = threading.Lock()
        self._pending = 0  # submitted, not finished (queued or running)
        self._closed = False
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def try_submit(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue ``fn(*args)``; False (nothing queued) when ``workers + queue`` are taken or
        the pool is shut down."""
        if not self._slots.acquire(blocking=False):
            return False
        with self._lock:
            if self._closed:
                self._slots.release()
                return False
            self._pending += 1
        self._tasks.put((fn, args))
        return True

    def _run(self) -> None:
        while (task := self._tasks.get()) is not None:
            fn, args = task
            if self._closed:  # taken off the queue after the stop's deadline: dropped
                self._finish()
                self._cancel(fn, args)
                continue
            try:
                fn(*args)
            except Exception:  # noqa: BLE001 - one task failed; the thread serves the next
                log.exception("a task on %s failed", threading.current_thread().name)
            finally:
                self._finish()

    def _finish(self) -> None:
        with self._lock:
            self._pending -= 1
        self._slots.release()

    def _cancel(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self._on_cancel is not None:
            self._on_cancel(fn, args)

    def shutdown(self, *, until: float | None = None) -> None:
        """Let queued tasks start until ``until`` (a ``time.monotonic()`` instant; ``None``:
        until all are done), drop the rest (each to ``on_cancel``), and wait for running
        ones until then at most (daemon threads: the interpreter's exit ends them)."""
        while True:
            with self._lock:
                if self._pending == 0:
                    break
            if until is not None and time.monotonic() >= until:
                break
            time.sleep(0.05)
        with self._lock:
            self._closed = True
        while True:
            try:
                task = self._tasks.get_nowait()
            except Empty:
                break
            if task is not None:
                self._finish()
                self._cancel(*task)
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join(None if until is None else max(0.0, until - time.monotonic()))


def tell_all(words: list[tuple[Any, dict[str, Any]]], send: Callable[[Any, dict[str, Any]], None],
             *, seconds: float) -> int:
    """Send each ``(origin, payload)`` with ``send`` on up to ``LAST_WORDS_THREADS`` daemon
    threads, for at most ``seconds``; returns how many were not confirmed sent by then (a
    call Slack has not answered yet counts; a thread still inside one at the deadline is left
    to the interpreter's exit)."""
    if not words:
        return 0
    todo: SimpleQueue[tuple[Any, dict[str, Any]]] = SimpleQueue()
    for word in words:
        todo.put(word)
    deadline = time.monotonic() + seconds
    sent = [0]
    lock = threading.Lock()

    def work() -> None:
        while time.monotonic() < deadline:
            try:
                origin, payload = todo.get_nowait()
            except Empty:
                return
            try:
                send(origin, payload)
            except Exception as error:  # noqa: BLE001 - one user not told: log it, go on
                log.warning("could not tell %s on stop: %s", getattr(origin, "user_id", "?"), error)
                continue
            with lock:
                sent[0] += 1

    threads = [
        threading.Thread(target=work, name=f"vpabot-last-words-{n}", daemon=True)
        for n in range(min(LAST_WORDS_THREADS, len(words)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    with lock:
        return len(words) - sent[0]
