"""Claiming a scheduled job's period, so it runs once across instances and restarts.

``claim_job_run`` inserts the (job, period) row in the caller's transaction. Whoever inserts
it first does the work and commits both together; everybody else gets False. On PostgreSQL a
second instance's insert waits for the first transaction: if that commits, the conflict makes
it a no-op; if it rolls back (the work failed), the second instance takes over.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vpabot.storage.models import JobRun


def claim_job_run(session: Session, *, job: str, period: str, now: datetime) -> bool:
    """True if this transaction claimed ``(job, period)``; False if it ran (or runs) elsewhere."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(JobRun)
            .values(job=job, period=period, ran_at=now)
            .on_conflict_do_nothing()
            .returning(JobRun.job)  # a row back only if inserted (rowcount is not reliable here)
        )
        return session.execute(statement).first() is not None
    # Any other database: check, then insert; the primary key still refuses a double.
    if session.get(JobRun, (job, period)) is not None:
        return False
    session.add(JobRun(job=job, period=period, ran_at=now))
    session.flush()
    return True
