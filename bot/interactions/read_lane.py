"""Reads after the ack, in a process of their own (``vpabot serve --role web``).

Why a process: a web process exists to ack. A file page takes ~5 ms of Python to render and
send; on a thread of the web process it holds the interpreter lock, and the next request's
ack waits for it (measured: ``/vpa akte`` acked 3–4× slower than a bare Bolt app, ~1.5× with
the render taken out). In a child process the render competes only for a CPU core, which the
operating system shares far more finely than the lock.

Forked once, while the web process has no other thread yet (``Runtime`` builds this before
the runner's threads and the HTTP server start): the child shares the parent's memory pages
until it writes them, and nothing is pickled to start it. It forgets the parent's pooled
database connections without closing them (``Engine.dispose(close=False)``, SQLAlchemy's
recipe for ``os.fork``) and opens its own. Inside it, ``threads`` threads run the reads, so
one slow Slack call (a ``views.open``, a ``response_url``) holds up one read, not all.

What crosses per read: the command and its origin (small dataclasses, pickled) and the
current members of the role user groups, so the child decides roles as the web process would.
Nothing is stored on the way: a read writes nothing the user could miss. Bounded like the
thread pool it replaces: ``threads + queue`` reads out at once, beyond that the ack says
"busy". Forms (a run that opens a modal with the request's ``trigger_id``, which Slack takes
for 3 s only) have a queue and threads of their own, so a form never waits behind file pages.
If the child dies, the reads it held are handed back (``on_lost``: the runner runs them on
its threads, or says "busy") and later reads run on threads too: a threaded process is not
forked again, since the child could inherit a lock some thread held. On stop, reads still
queued after the drain go to ``on_dropped``. A read whose reply was already on its way when
the child ended is neither run again nor told: Slack has it, often for seconds when it is
slow, and it would be answered twice. (The child marks "on its way" just before sending: a
child killed in that instant leaves one read unanswered, a far smaller window than the
seconds a double answer had.) A child whose parent was SIGKILLed
leaves within a second.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine

from vpabot.bot.context import AppContext
from vpabot.bot.interactions.origin import Origin
from vpabot.bot.interactions.pools import FORM_QUEUE, FORM_WORKERS

log = logging.getLogger(__name__)

PARENT_CHECK_SECONDS = 1.0
WATCH_SECONDS = 0.25  # how soon the web process notices a dead read process
DRAIN_SECONDS = 5.0  # on stop: how long queued reads may still take before the child is killed

Lost = Callable[[Any, Origin], None]


@dataclass(frozen=True)
class Lane:
    """``threads`` in the child take items off ``requests``; ``threads + queue`` out at once."""

    threads: int
    requests: Any  # a multiprocessing queue of pickled items, ``None`` ends one thread
    slots: threading.BoundedSemaphore

    @classmethod
    def make(cls, fork: Any, threads: int, queue: int) -> Lane:
        requests = fork.Queue()
        # On stop, reads still queued when the child is gone must not hold the exit.
        requests.cancel_join_thread()
        return cls(threads, requests, threading.BoundedSemaphore(threads + queue))


class LaneClosed(Exception):
    """The read process is gone; run reads on threads instead."""


class ReadProcess:
    """One forked child running reads on ``threads`` threads (``threads + queue`` at most)
    and forms on ``form_threads`` threads of their own (``form_threads + form_queue``)."""

    def __init__(
        self,
        ctx: AppContext,
        client: WebClient,
        engine: Engine,
        *,
        threads: int,
        queue: int,
        form_threads: int = FORM_WORKERS,
        form_queue: int = FORM_QUEUE,
    ) -> None:
        """Forks the child now: call it before this process starts any thread of its own."""
        self._settings = ctx.settings
        self._out: dict[int, tuple[Any, Origin, Lane]] = {}  # handed over, not yet done
        self._answering: set[int] = set()  # of those, the ones whose reply is on its way
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.on_lost: Lost = lambda command, origin: None
        self.on_dropped: Lost = lambda command, origin: None
        self.closed = self._stopping = False
        fork = multiprocessing.get_context("fork")
        self._reads = Lane.make(fork, threads, queue)
        self._forms = Lane.make(fork, form_threads, form_queue)
        # What the child reports (a reply on its way, a read done) goes through a plain pipe,
        # written at once: a queue's feeder thread could still hold "on its way" when the
        # child dies, and the read would be answered twice.
        self._done, done = fork.Pipe(duplex=False)
        self._process = fork.Process(
            target=_child_main,
            args=(ctx, client, engine, (self._reads, self._forms), done),
            name="vpabot-reads",
            daemon=True,  # at interpreter exit multiprocessing ends it instead of waiting
        )
        self._process.start()
        done.close()  # the child's end: once the child is gone, reading ours ends (EOFError)
        # Before multiprocessing's own exit hook (atexit runs last-in first): that one sends
        # SIGTERM, which the child ignores, and then waits for it without end.
        atexit.register(self._end_child)
        self._watcher = threading.Thread(target=self._watch, name="vpabot-reads-watch", daemon=True)
        self._watcher.start()

    @staticmethod
    def available() -> bool:
        """Whether this platform can fork (Linux and macOS; not Windows)."""
        return "fork" in multiprocessing.get_all_start_methods()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def try_submit(self, command: Any, origin: Origin, *, form: bool = False) -> bool:
        """Hand ``command`` to the child, on the forms' lane if ``form``; False (nothing
        taken) when every slot of that lane is in use. Raises ``LaneClosed`` once the child
        has died."""
        if self.closed or not self._process.is_alive():
            raise LaneClosed
        lane = self._forms if form else self._reads
        if not lane.slots.acquire(blocking=False):
            return False
        # Pickled here: a queue pickles in its feeder thread, where a failure would only print.
        read_id = next(self._ids)
        item = pickle.dumps((read_id, command, origin, self._settings.group_members.snapshot()))
        with self._lock:
            self._out[read_id] = (command, origin, lane)
        lane.requests.put(item)
        return True

    def _watch(self) -> None:
        """Frees the slot of each finished read; hands back every read a dead child held."""
        while True:
            try:
                if not self._done.poll(WATCH_SECONDS):
                    if self._process.is_alive():
                        continue
                    raise EOFError
                read_id, finished = self._done.recv()
            except (EOFError, OSError):  # the child is gone, and all it reported was read
                self._lose_all()
                return
            with self._lock:
                if not finished:
                    self._answering.add(read_id)
                    continue
                self._answering.discard(read_id)
                out = self._out.pop(read_id, None)
            if out is not None:  # else handed back or dropped already (the child is gone)
                out[2].slots.release()

    def _lose_all(self) -> None:
        with self._lock:
            self.closed = True
            # A reply already on its way reached Slack (it records a call as it arrives):
            # running or telling it again would answer twice.
            lost = [out for read_id, out in self._out.items() if read_id not in self._answering]
            self._out, self._answering = {}, set()
        if self._stopping:
            if lost:
                log.warning("%d read(s) not done when the read process was stopped", len(lost))
            for command, origin, _lane in lost:
                self.on_dropped(command, origin)
            return
        log.error(
            "the read process died (exit code %s); %d read(s) handed back, reads run on threads from now on",
            self._process.exitcode, len(lost),
        )
        for command, origin, _lane in lost:
            self.on_lost(command, origin)

    def shutdown(self, timeout: float | None = None) -> None:
        """Let the queued reads finish for up to ``timeout`` seconds (``DRAIN_SECONDS``),
        then end the child; what it had not done yet goes to ``on_dropped``."""
        timeout = DRAIN_SECONDS if timeout is None else timeout
        self._stopping = True
        if self._process.is_alive():
            for lane in (self._reads, self._forms):
                for _ in range(lane.threads):
                    lane.requests.put(None)
            self._process.join(timeout)
        self._end_child()
        self._watcher.join(1)
        self._lose_all()

    def _end_child(self) -> None:
        if self._process.is_alive():
            self._process.kill()
            self._process.join(1)


def _child_main(
    ctx: AppContext, client: WebClient, engine: Engine, lanes: tuple[Lane, ...], done: Any
) -> None:
    """``done``: the write end of the pipe to the parent's watcher, shared by the threads."""
    from vpabot.bot.interactions.runner import Runner  # runner imports this module

    engine.dispose(close=False)  # the parent's connections stay the parent's
    # Ctrl-C in a terminal, and a stop sent to the whole process group (systemd's default),
    # reach this process too: the parent decides when reads end. It drains this process on
    # its way out and then ends it with SIGKILL, also at an interrupted exit (atexit).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    runner = Runner(ctx, client, workers=0, render_homes=False)
    sending = threading.Lock()

    def report(read_id: int, finished: bool) -> None:
        with sending:  # one message at a time on the pipe
            done.send((read_id, finished))

    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    workers = [
        threading.Thread(target=_work, args=(runner, lane.requests, report), name=f"vpabot-read-{k}-{n}")
        for k, lane in enumerate(lanes)
        for n in range(lane.threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _work(runner: Any, requests: Any, report: Callable[[int, bool], None]) -> None:
    while True:
        item = requests.get()
        if item is None:
            return
        read_id, command, origin, groups = pickle.loads(item)
        try:
            runner.ctx.settings.group_members.restore(groups)
            runner.run_now(command, origin, before_reply=lambda: report(read_id, False))
        except Exception:  # the database away, say: the user hears of it, the thread goes on
            log.exception("a read failed in the read process")
            runner.tell_now(origin, runner.busy_notice())
        finally:
            report(read_id, True)


def _exit_with_parent(parent: int) -> None:
    """A child outlives a SIGKILLed parent otherwise, waiting on a queue whose write end it
    inherited itself, so it never reads an end of file. Orphans are re-parented: leave then."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)
