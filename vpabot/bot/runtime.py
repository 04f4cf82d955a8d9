"""One process of the bot: database, Bolt app, outbox dispatcher and scheduled jobs."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App

from vpabot.bot.app import create_app, make_client
from vpabot.bot.config import Settings
from vpabot.bot.context import AppContext
from vpabot.bot.outbox import OutboxDispatcher
from vpabot.bot.services.approvals import sweep_approvals
from vpabot.bot.services.reviews import sweep_reviews
from vpabot.clock import Clock, SystemClock
from vpabot.storage.db import make_engine, make_session_factory
from vpabot.storage.migrate import upgrade

log = logging.getLogger(__name__)

OUTBOX_SECONDS = 5


class Runtime:
    """Builds everything from settings; ``start_jobs`` runs the periodic work in-process."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        upgrade(self.engine)
        self.ctx = AppContext(
            settings=settings,
            sessions=make_session_factory(self.engine),
            clock=clock or SystemClock(),
        )
        self.ctx.kick_outbox = self.kick_outbox
        self.app: App = create_app(self.ctx)
        self.dispatcher = OutboxDispatcher(
            self.ctx.sessions,
            make_client(settings.bot_token, settings.api_url, retries=False),
            self.ctx.clock,
        )
        self.scheduler: BackgroundScheduler | None = None

    def start_jobs(self) -> None:
        scheduler = BackgroundScheduler(timezone=self.settings.timezone)
        scheduler.add_job(
            self._run_outbox,
            "interval",
            seconds=OUTBOX_SECONDS,
            id="outbox",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(timezone.utc),
        )
        scheduler.add_job(
            self.sweep,
            "interval",
            seconds=self.settings.sweep_seconds,
            id="sweep",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(timezone.utc),
        )
        scheduler.start()
        self.scheduler = scheduler

    def kick_outbox(self) -> None:
        """Send right away instead of waiting for the next interval."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.modify_job("outbox", next_run_time=datetime.now(timezone.utc))

    def _run_outbox(self) -> None:
        try:
            self.dispatcher.dispatch_due()
        except Exception:  # a broken run must not stop the job; the rows stay due
            log.exception("outbox dispatch failed")

    def sweep(self) -> int:
        """Due review and approval reminders into the outbox. Safe to run on every instance."""
        queued = 0
        for sweep in (sweep_reviews, sweep_approvals):
            try:
                queued += sweep(self.ctx)
            except Exception:  # one failing sweep must not stop the other; rows stay due
                log.exception("%s failed", sweep.__name__)
        if queued:
            self.kick_outbox()
        return queued

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.engine.dispose()
