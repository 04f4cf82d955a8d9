"""What a web process hands to the workers because it renders no Homes itself.

A web process (``serve --role web``) only acks. A Home opened there is marked in memory and
the marks become inbox rows in one batch, off the request thread (``hand_over``, called by
the runner's housekeeping thread every ``HOME_HANDOVER_SECONDS``); a role group's change
becomes one inbox row per changed user, whose Home the workers re-render after checking the
group again. A crash loses at most the marks not yet handed over: a Home then stays as it
was until the next open, which is all opening Home promises (it writes nothing).
"""

from __future__ import annotations

import threading
import uuid

from vpabot.bot import payloads
from vpabot.bot.commands.events import GroupsChanged, HomeOpened
from vpabot.bot.context import AppContext
from vpabot.bot.interactions.origin import Origin
from vpabot.storage import inbox

HOME_HANDOVER_SECONDS = 0.25  # how long a Home opened on a web process waits for its row


class Handover:
    """Marks Homes opened on this process and writes them, and role changes, to the inbox."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._opened: set[str] = set()  # Homes opened here, not yet handed to the workers

    def home_opened(self, user_id: str) -> None:
        """Mark ``user_id``'s Home; in memory only, so the ack waits for nothing."""
        with self._lock:
            self._opened.add(user_id)

    def hand_over(self) -> None:
        """The Homes opened since the last round become inbox rows, in one transaction.
        Raises what the database raises (the caller's next round tries again)."""
        with self._lock:
            users, self._opened = self._opened, set()
        if users:
            self._accept([inbox.Request(f"home:{user}:{uuid.uuid4().hex}", HomeOpened.__name__, {},
                                        payloads.to_plain(Origin(user_id=user)))
                          for user in sorted(users)])

    def groups_changed(self, subteam_id: str, users: list[str]) -> None:
        """One inbox row per changed user (one without a user when Slack named none): the
        workers read the group again and re-render that user's Home."""
        self._accept([inbox.Request(f"groups:{subteam_id}:{user}:{uuid.uuid4().hex}", GroupsChanged.__name__,
                                    payloads.to_plain(GroupsChanged(subteam_id)),
                                    payloads.to_plain(Origin(user_id=user)))
                      for user in users or [""]])

    def _accept(self, requests: list[inbox.Request]) -> None:
        inbox.accept_many(self.ctx.sessions, requests, now=self.ctx.now())
