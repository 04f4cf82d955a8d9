"""Helpers every use case shares: load-or-explain an assistant, record a change in the audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from vpabot.policy.errors import PolicyError
from vpabot.storage import repositories as repo
from vpabot.storage.models import Assistant, AuditEvent, Note, OutboxMessage, SalesStop, Violation


def require_assistant(session: Session, handle: str, *, lock: bool = False) -> Assistant:
    """The assistant, or a friendly error that suggests close matches."""
    assistant = repo.get_assistant(session, handle, lock=lock)
    if assistant is None:
        suggestions = repo.similar_handles(session, handle)
        code = "unknown_assistant_suggest" if suggestions else "unknown_assistant"
        raise PolicyError(code, handle=handle, suggestions=", ".join(suggestions))
    return assistant


def snapshot(row: Any, *fields: str) -> dict[str, Any]:
    """JSON-safe copy of some columns, for the audit trail's before/after."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


# The audit trail names what a row is with these words (``audit_events.subject``).
SUBJECTS: dict[type, str] = {
    Assistant: "assistant",
    Violation: "violation",
    SalesStop: "stop",
    Note: "note",
    OutboxMessage: "outbox",
}


def audited(
    session: Session,
    row: Any,
    action: str,
    *,
    actor: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record ``action`` on ``row`` in the append-only audit trail: who, when, before, after.

    The subject, its id and the assistant whose file it belongs to are read from the row (it
    must have an id: flush a new row first), so no call can name the wrong assistant.
    """
    assistant_id = row.id if isinstance(row, Assistant) else getattr(row, "assistant_id", None)
    return repo.audit(
        session, actor=actor, action=action, at=at, subject=SUBJECTS[type(row)],
        subject_id=row.id, assistant_id=assistant_id, before=before, after=after,
    )  # fmt: skip
