"""Counts over the outbox for health checks and metrics: read-only, one query per scrape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from vpabot.storage.models import OutboxMessage
from vpabot.storage.outbox import OPEN


@dataclass(frozen=True)
class OutboxStats:
    """Rows per status (``pending``, ``sending``, ``sent``, ``dead``, ``cancelled``), rows that
    failed at least once and were or will be tried again (``retried``), and how long (seconds)
    the oldest due open row has been waiting (0.0 when none is due). ``sending``: in flight,
    or in doubt after an ambiguous failure (see ``storage.outbox``)."""

    by_status: dict[str, int]
    retried: int
    oldest_due_seconds: float

    def count(self, status: str) -> int:
        return self.by_status.get(status, 0)


def outbox_stats(session: Session, *, now: datetime) -> OutboxStats:
    """The outbox at ``now`` (timezone-aware UTC)."""
    rows = session.execute(
        select(
            OutboxMessage.status,
            func.count(),
            # Failed at least once: sent or dead after several attempts, or waiting to retry.
            func.sum(
                case(
                    (OutboxMessage.attempts > 1, 1),
                    (
                        OutboxMessage.status.in_(OPEN) & OutboxMessage.last_error.is_not(None),
                        1,
                    ),
                    else_=0,
                )
            ),
        ).group_by(OutboxMessage.status)
    ).all()
    oldest = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            # A due "sending" row is in doubt, or its sender died: it waits like a pending one.
            OutboxMessage.status.in_(OPEN), OutboxMessage.next_attempt_at <= now
        )
    )
    waited = 0.0
    if oldest is not None:
        if oldest.tzinfo is None:  # an aggregate may come back without the column's type
            oldest = oldest.replace(tzinfo=timezone.utc)
        waited = max((now - oldest).total_seconds(), 0.0)
    return OutboxStats(
        by_status={status: int(n) for status, n, _ in rows},
        retried=sum(int(r or 0) for _, _, r in rows),
        oldest_due_seconds=waited,
    )
