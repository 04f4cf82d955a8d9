"""What every use case and listener needs, built once per process.

The same context serves Slack, HTTP and the CLI: the CLI builds it from
:class:`~vpabot.bot.config.CoreSettings` alone (no Slack tokens); ``run`` and ``serve`` pass the
full :class:`~vpabot.bot.config.Settings`, whose Slack part the listeners read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from vpabot.bot.config import CoreSettings, Settings
from vpabot.bot.i18n import Translator
from vpabot.bot.results.notices import Notice, To
from vpabot.bot.workdays import RegionalHolidays, holiday_calendar
from vpabot.policy.clock import Clock, SystemClock
from vpabot.policy.catalogue import TagCatalogue
from vpabot.storage.db import session_scope

# The transaction a worker opened around one request: the use cases it calls join it, so the
# work, its audit events, its outbox rows and the request's stored reply commit together.
_AMBIENT: ContextVar[Session | None] = ContextVar("vpabot_unit_of_work", default=None)

# Writes the message a notice shows one audience (text and blocks, or a file upload's fields).
Renderer = Callable[["AppContext", Notice, To], dict[str, Any]]


def _unwired(ctx: AppContext, notice: Notice, to: To) -> dict[str, Any]:
    raise RuntimeError(
        "AppContext.render is not set: the composition root passes "
        "vpabot.bot.blocks.notices.render (use cases never import the presentation)"
    )


@dataclass
class AppContext:
    # Settings (with Slack) in the bot; CoreSettings in the CLI. Listeners may rely on the
    # Slack part (is_admin, channels); use cases the CLI calls read only the core.
    settings: Settings | CoreSettings
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    tags: TagCatalogue = None  # type: ignore[assignment]  # default: settings.tags
    # Sessions for pure reads (no write lock on SQLite); defaults to ``sessions``.
    reads: sessionmaker[Session] | None = None
    # The engine ``reads`` is bound to (lock-free on SQLite), for ``read_connection``; unset,
    # ``read_connection`` falls back to ``read``.
    read_engine: Engine | None = None
    # Set by the runtime: wakes the outbox dispatcher after a commit that queued messages.
    kick_outbox: Callable[[], None] = lambda: None
    # Set by the composition root (Runtime, the CLI, tests): the presentation that words the
    # notices use cases send (``services.notify``). Injected, so services need no Block Kit.
    render: Renderer = _unwired

    @classmethod
    def on_engine(
        cls,
        settings: Settings | CoreSettings,
        engine: Engine,
        clock: Clock | None = None,
        *,
        render: Renderer = _unwired,
    ) -> AppContext:
        """The context every entry point builds (Slack and HTTP via Runtime, the CLI via
        ``cli.common.open_context``): write sessions, lock-free read sessions, the clock and
        the renderer of notices."""
        from vpabot.storage.db import make_read_session_factory, make_session_factory, read_only

        return cls(
            settings=settings,
            sessions=make_session_factory(engine),
            reads=make_read_session_factory(engine),
            read_engine=read_only(engine),
            clock=clock or SystemClock(),
            render=render,
        )

    def __post_init__(self) -> None:
        self.t = Translator(self.settings.language)
        if self.tags is None:
            self.tags = self.settings.tags
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

    @contextmanager
    def read_connection(self) -> Iterator[Connection | Session]:
        """``read`` without an ORM Session, for Core statements run inside an ack (the pickers'
        search): a pooled connection of the read engine, rolled back and returned at the end.
        Creating, beginning and closing a Session costs more CPU than the indexed read itself.

        Inside a unit of work it is that transaction's session, as with ``read``.
        """
        if _AMBIENT.get() is not None or self.read_engine is None:
            with self.read() as session:
                yield session
            return
        with self.read_engine.connect() as connection:
            yield connection

    @property
    def holidays(self) -> RegionalHolidays:
        """Public holidays for VPA_HOLIDAY_REGION (nationwide only when unset)."""
        return holiday_calendar(self.settings.holiday_region)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The local calendar date (Europe/Berlin by default): what 'today' means to admins."""
        return self.clock.now().astimezone(self.settings.tz).date()

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.settings.tz)
