"""One process of the bot: database, Bolt app, outbox dispatcher and scheduled jobs."""

from __future__ import annotations

import logging
from datetime import datetime, time, timezone

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from sqlalchemy import Engine

from vpabot.bot import metrics
from vpabot.bot import roles
from vpabot.bot.app import create_app, make_client
from vpabot.bot.config import Settings
from vpabot.bot.blocks import notices
from vpabot.bot.context import AppContext
from vpabot.bot.interactions.read_lane import ReadProcess
from vpabot.bot.interactions.runner import WORKER_POLL_SECONDS, Runner
from vpabot.bot.outbox import OutboxDispatcher, OutboxWorker
from vpabot.bot.services.approvals import sweep_approvals
from vpabot.bot.services.cg import sweep_cg_digest
from vpabot.bot.services.privacy import erase_expired
from vpabot.bot.services.monthly_report import sweep_monthly_report
from vpabot.bot.services.replan import replan_reminders
from vpabot.bot.services.reviews import sweep_reviews
from vpabot.policy.clock import Clock
from vpabot.storage import inbox, inbox_acks
from vpabot.storage.db import make_engine
from vpabot.storage.migrate import upgrade

log = logging.getLogger(__name__)

OUTBOX_SECONDS = 5
ALL, WEB, WORKER = "all", "web", "worker"
ROLES = (ALL, WEB, WORKER)
# The read process runs reads on 4 threads (as many as the thread pool it replaces), so a
# slow Slack call holds up one read; 256 more may wait: at ~5 ms of CPU a file page, ~1.5 s.
# Beyond that the ack says "busy". Forms have threads of their own, as on a runner's threads.
READ_THREADS, READ_QUEUE = 4, 256
RETENTION_AT = time(3, 30)  # local time, daily: at night, when nobody works in the files


class Runtime:
    """Builds everything from settings; ``start_jobs`` runs the periodic work in-process."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        engine: Engine | None = None,
        role: str = ALL,
        read_process: bool | None = None,
    ) -> None:
        """``engine``: one the caller opened (the CLI announces a new SQLite file); default:
        one on ``settings.database_url``. Migrations are applied either way.

        ``role`` (see ``ROLES``): ``all`` is a complete bot in one process; ``web`` only
        acks (and answers reads), ``worker`` only works, so an ack never competes for the
        interpreter with a worker's transaction, a Home render or the outbox.

        ``read_process``: reads and modals of a ``web`` process run in a child process
        (``read_lane.py``); default: yes, unless the caller set a clock (a test's clock
        does not cross into another process). Other roles run them on threads."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        self.role = role
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        upgrade(self.engine)
        self.ctx = AppContext.on_engine(settings, self.engine, clock, render=notices.render)
        self.ctx.kick_outbox = self.kick_outbox
        # A changed VPA_REVIEW_TIME/VPA_TIMEZONE reaches reminders planned before this start too.
        moved = replan_reminders(self.ctx)
        if moved:
            log.info("%d open reminder(s) re-planned for the current review time", moved)
        web = make_client(settings.bot_token, settings.api_url)
        if settings.groups:  # roles from Slack user groups: known before the first request
            roles.refresh(settings.group_members, web, settings.groups)
        self.web = web
        if role == WEB:
            if read_process is None:
                read_process = clock is None
            reads = None
            if read_process and ReadProcess.available():  # forked now: no thread runs yet
                reads = ReadProcess(self.ctx, web, self.engine, threads=READ_THREADS, queue=READ_QUEUE)
            self.runner = Runner(self.ctx, web, workers=0, render_homes=False, reads=reads)
        elif role == WORKER:
            self.runner = Runner(self.ctx, web, poll_seconds=WORKER_POLL_SECONDS)
        else:
            self.runner = Runner(self.ctx, web)
        self.app: App = create_app(self.ctx, self.runner, client=web)
        inbox_acks.open_spool(self.ctx.sessions)  # after the read process forked: no file handle crosses
        self.dispatcher = OutboxDispatcher(
            self.ctx.sessions,
            make_client(settings.bot_token, settings.api_url, retries=False),
            self.ctx.clock,
            late_reply_note=self.ctx.t("outbox.reply.late_dm"),
        )
        self.outbox = OutboxWorker(self.dispatcher, interval=OUTBOX_SECONDS)
        self.scheduler: BackgroundScheduler | None = None
        # Only now: the app registered every handler, so rows a crash left behind decode, and
        # the outbox a finished row kicks exists.
        self.runner.start()

    def start_jobs(self) -> None:
        """Periodic work in this process. Each job claims its rows in the database, so the
        same jobs may run on every instance; ``max_instances=1`` keeps runs from overlapping.
        A ``web`` process runs none of the work (its workers do), but re-reads the role user
        groups like every process that checks roles: a change Slack sends no event for
        reaches it within ``roles.REFRESH_SECONDS``."""
        scheduler = BackgroundScheduler(timezone=self.settings.timezone)
        now = datetime.now(timezone.utc)
        every = {"max_instances": 1, "coalesce": True}
        if self.settings.groups:
            scheduler.add_job(self.refresh_roles, "interval", seconds=roles.REFRESH_SECONDS, id="roles", **every)
        if self.role != WEB:
            for job in (self.sweep, self.cg_digest):
                scheduler.add_job(
                    job, "interval", seconds=self.settings.sweep_seconds, id=job.__name__, next_run_time=now, **every
                )
            if self.settings.retention_months:
                scheduler.add_job(
                    self.retention,
                    "cron",
                    hour=RETENTION_AT.hour,
                    minute=RETENTION_AT.minute,
                    id="retention",
                    misfire_grace_time=6 * 3600,
                    **every,
                )
        if scheduler.get_jobs():
            scheduler.add_listener(self._job_raised, EVENT_JOB_ERROR)
            scheduler.start()
            self.scheduler = scheduler
        if self.role != WEB:
            # The outbox has a thread of its own: a burst paced at Slack's one message per
            # second per channel is one long run, which an interval job would cut into pieces.
            self.outbox.start()

    @staticmethod
    def _job_raised(event: JobExecutionEvent) -> None:
        metrics.job_failed(event.job_id)

    def refresh_roles(self) -> None:
        """Read the admin and manager user groups again (they may change without an event)."""
        roles.refresh(self.settings.group_members, self.web, self.settings.groups)

    def kick_outbox(self) -> None:
        """Send right away instead of waiting for the next interval."""
        self.outbox.kick()

    def sweep(self) -> int:
        """Due reminders and the monthly report into the outbox. Safe to run on every instance."""
        queued = 0
        for sweep in (sweep_reviews, sweep_approvals, sweep_monthly_report):
            metrics.SWEEPS.labels(sweep=sweep.__name__).inc()
            try:
                count = sweep(self.ctx)
            except Exception:  # one failing sweep must not stop the other; rows stay due
                metrics.job_failed(sweep.__name__)
                log.exception("%s failed", sweep.__name__)
                continue
            queued += count
            if sweep is not sweep_monthly_report:  # a report is no reminder
                metrics.REMINDERS.inc(count)
        try:  # forget handled requests once Slack can no longer retry them
            inbox.purge(self.ctx.sessions, now=self.ctx.now())
        except Exception:
            log.exception("inbox purge failed")
        if queued:
            self.kick_outbox()
        return queued

    def cg_digest(self) -> int:
        """The working day's CG digest, from VPA_REVIEW_TIME on. Safe on every instance: the
        day is claimed in the database, so it goes out once across instances and restarts."""
        metrics.SWEEPS.labels(sweep="sweep_cg_digest").inc()
        try:
            queued = sweep_cg_digest(self.ctx)
        except Exception:  # the next run tries again: the claim was rolled back with the failure
            metrics.job_failed("cg_digest")
            log.exception("cg digest failed")
            return 0
        if queued:
            self.kick_outbox()
        return queued

    def retention(self) -> int:
        """Anonymise whoever left more than VPA_RETENTION_MONTHS ago. Safe on every instance."""
        months = self.settings.retention_months
        if not months:
            return 0
        try:
            erased = erase_expired(self.ctx, months=months)
        except Exception:  # the next day's run catches up: nothing is lost by waiting
            metrics.job_failed("retention")
            log.exception("retention failed")
            return 0
        if erased:
            log.info("retention: %d assistant(s) anonymised", erased)
        return erased

    def stop(self) -> None:
        # What is running finishes; acknowledged work still queued waits in the inbox. The
        # outbox's send in flight ends while the runner drains, not after it.
        self.outbox.begin_stop()
        self.runner.stop()
        self.outbox.stop()  # the send in flight ends; the rest waits in the table for any instance
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.engine.dispose()
