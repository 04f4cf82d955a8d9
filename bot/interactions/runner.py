"""After the ack: run commands, bounded, and answer the user.

Two lanes, both bounded:
- **writes** go through the durable inbox (``storage/inbox.py``): the row is written before
  the ack, a few worker threads claim rows and run them; the work and its reply commit in
  one transaction, so a crash after the ack only delays the work, and a retried delivery
  finds its row and does nothing. Over ``max_backlog`` queued rows the ack says "busy".
- **reads and modals** (nothing to lose: a modal's ``trigger_id`` dies after 3 s anyway) run
  on a small pool with a bounded queue; a full queue turns into a polite "busy" in the ack.
  Forms (runs that open a modal, ``Handler.opens_modal``) have a pool of their own, so a
  form never waits behind file pages past its ``trigger_id``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from enum import Enum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import DBAPIError

from vpabot.bot import logs, payloads, roles
from vpabot.bot.blocks.replies import build_error, build_notice
from vpabot.bot.context import AppContext
from vpabot.bot.interactions.handover import HOME_HANDOVER_SECONDS, Handover
from vpabot.bot.interactions.home import HomeRefresher
from vpabot.bot.interactions.origin import Origin
from vpabot.bot.interactions.pools import FORM_QUEUE, FORM_WORKERS, BoundedPool, tell_all
from vpabot.bot.interactions import read_lane
from vpabot.bot.interactions.read_lane import LaneClosed, ReadProcess
from vpabot.bot.interactions.registry import Turn, command_types, handler_for
from vpabot.policy.errors import PolicyError
from vpabot.storage import inbox
from vpabot.storage.db import LockTimeout
from vpabot.storage.models import InboxState

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # picks up rows of other instances and of a crashed worker
# A worker process (``vpabot worker``) is not woken by the web process that wrote the row:
# it polls, with a lock-free read, often enough that a reply follows its ack within a blink.
WORKER_POLL_SECONDS = 0.1
TELL_WORKERS, TELL_QUEUE = 2, 512  # more than the read process holds (read_lane.py)
BACKLOG_SECONDS = 1.0  # how stale the "busy" decision's count of queued rows may be
LAST_WORDS_SECONDS = 3.0  # on stop, after the drain: Docker's default patience is 10 s


class Outcome(Enum):
    ACCEPTED = "ok"
    DUPLICATE = "duplicate"
    BUSY = "busy"


class Runner:
    """Accepts commands from the shell and carries them out; one per process."""

    def __init__(
        self,
        ctx: AppContext,
        client: WebClient,
        *,
        workers: int = 3,
        max_backlog: int = 500,
        immediate_workers: int = 4,
        immediate_queue: int = 64,
        poll_seconds: float = POLL_SECONDS,
        render_homes: bool = True,
        reads: ReadProcess | None = None,
    ) -> None:
        """``workers``: inbox worker threads (0 in a web-only process, whose rows a
        ``vpabot worker`` claims); ``render_homes``: this process publishes App Homes (else a
        Home opened here is handed to the workers through the inbox); ``reads``: child
        processes that run reads and modals instead of threads of this one
        (``read_lane.py``: the ack never waits for a render's interpreter lock)."""
        self.ctx = ctx
        self.client = client
        self.max_backlog = max_backlog
        self.poll_seconds = poll_seconds
        self.home = HomeRefresher(ctx, client)
        self.render_homes = render_homes
        self._lock = threading.Lock()
        self._handover = Handover(ctx)  # where this process renders no Homes
        # What a stop drops is told in one last round (``stop``), not silently cancelled.
        self._last_words: list[tuple[Origin, dict[str, Any]]] = []
        self._immediate = BoundedPool(immediate_workers, immediate_queue, "vpabot-now", on_cancel=self._dropped)
        self._forms = BoundedPool(FORM_WORKERS, FORM_QUEUE, "vpabot-form", on_cancel=self._dropped)
        # Refusals told after an empty ack ("busy" for a click) have threads of their own: a
        # flood of reads filling the pool above must not swallow them.
        self._teller = BoundedPool(TELL_WORKERS, TELL_QUEUE, "vpabot-tell", on_cancel=self._dropped)
        self._reads: ReadProcess | None = None
        if reads is not None:
            self.read_in(reads)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._workers = [
            threading.Thread(target=self._work_loop, name=f"vpabot-inbox-{n}", daemon=True)
            for n in range(workers)
        ]
        # The ack's "busy" test reads a count refreshed here, never a query of its own.
        self._counter = threading.Thread(target=self._count_loop, name="vpabot-backlog", daemon=True)
        # Counted from the database every BACKLOG_SECONDS (all instances), and in between
        # raised by every write this process accepts: starting at 0 and counting nothing
        # between refreshes let a restart accept a second of writes past the limit each time.
        self._backlog = 0

    def read_in(self, reads: ReadProcess) -> None:
        """Run reads and modals in ``reads`` from now on: what it loses when it dies runs here,
        what it drops on stop is told so in the stop's last round."""
        reads.on_lost = self._lost
        reads.on_dropped = lambda command, origin: self._dropped(self.run_now, (command, origin))
        self._reads = reads

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> Runner:
        self._count_backlog()  # before the first ack, not a second after it
        for thread in self._workers:
            thread.start()
        self._counter.start()
        if self.render_homes:
            self.home.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is running; queued inbox rows stay for the next start. Queued reads
        and forms get ``DRAIN_SECONDS`` to start; whoever is still waiting then is told in
        one last round of at most ``LAST_WORDS_SECONDS`` (read_lane, pools)."""
        self._stop.set()
        self._wake.set()
        # One deadline for all of it: an inbox worker stuck in a slow reply may be left (its
        # row's reply is stored and sent again after the restart), a stop may not wait on it.
        until = time.monotonic() + min(timeout, read_lane.DRAIN_SECONDS)
        for thread in [*self._workers, self._counter]:
            if thread.is_alive():
                thread.join(max(0.0, until - time.monotonic()))
        if self._reads is not None:  # first: what it hands back while draining runs on the threads
            self._reads.shutdown(max(0.0, until - time.monotonic()))
        for pool in (self._immediate, self._forms, self._teller):
            pool.shutdown(until=until)
        with self._lock:
            words, self._last_words = self._last_words, []
        if words:
            log.warning("%d request(s) not answered when stopping; telling them so", len(words))
        unconfirmed = tell_all(words, self.send_reply, seconds=LAST_WORDS_SECONDS)
        if unconfirmed:
            log.warning("%d of them not confirmed by Slack within %s s", unconfirmed, LAST_WORDS_SECONDS)
        self.home.stop()

    def _dropped(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """A stop dropped ``fn(*args)`` before it ran: a read or form is told the bot
        restarted, a refusal is told as it was meant; background work has nobody to tell."""
        if fn == self.run_now:
            word = (args[1], build_notice(self.ctx.t("error.restarting")))
        elif fn == self.tell_now:
            word = (args[0], args[1])
        else:
            return
        with self._lock:
            self._last_words.append(word)

    # -- called by the shell, before the ack --------------------------------------------------
    def accept(self, command: Any, origin: Origin, dedup_key: str) -> Outcome:
        """Take ``command`` on: durably (writes) or on the bounded pool; never blocks long."""
        if handler_for(command).writes:
            if self._backlog >= self.max_backlog:
                return Outcome.BUSY
            try:
                row = inbox.accept(
                    self.ctx.sessions,
                    dedup_key=dedup_key,
                    kind=type(command).__name__,
                    command=payloads.to_plain(command),
                    origin=payloads.to_plain(origin),
                    now=self.ctx.now(),
                )
            except LockTimeout:  # the database is locked longer than an ack can wait
                return Outcome.BUSY
            if row is None:
                return Outcome.DUPLICATE
            self._backlog += 1
            self._wake.set()
            return Outcome.ACCEPTED
        form = handler_for(command).opens_modal(origin)
        if self._reads is not None:
            try:
                taken = self._reads.try_submit(command, origin, form=form)
                return Outcome.ACCEPTED if taken else Outcome.BUSY
            except LaneClosed:  # the read process died: its threads are gone, use ours
                self._reads = None
        pool = self._forms if form else self._immediate
        return Outcome.ACCEPTED if pool.try_submit(self.run_now, command, origin) else Outcome.BUSY

    def home_opened(self, user_id: str, event_id: str) -> Outcome:
        """``user_id`` opened App Home: mark it stale in memory and nothing more (the ack
        waits for no render and no write). Where this process renders no Homes, the marks go
        to the workers as inbox rows, written in batches off the request thread."""
        if self.render_homes:
            self.home.touch(user_id)
        else:
            self._handover.home_opened(user_id)
        return Outcome.ACCEPTED

    def groups_changed(self, subteam_id: str, users: list[str]) -> None:
        """A role group changed: read it again here; Homes follow. Where this process renders
        no Homes, the workers get it as inbox rows (one per changed user, whose Home they
        re-render), since they check roles too. Off the request thread."""
        settings = self.ctx.settings

        def refresh() -> None:
            if not roles.refresh_if_ours(settings.group_members, self.client, settings.groups, subteam_id):
                return
            if self.render_homes:
                for user in users:
                    self.home.touch(user)
            else:
                self._handover.groups_changed(subteam_id, users)

        self.background(refresh)

    def background(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Run ``fn`` on the bounded pool (no answer to anyone); False when the pool is full."""
        return self._immediate.try_submit(fn, *args)

    def tell(self, origin: Origin, payload: dict[str, Any]) -> None:
        """Answer a click that was refused in its ack (a click's ack carries no text), on
        the teller's threads. Bounded too: past ``TELL_QUEUE`` waiting answers one is
        dropped, and the log says so."""
        if not self._teller.try_submit(self.tell_now, origin, payload):
            log.warning("too many refusals to tell at once; %s is not told", origin.user_id)

    def tell_now(self, origin: Origin, payload: dict[str, Any]) -> None:
        """``send_reply`` that logs instead of raising."""
        try:
            self.send_reply(origin, payload)
        except Exception as error:  # noqa: BLE001 - a refusal nobody received: log it
            log.warning("could not tell %s: %s", origin.user_id, error)

    def busy_notice(self) -> dict[str, Any]:
        """The polite "busy, try again in a minute, nothing was saved"."""
        return build_notice(self.ctx.t("error.busy"))

    def _lost(self, command: Any, origin: Origin) -> None:
        """The read process died holding this read: run it here, or say "busy"."""
        pool = self._forms if handler_for(command).opens_modal(origin) else self._immediate
        if not pool.try_submit(self.run_now, command, origin):
            self.tell(origin, self.busy_notice())

    # -- the immediate lane -------------------------------------------------------------------
    def run_now(self, command: Any, origin: Origin, before_reply: Callable[[], None] | None = None) -> None:
        """Run a read or modal handler and send its reply (no inbox: nothing is written that
        the user could miss). ``before_reply``: called just before the reply is sent."""
        reply = self._answer(command, origin)
        if reply is not None:
            if before_reply is not None:
                before_reply()
            try:
                self.send_reply(origin, reply)
            except Exception:
                log.exception("could not answer %s", type(command).__name__)

    def _answer(self, command: Any, origin: Origin) -> dict[str, Any] | None:
        """Run the handler; a refusal or a surprise becomes the message the user reads."""
        t = self.ctx.t
        try:
            handler = handler_for(command)
            return handler.run(Turn(self.ctx, origin, self.client, handler.opens_modal(origin)), command)
        except PolicyError as error:
            return build_error(t, error)
        except DBAPIError:
            raise  # the database is away: the inbox retries later
        except Exception:
            log.exception("unexpected error while handling %s", type(command).__name__)
            return build_notice(t("error.internal"))

    # -- the durable lane ---------------------------------------------------------------------
    def _work_loop(self) -> None:
        while not self._stop.is_set():
            try:
                did = self.run_once()
            except Exception:
                log.exception("inbox worker failed; retrying")
                did = False
            if not did:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                if self._stop.is_set():
                    # stop() may have set the wake-up just before this clear(): set it again,
                    # or a worker that has not reached its wait yet sleeps a whole poll.
                    self._wake.set()

    def _count_loop(self) -> None:
        rounds = int(BACKLOG_SECONDS / HOME_HANDOVER_SECONDS)
        for n in itertools.count(1):
            if self._stop.wait(HOME_HANDOVER_SECONDS):
                break
            try:
                self._handover.hand_over()
                if n % rounds == 0:
                    self._count_backlog()
            except Exception as error:  # the database is away: the next round tries again
                log.warning("inbox housekeeping failed: %s", error)
        self._handover.hand_over()

    def _count_backlog(self) -> None:
        try:
            with self.ctx.read() as session:
                self._backlog = inbox.backlog(session)
        except Exception as error:  # the database is away: the next round tries again
            log.warning("could not count the inbox backlog: %s", error)

    def run_once(self) -> bool:
        """Claim and carry out one inbox row; False when there was nothing to do."""
        now = self.ctx.now()
        # Idle polling must not take SQLite's write lock (the acks' INSERTs wait for it):
        # look first without it, claim only when there is something to claim.
        with self.ctx.read() as session:
            if not inbox.has_work(session, now=now):
                return False
        claimed = inbox.claim(self.ctx.sessions, now=now, limit=1)
        if not claimed:
            return False
        self.carry_out(claimed[0])
        return True

    def carry_out(self, row: inbox.Claimed) -> None:
        """Do one claimed request's work (unless done before a crash) and send its reply."""
        origin = payloads.from_plain(Origin, row.origin)
        with logs.request_context(request_id=f"inbox-{row.id}", user_id=origin.user_id, kind=row.kind):
            self._carry_out(row, origin)

    def _carry_out(self, row: inbox.Claimed, origin: Origin) -> None:
        reply = row.reply
        if row.state == InboxState.RUNNING:
            try:
                command = payloads.from_plain(command_types()[row.kind], row.command, tags=self.ctx.tags)
            except (KeyError, PolicyError):  # e.g. a tag removed from the catalogue since
                log.error("inbox row %s (%s) no longer decodes; dropped", row.id, row.kind)
                inbox.mark_done(self.ctx.sessions, row.id, error="does not decode")
                self.send_reply(origin, build_notice(self.ctx.t("error.internal")))
                return
            try:
                with self.ctx.unit_of_work() as session:
                    answer = self._answer(command, origin)
                    reply = {"payload": answer} if answer is not None else None
                    inbox.finish(session, row, reply=reply)
            except inbox.Superseded:
                log.warning("inbox row %s was taken over by another worker; this run is undone", row.id)
                return
            self.ctx.kick_outbox()
            self.home.touch(origin.user_id)
        if reply:
            try:
                self.send_reply(origin, reply["payload"])
            except Exception as error:  # the lease runs out and the reply is tried again
                log.warning("reply to %s not sent yet: %s", origin.user_id, error)
                return
        inbox.mark_done(self.ctx.sessions, row.id)

    # -- answers ------------------------------------------------------------------------------
    def send_reply(self, origin: Origin, payload: dict[str, Any]) -> None:
        """Ephemeral through ``response_url``; a DM where there is none or it has expired."""
        if origin.response_url:
            try:
                response = WebhookClient(origin.response_url, timeout=10).send(
                    response_type="ephemeral", replace_original=origin.replace, **payload
                )
                if response.status_code == 200:
                    return
                log.info("response_url refused (%s); answering by DM", response.status_code)
            except OSError as error:
                log.info("response_url unreachable (%s); answering by DM", error)
        self.client.chat_postMessage(channel=origin.user_id, **payload)
