"""Sales stops (VT-Stop): one active stop per assistant, its review reminders and its lifting."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vpabot.policy.stops import StopKind, StopReason
from vpabot.storage.models.assistants import Assistant
from vpabot.storage.models.base import Base, length_checks, stored_enum, utcnow


class SalesStop(Base):
    """A VT-Stop. One active (not lifted) stop per assistant, enforced by a partial index."""

    __tablename__ = "sales_stops"
    __table_args__ = (
        *length_checks("sales_stops"),
        Index(
            "uq_one_active_stop",
            "assistant_id",
            unique=True,
            sqlite_where=text("lifted_at IS NULL"),
            postgresql_where=text("lifted_at IS NULL"),
        ),
        # Active stops by end date (overdue reviews are the earliest): lists read the first
        # few and count the rest from the index instead of loading every stop.
        Index(
            "ix_sales_stops_active_until",
            "until",
            sqlite_where=text("lifted_at IS NULL"),
            postgresql_where=text("lifted_at IS NULL"),
        ),
        Index(
            "ix_sales_stops_active_set_by",
            "set_by",
            "until",
            sqlite_where=text("lifted_at IS NULL"),
            postgresql_where=text("lifted_at IS NULL"),
        ),
        # The monthly report finds the stops of a month by these dates, lifted ones included.
        # (starts_on, lifted_at): the stops set in a month are counted from the index alone.
        Index("ix_sales_stops_starts_on", "starts_on", "lifted_at"),
        # Lifted stops only: SQLite's statistics take `lifted_at IS NULL` on a full index for
        # a rare value (one NULL among distinct instants) and then sort every active stop for
        # one page of `/vpa stops`, instead of walking ix_sales_stops_active_until. Ranges of
        # lift instants (the monthly report) imply NOT NULL, so they still use this one.
        Index(
            "ix_sales_stops_lifted_at",
            "lifted_at",
            sqlite_where=text("lifted_at IS NOT NULL"),
            postgresql_where=text("lifted_at IS NOT NULL"),
        ),
        Index("ix_sales_stops_until", "until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("assistants.id"), index=True)
    kind: Mapped[StopKind] = mapped_column(stored_enum(StopKind, 20))
    reason: Mapped[StopReason] = mapped_column(stored_enum(StopReason, 20))
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    until: Mapped[date | None]  # None: open-ended (resigned, excluded, terminated)
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_at: Mapped[datetime | None] = mapped_column(index=True)  # next reminder due
    review_reminders: Mapped[int] = mapped_column(Integer, default=0)
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(32))
    lift_note: Mapped[str | None] = mapped_column(Text)

    assistant: Mapped[Assistant] = relationship()


class StopEndDate(Base):
    """Each end date a stop held, in the order of its history: the monthly report's reviews.

    Derived from the stop's row and its audit trail (``stop.set``/``stop.changed``) and kept
    by every write of either in the same transaction (``storage/stop_history.py``), so the
    report counts a month's reviews in SQL instead of replaying every stop's trail. Open-ended
    holdings have no row: they are never reviewed.
    """

    __tablename__ = "stop_end_dates"
    # The reviews of a month are found by their end date; the rest is read from the index.
    # SQLite: rows stored in primary-key order (WITHOUT ROWID), so looking up a stop's first
    # end date reads one b-tree, not an index and then the table.
    __table_args__ = (
        Index("ix_stop_end_dates_until", "until", "next_at", "latest", "stop_id"),
        {"sqlite_with_rowid": False},
    )

    stop_id: Mapped[int] = mapped_column(
        ForeignKey("sales_stops.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: as the stop was set
    until: Mapped[date]
    # The instant of the next change or of the lift: the decision of this end date's review.
    next_at: Mapped[datetime | None]
    # The stop's latest set/change: the stop's ``review_reminders`` belong to it.
    latest: Mapped[bool]
