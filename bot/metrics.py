"""Prometheus metrics of one vpabot process, served at ``GET /metrics`` (prometheus_client).

All metrics live in :data:`REGISTRY` (vpabot's own, not prometheus_client's global one, so
several bots in one test process don't collide). Outbox numbers are not counted in memory:
:class:`OutboxCollector` reads them from the database at scrape time, so every instance reports
the same truth and a restart loses nothing.

How to record (for the interaction shell and the jobs)::

    from vpabot.bot import metrics

    started = time.perf_counter()
    ack(...)                                   # Slack's 3-second clock stops here
    metrics.request_acked(kind="command", outcome="ok", seconds=time.perf_counter() - started)

``kind`` is the Slack surface: ``command``, ``action``, ``view``, ``options``, ``event``.
``outcome`` is what the ack said: ``ok`` (accepted), ``refused`` (not allowed / bad input,
answered politely), ``duplicate`` (a retry already handled), ``busy`` (the inbox or the
pool was full: the ack said so), ``error`` (an exception).
Keep both to these few values: every distinct label value is a time series.

Jobs: ``metrics.SWEEPS.labels(sweep="reviews").inc()`` per run, ``metrics.REMINDERS.inc(n)``
per reminder queued, ``metrics.job_failed("outbox")`` when a job swallowed an exception.
The APScheduler listener in ``Runtime.start_jobs`` counts jobs that raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from vpabot.storage.models import OutboxStatus
from vpabot.storage.outbox_stats import OutboxStats

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "vpabot_requests",
    "Slack requests acknowledged, by surface (kind) and what the ack said (outcome).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "vpabot_ack_seconds",
    "Time from receiving a Slack request to its ack (Slack gives up after 3 s).",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0),
    registry=REGISTRY,
)
SWEEPS = Counter(
    "vpabot_sweeps", "Runs of the periodic sweeps, by sweep.", ["sweep"], registry=REGISTRY
)
REMINDERS = Counter(
    "vpabot_reminders",
    "Review and approval reminders queued for sending (the outbox then sends them).",
    registry=REGISTRY,
)
JOB_FAILURES = Counter(
    "vpabot_job_failures",
    "Scheduled job runs that failed (raised, or caught and logged an exception), by job.",
    ["job"],
    registry=REGISTRY,
)
OUTCOMES = ("ok", "refused", "duplicate", "busy", "error")


def request_acked(*, kind: str, outcome: str, seconds: float) -> None:
    """Count one acknowledged Slack request and how long its ack took (seconds)."""
    requests, seconds_of = _acked(kind, outcome)
    requests.inc()
    seconds_of.observe(seconds)


@lru_cache(maxsize=64)
def _acked(kind: str, outcome: str) -> tuple[Any, Any]:
    """The labelled children for ``kind`` and ``outcome``, found once: ``labels()`` takes a
    lock and builds a key on every call, on every ack (prometheus_client keeps a child for
    good once created, so holding on to it counts the same)."""
    return REQUESTS.labels(kind=kind, outcome=outcome), ACK_SECONDS.labels(kind=kind)


def job_failed(job: str) -> None:
    """Count a failed run of ``job`` (the scheduler's job id, e.g. ``outbox``, ``sweep``)."""
    JOB_FAILURES.labels(job=job).inc()


class OutboxCollector(Collector):
    """Outbox gauges computed at scrape time by ``read`` (a function returning the stats)."""

    def __init__(self, read: Callable[[], OutboxStats]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        stats = self.read()
        rows = GaugeMetricFamily(
            "vpabot_outbox_messages",
            "Outbox rows by status: pending (queued), sending (in flight or in doubt), sent, "
            "dead (parked), cancelled.",
            labels=["status"],
        )
        for status in OutboxStatus:
            rows.add_metric([status.value], stats.count(status))
        yield rows
        yield GaugeMetricFamily(
            "vpabot_outbox_retried_messages",
            "Outbox rows that failed at least once and were or will be tried again.",
            value=stats.retried,
        )
        yield GaugeMetricFamily(
            "vpabot_outbox_oldest_due_seconds",
            "How long the oldest due pending outbox row has waited (0: none due).",
            value=stats.oldest_due_seconds,
        )


class InboxCollector(Collector):
    """Inbox gauges computed at scrape time by ``read``: (queued, oldest queued seconds)."""

    def __init__(self, read: Callable[[], tuple[int, float]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        queued, waited = self.read()
        yield GaugeMetricFamily(
            "vpabot_inbox_queued_requests",
            "Acknowledged requests no worker has taken yet (all instances; on SQLite with the "
            "spool's). Past the runner's max_backlog, write acks say busy.",
            value=queued,
        )
        yield GaugeMetricFamily(
            "vpabot_inbox_oldest_queued_seconds",
            "How long the oldest acknowledged request no worker took yet has waited (0: none).",
            value=waited,
        )


class _Scrape:
    """The process-wide metrics plus one runtime's database-backed ones."""

    def __init__(self, *extra: Collector) -> None:
        self.extra = extra

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        for collector in self.extra:
            yield from collector.collect()


def exposition(*extra: Collector) -> tuple[bytes, str]:
    """The text exposition format (body, content type) of everything above plus ``extra``."""
    return generate_latest(_Scrape(*extra)), CONTENT_TYPE_LATEST  # type: ignore[arg-type]
