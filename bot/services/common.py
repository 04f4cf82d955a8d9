"""Helpers every use case shares: load-or-explain an assistant, snapshot rows for the audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from vpabot.policy.errors import PolicyError
from vpabot.storage import repositories as repo
from vpabot.storage.models import Assistant


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
