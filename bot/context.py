"""What every use case and listener needs, built once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from vpabot.bot.config import Settings
from vpabot.bot.i18n import Translator
from vpabot.bot.workdays import RegionalHolidays, holiday_calendar
from vpabot.policy.clock import Clock, SystemClock
from vpabot.policy.catalogue import DEFAULT_TAGS, TagCatalogue


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

    def read(self) -> Session:
        """A session for pure reads: on SQLite it never waits for (or blocks) a writer."""
        return (self.reads or self.sessions)()

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
