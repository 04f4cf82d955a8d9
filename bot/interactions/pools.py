"""Bounded thread pools for the work after an ack, and what a stop does with what they hold.

A stop (a redeploy's SIGTERM, Ctrl-C) must end in bounded time: Docker waits 10 s by
default, systemd 90 s, then SIGKILL. So queued work gets a drain of a few seconds, and
whoever is still waiting after it is told in one last round, in parallel and with a
deadline, instead of nothing (a cancelled future) or one by one (minutes with a slow Slack).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

LAST_WORDS_THREADS = 32  # one short HTTP call each; a stop tells up to a few hundred users

Dropped = Callable[[Callable[..., Any], tuple[Any, ...]], None]


class BoundedPool:
    """A thread pool that says no instead of queueing without end.

    ``on_cancel``: called with a task's function and arguments when a stop drops it before
    it ran."""

    def __init__(
        self, workers: int, queue: int, name: str, *, on_cancel: Dropped | None = None
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._on_cancel = on_cancel
        self._lock = threading.Lock()
        self._pending = 0  # submitted, not finished (queued or running)

    def try_submit(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue ``fn(*args)``; False (nothing queued) when ``workers + queue`` are taken or
        the pool is shut down."""
        if not self._slots.acquire(blocking=False):
            return False
        try:
            future = self._pool.submit(fn, *args)
        except RuntimeError:  # shut down already (the process is stopping)
            self._slots.release()
            return False
        with self._lock:
            self._pending += 1
        future.add_done_callback(lambda done: self._finished(done, fn, args))
        return True

    def _finished(self, future: Future[Any], fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        with self._lock:
            self._pending -= 1
        self._slots.release()
        if future.cancelled() and self._on_cancel is not None:
            self._on_cancel(fn, args)

    def shutdown(self, *, until: float | None = None) -> None:
        """Let queued tasks start until ``until`` (a ``time.monotonic()`` instant; default:
        none), drop the rest (each to ``on_cancel``) and wait for the running ones."""
        while until is not None and time.monotonic() < until:
            with self._lock:
                if self._pending == 0:
                    break
            time.sleep(0.05)
        self._pool.shutdown(wait=True, cancel_futures=True)


def tell_all(words: list[tuple[Any, dict[str, Any]]], send: Callable[[Any, dict[str, Any]], None],
             *, seconds: float) -> int:
    """Send each ``(origin, payload)`` with ``send`` on up to ``LAST_WORDS_THREADS`` daemon
    threads, for at most ``seconds``; returns how many were not sent in time or failed (a
    thread still inside a call at the deadline is left to the interpreter's exit)."""
    if not words:
        return 0
    todo: queue.SimpleQueue[tuple[Any, dict[str, Any]]] = queue.SimpleQueue()
    for word in words:
        todo.put(word)
    deadline = time.monotonic() + seconds
    sent = [0]
    lock = threading.Lock()

    def work() -> None:
        while time.monotonic() < deadline:
            try:
                origin, payload = todo.get_nowait()
            except queue.Empty:
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
