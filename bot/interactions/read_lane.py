"""Reads after the ack, in processes of their own (``vpabot serve --role web``).

Why processes: a web process exists to ack. A file page takes ~5 ms of Python to render and
send; on a thread of the web process it holds the interpreter lock, and the next request's
ack waits for it (measured: ``/vpa akte`` acked 3–4× slower than a bare Bolt app, ~1.3× with
the render taken out). In a child process the render competes only for a CPU core, which the
operating system shares far more finely than the lock.

Forked, once, while the web process has no other thread yet (``Runtime`` builds this before
the runner's threads and the HTTP server start): a child shares the parent's memory pages
until it writes them, so it costs little memory, and nothing is pickled to start it. The
child forgets the parent's pooled database connections without closing them
(``Engine.dispose(close=False)``, SQLAlchemy's recipe for ``os.fork``) and opens its own.

What crosses per request: the command and its origin (small dataclasses, pickled) and the
current members of the role user groups, so a child decides roles as the web process would.
Nothing is stored on the way: a read writes nothing the user could miss; one a dying child
took with it is answered with the internal-error message, so nobody waits for nothing.

Bounded like the thread pool it replaces: ``processes + queue`` reads at most, beyond that
the ack says "busy". A pool that lost a child is not forked again (the web process is
threaded by then, and forking a threaded process can inherit a held lock): reads fall back
to the runner's threads, logged as an error.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from vpabot.bot.context import AppContext
from vpabot.bot.interactions.origin import Origin

log = logging.getLogger(__name__)

_CHILD: Any = None  # the child's Runner, built by ``_start_child``
PARENT_CHECK_SECONDS = 1.0


class LaneClosed(Exception):
    """The read processes are gone; run reads on threads instead."""


def _start_child(ctx: AppContext, client: WebClient, engine: Engine) -> None:
    global _CHILD
    from vpabot.bot.interactions.runner import Runner

    engine.dispose(close=False)  # the parent's connections stay the parent's
    # The parent decides when a read process ends (it lets queued reads finish on its own
    # SIGTERM); Ctrl-C in a terminal, or a stop sent to the whole process group, reaches this
    # process too, and would end it mid-read with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _CHILD = Runner(ctx, client, workers=0, render_homes=False)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A child outlives a SIGKILLed parent otherwise: it waits on a queue whose write end it
    inherited itself, so it never reads an end of file. Orphans are re-parented: leave then."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _ready() -> bool:
    return _CHILD is not None


def _run_in_child(command: Any, origin: Origin, groups: Any) -> None:
    _CHILD.ctx.settings.group_members.restore(groups)
    _CHILD.run_now(command, origin)


class ReadProcesses:
    """``processes`` forked children running reads; at most ``processes + queue`` at a time."""

    def __init__(
        self, ctx: AppContext, client: WebClient, engine: Engine, *, processes: int, queue: int
    ) -> None:
        """Forks the children now: call it before this process starts any thread."""
        self._settings = ctx.settings
        self._slots = threading.BoundedSemaphore(processes + queue)
        self.on_lost: Callable[[Origin], None] = lambda origin: None
        self._pool = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_child,
            initargs=(ctx, client, engine),
        )
        self._pool.submit(_ready).result()  # with fork, every child starts on the first submit
        self.closed = False

    @staticmethod
    def available() -> bool:
        """Whether this platform can fork (Linux and macOS; not Windows)."""
        return "fork" in multiprocessing.get_all_start_methods()

    def pids(self) -> list[int]:
        """The children's process ids (for tests and diagnostics)."""
        return list(getattr(self._pool, "_processes", {}) or {})

    def try_submit(self, command: Any, origin: Origin) -> bool:
        """Hand ``command`` to a child; False (nothing queued) when every slot is taken.
        Raises ``LaneClosed`` once a child has died."""
        if self.closed:
            raise LaneClosed
        if not self._slots.acquire(blocking=False):
            return False
        try:
            future = self._pool.submit(_run_in_child, command, origin, self._settings.group_members.snapshot())
        except (BrokenProcessPool, RuntimeError) as error:  # RuntimeError: shut down
            self._slots.release()
            self._close(error)
            raise LaneClosed from error
        future.add_done_callback(lambda done: self._finished(done, origin))
        return True

    def _finished(self, future: Future[None], origin: Origin) -> None:
        self._slots.release()
        error = None if future.cancelled() else future.exception()
        if error is None and not future.cancelled():
            return
        if isinstance(error, BrokenProcessPool):
            self._close(error)
        else:
            log.error("a read failed in its process: %s: %s", type(error).__name__, error)
        self.on_lost(origin)

    def _close(self, error: BaseException) -> None:
        if not self.closed:
            self.closed = True
            log.error("the read processes are gone (%s); reads run on threads from now on", error)

    def shutdown(self) -> None:
        """Let the queued reads finish (bounded: ``processes + queue``), then stop."""
        self._pool.shutdown(wait=True)
