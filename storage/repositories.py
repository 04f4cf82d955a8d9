"""Queries and writes the use cases share. Callers own the transaction."""

from __future__ import annotations

import difflib
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vpabot.policy.ladder import NOT_COUNTING
# The picker's search has a module of its own (it runs inside Slack's ack); use cases and
# listeners find it here with the other queries.
from vpabot.storage.assistant_search import (  # noqa: F401
    Found,
    find_assistants,
    prefix_end,
    search_assistants,
)
from vpabot.storage.models import Assistant, AuditEvent, SalesStop, Violation
# Queueing a Slack call is part of the outbox; use cases reach it through this module.
from vpabot.storage.outbox import enqueue, enqueue_many, enqueue_reply  # noqa: F401


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def get_assistant(session: Session, handle: str, *, lock: bool = False) -> Assistant | None:
    """Load an assistant by handle; ``lock`` serialises concurrent writes to the same file."""
    query = select(Assistant).where(Assistant.handle == normalise_handle(handle))
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def lock_row(session: Session, model: Any, row_id: int) -> Any | None:
    """The row, locked for this transaction: a decision on it is made once."""
    return session.scalars(select(model).where(model.id == row_id).with_for_update()).one_or_none()


def similar_handles(session: Session, handle: str, *, limit: int = 3) -> list[str]:
    """Close matches for a mistyped handle, best first."""
    wanted = normalise_handle(handle)
    if not wanted:
        return []
    # Typos rarely hit the first letter: compare with the handles that share it (an index
    # range) instead of reading the whole roster on every mistyped command.
    handles = list(
        session.scalars(
            select(Assistant.handle).where(
                Assistant.handle >= wanted[0], Assistant.handle < prefix_end(wanted[0])
            )
        )
    )
    close = difflib.get_close_matches(wanted, handles, n=limit, cutoff=0.6)
    prefixed = [h for h in handles if h.startswith(wanted[:3]) and h not in close]
    return (close + sorted(prefixed))[:limit]


def count_counting_violations(
    session: Session, assistant_id: int, *, since: date | None, before_id: int | None = None
) -> int:
    """Violations that count for the ladder: not rejected/withdrawn, logged after ``since``
    (and, to re-check an older case, logged before violation ``before_id``)."""
    query = select(func.count(Violation.id)).where(
        Violation.assistant_id == assistant_id,
        Violation.state.not_in(sorted(NOT_COUNTING)),
    )
    if since is not None:
        query = query.where(Violation.logged_on > since)
    if before_id is not None:
        query = query.where(Violation.id < before_id)
    return session.scalar(query) or 0


def latest_violations(session: Session, assistant_id: int, *, limit: int, offset: int = 0) -> list[Violation]:
    query = (
        select(Violation)
        .where(Violation.assistant_id == assistant_id)
        .order_by(Violation.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_rows(session: Session, model: type, assistant_id: int) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.assistant_id == assistant_id)) or 0


def active_stop(session: Session, assistant_id: int, *, lock: bool = False) -> SalesStop | None:
    query = select(SalesStop).where(
        SalesStop.assistant_id == assistant_id, SalesStop.lifted_at.is_(None)
    )
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    at: datetime,
    subject: str,
    subject_id: int | None = None,
    assistant_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        at=at,
        subject=subject,
        subject_id=subject_id,
        assistant_id=assistant_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event
