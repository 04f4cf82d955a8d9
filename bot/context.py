"""What every use case and listener needs, built once per process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from vpabot.bot.config import Settings
from vpabot.bot.i18n import Translator
from vpabot.policy.clock import Clock, SystemClock
from vpabot.policy.catalogue import DEFAULT_TAGS, TagCatalogue
from vpabot.storage.db import session_scope

# The transaction a worker opened around one request: the use cases it calls join it, so the
# work, its audit events, its outbox rows and the request's stored reply commit together.
_AMBIENT: ContextVar[Session | None] = ContextVar("vpabot_unit_of_work", default=None)


@dataclass
class AppContext:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    tags: TagCatalogue = DEFAULT_TAGS
    # Sessions for pure reads (no write lock on SQLite); defaults to ``sessions``.
    reads: sessionmaker[Session] | None = None
    # Set by the runtime: wakes the outbox dispatcher after a commit that queued messages.
    kick_outbox: Callable[[], None] = lambda: None

    def __post_init__(self) -> None:
        self.t = Translator(self.settings.language)
        if self.reads is None:
            self.reads = self.sessions

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: everything inside commits together or not at all.

        Inside another unit of work (a worker running a request) it joins that transaction
        under a SAVEPOINT: a refusal raised inside undoes only its own part, and nothing is
        committed before the outermost unit of work ends.
        """
        outer = _AMBIENT.get()
        if outer is not None:
            with outer.begin_nested():
                yield outer
            return
        with session_scope(self.sessions) as session:
            token = _AMBIENT.set(session)
            try:
                yield session
            finally:
                _AMBIENT.reset(token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for pure reads: on SQLite it never waits for (or blocks) a writer.

        Inside a unit of work it is that transaction's session, so a reply rendered after a
        write sees the write.
        """
        outer = _AMBIENT.get()
        if outer is not None:
            yield outer
            return
        with (self.reads or self.sessions)() as session:
            yield session

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The local calendar date (Europe/Berlin by default): what 'today' means to admins."""
        return self.clock.now().astimezone(self.settings.tz).date()

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.settings.tz)
