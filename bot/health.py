"""Liveness, readiness and metrics over HTTP: the same answers in HTTP and Socket Mode.

- ``GET /healthz`` – liveness: the process answers (no database call, so a slow database
  never gets a healthy process restarted).
- ``GET /readyz`` – readiness, 200 or 503 with a JSON body naming every check: database
  reachable, migrations current, scheduler running (when this process runs the jobs),
  outbox not stuck (the oldest due row has waited less than ``STUCK_AFTER``); the number of
  dead rows is reported but does not fail readiness (admins see them in App Home).
- ``GET /metrics`` – Prometheus text format, see :mod:`vpabot.bot.metrics`.

``vpabot serve`` answers these on its Slack port; ``vpabot run`` (Socket Mode) on
``VPA_HEALTH_PORT`` through :func:`serve_in_background`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from vpabot.bot import metrics
from vpabot.storage import inbox
from vpabot.storage.db import read_only
from vpabot.storage.migrate import is_current
from vpabot.storage.models import OutboxStatus
from vpabot.storage.outbox_stats import OutboxStats, outbox_stats

if TYPE_CHECKING:
    from vpabot.bot.runtime import Runtime

log = logging.getLogger(__name__)

# The dispatcher runs every 5 s and wakes on every commit: a due row older than this means
# nobody is sending (dispatcher dead, Slack unreachable for long, token revoked).
STUCK_AFTER = timedelta(minutes=10)
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


# Acknowledged requests are worked on within seconds; two minutes queued means no worker runs.
INBOX_STUCK_AFTER = timedelta(minutes=2)


def read_outbox(runtime: Runtime) -> OutboxStats:
    """The outbox counts at the runtime's clock, read without the write lock."""
    with runtime.ctx.read() as session:
        return outbox_stats(session, now=runtime.ctx.now())


def read_inbox(runtime: Runtime) -> tuple[int, float]:
    """(acknowledged requests no worker took yet, seconds the oldest of them waited), read
    without the write lock; on SQLite the spool's rows count too."""
    with runtime.ctx.read() as session:
        return inbox.backlog(session), inbox.oldest_queued_seconds(session, now=runtime.ctx.now())


def readiness(runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    """(ready, checks). Each check is ``{"ok": bool, ...details}``; never raises. Reads only,
    without SQLite's write lock: a probe never waits for a long write (it took 30 s)."""
    checks: dict[str, Any] = {}
    try:
        with runtime.ctx.read() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:  # report, don't crash: a load balancer reads this
        checks["database"] = {"ok": False, "error": str(error).splitlines()[0]}
        return False, checks
    try:
        checks["migrations"] = {"ok": is_current(read_only(runtime.engine))}
    except Exception as error:
        checks["migrations"] = {"ok": False, "error": str(error).splitlines()[0]}
    if runtime.settings.run_scheduler and getattr(runtime, "role", "all") != "web":
        running = runtime.scheduler is not None and runtime.scheduler.running
        checks["scheduler"] = {"ok": running}
    else:  # VPA_RUN_SCHEDULER=0 or a web-only process: the jobs run elsewhere
        checks["scheduler"] = {"ok": True, "disabled": True}
    try:
        stats = read_outbox(runtime)
        waited = stats.oldest_due_seconds
        checks["outbox"] = {
            "ok": waited < STUCK_AFTER.total_seconds(),
            "oldest_due_seconds": round(waited, 1),
            "pending": stats.count(OutboxStatus.PENDING),
            "dead": stats.count(OutboxStatus.DEAD),
        }
    except Exception as error:
        checks["outbox"] = {"ok": False, "error": str(error).splitlines()[0]}
    try:  # acknowledged work nobody picks up: the inbox workers are stuck or gone
        queued, waited = read_inbox(runtime)
        checks["inbox"] = {"ok": waited < INBOX_STUCK_AFTER.total_seconds(), "queued": queued,
                           "oldest_queued_seconds": round(waited, 1)}
    except Exception as error:
        checks["inbox"] = {"ok": False, "error": str(error).splitlines()[0]}
    return all(check["ok"] for check in checks.values()), checks


def _respond(start_response: Callable[..., Any], status: str, ctype: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]


def make_ops_app(runtime: Runtime, fallback: WSGIApp | None = None) -> WSGIApp:
    """WSGI app for /healthz, /readyz and /metrics; anything else goes to ``fallback`` (404)."""
    collectors = (metrics.OutboxCollector(lambda: read_outbox(runtime)),
                  metrics.InboxCollector(lambda: read_inbox(runtime)))

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if method == "GET" and path == "/healthz":
            return _respond(start_response, "200 OK", "application/json", b'{"ok": true}')
        if method == "GET" and path == "/readyz":
            ok, checks = readiness(runtime)
            body = json.dumps({"ok": ok, "checks": checks}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            return _respond(start_response, status, "application/json", body)
        if method == "GET" and path == "/metrics":
            try:
                body, ctype = metrics.exposition(*collectors)
            except Exception as error:  # database down: say so, Prometheus marks the scrape
                log.warning("metrics scrape failed: %s", error)
                return _respond(start_response, "503 Service Unavailable", "text/plain", b"")
            return _respond(start_response, "200 OK", ctype, body)
        if fallback is not None:
            return fallback(environ, start_response)
        return _respond(start_response, "404 Not Found", "text/plain", b"not found")

    return app


class HealthServer:
    """/healthz, /readyz, /metrics on their own port, for Socket Mode (no HTTP otherwise)."""

    def __init__(self, runtime: Runtime, *, host: str = "0.0.0.0", port: int) -> None:
        from waitress import create_server

        self.server = create_server(make_ops_app(runtime), host=host, port=port, threads=2)
        self.port = self.server.effective_port  # type: ignore[union-attr]
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="vpabot-health")

    def start(self) -> HealthServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        # Close from inside waitress's loop thread: closing from here races with its select().
        server = self.server

        def close_all() -> None:
            for channel in list(server._map.values()):  # type: ignore[union-attr]
                if channel is not server.trigger:  # type: ignore[union-attr]
                    channel.close()
            server.close()

        try:
            server.trigger.pull_trigger(close_all)  # type: ignore[union-attr]
        except OSError:
            server.close()
        self.thread.join(timeout=5)
