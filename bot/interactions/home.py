"""App Home, published at most once per user every few seconds.

A write marks its author's Home as stale; a few threads re-render stale Homes, never more
often than ``min_interval`` per user, so a burst of writes costs one render, and no ack ever
waits for a render. A Home a few seconds stale is fine; a slow ack is not (Slack gives up at 3 s).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from slack_sdk import WebClient

from vpabot.bot.blocks.home import build_home
from vpabot.bot import roles
from vpabot.bot.commands.events import GroupsChanged, HomeOpened
from vpabot.bot.context import AppContext
from vpabot.bot.interactions.registry import Role, Turn, handles
from vpabot.bot.services.home import load_home

log = logging.getLogger(__name__)

MIN_INTERVAL = 2.0  # seconds between two renders of one user's Home
THREADS = 4  # Homes rendered at once (each mostly waits for Slack's views.publish)


def publish_home(
    ctx: AppContext, client: WebClient, user_id: str, *, offsets: Mapping[str, int] | None = None
) -> None:
    """Render and publish ``user_id``'s Home tab now, each list at its page in ``offsets``
    (``services.home.LISTS``; default: the first pages); raises what the Web API raises."""
    home = load_home(ctx, viewer=user_id, offsets=offsets)
    view = build_home(ctx.t, home, tz=ctx.settings.tz, now=ctx.now(), admin_channel=ctx.settings.admin_channel)
    client.views_publish(user_id=user_id, view=view)


@handles(HomeOpened, who=Role.ANYONE, writes=True)
def _home_opened(turn: Turn, command: HomeOpened) -> None:
    # Nothing to do in the transaction: the runner marks the author's Home stale after
    # every write it carries out, and that is all opening Home asks for.
    return None


@handles(GroupsChanged, who=Role.ANYONE, writes=True)
def _groups_changed(turn: Turn, command: GroupsChanged) -> None:
    # The worker's own role checks (an approval by a new manager) and the Home the runner
    # re-renders for the row's user afterwards follow the group as Slack has it now.
    settings = turn.ctx.settings
    if getattr(settings, "groups", None):
        roles.refresh_if_ours(settings.group_members, turn.client, settings.groups, command.subteam_id)
    return None


class HomeRefresher:
    """Renders stale Homes on ``threads`` threads, each user at most once per
    ``min_interval`` seconds and never twice at the same time.

    Several threads, not one: a render waits for ``views.publish``, and at the start of a
    working day many people open Home at once; with one thread and Slack answering in 1 s,
    the 40th of 40 waited 39 s for their Home (a break test), with four about 10 s."""

    def __init__(
        self, ctx: AppContext, client: WebClient, *, min_interval: float = MIN_INTERVAL, threads: int = THREADS
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.min_interval = min_interval
        self._due: dict[str, float] = {}  # user -> monotonic time the render may happen
        self._last: dict[str, float] = {}
        self._rendering: set[str] = set()  # a touch meanwhile waits: no two renders race
        self._lock = threading.Condition()
        self._stop = False
        self._threads = [
            threading.Thread(target=self._loop, name=f"vpabot-home-{n}", daemon=True) for n in range(threads)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._lock.notify_all()
        deadline = time.monotonic() + 5
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    def touch(self, user_id: str) -> None:
        """``user_id``'s Home is stale: render it as soon as the interval allows."""
        if not user_id:
            return
        with self._lock:
            if user_id not in self._due:
                earliest = self._last.get(user_id, 0.0) + self.min_interval
                self._due[user_id] = max(time.monotonic(), earliest)
                self._lock.notify()

    def _next(self) -> str | None:
        """The next user whose Home is due and not being rendered; None once stopped."""
        with self._lock:
            while not self._stop:
                now = time.monotonic()
                ready = [u for u, at in self._due.items() if at <= now and u not in self._rendering]
                if ready:
                    user_id = ready[0]
                    del self._due[user_id]
                    self._last[user_id] = now
                    self._rendering.add(user_id)
                    return user_id
                waiting = [at for u, at in self._due.items() if u not in self._rendering]
                self._lock.wait(max(min(waiting, default=now + 60) - now, 0.01))
            return None

    def _loop(self) -> None:
        while (user_id := self._next()) is not None:
            try:
                publish_home(self.ctx, self.client, user_id)
            except Exception:
                log.exception("could not publish the Home tab of %s", user_id)
            finally:
                with self._lock:
                    self._rendering.discard(user_id)
                    self._lock.notify_all()  # a touch that came during the render may be due
