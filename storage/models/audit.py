"""The audit trail: who did what, when, with the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vpabot.storage.models.base import Base, utcnow


class AuditEvent(Base):
    """Append-only: who did what, when, with the state before and after."""

    __tablename__ = "audit_events"
    # A stop's history (set/changed) for the monthly report; the stops changed since a day
    # (action, at) without reading every other event of those weeks.
    __table_args__ = (
        Index("ix_audit_events_subject", "subject", "subject_id"),
        Index("ix_audit_events_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    assistant_id: Mapped[int | None] = mapped_column(ForeignKey("assistants.id"), index=True)
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
