"""The durable queues and claims: the outbox (Slack calls to make) and its lanes' pacing, the
inbox (requests Slack delivered), and the job runs that make a scheduled job run once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from vpabot.storage.models.base import Base, stored_enum, utcnow


class OutboxStatus(StrEnum):
    """Where an outbox row is on its way to Slack (storage/outbox* move it along)."""

    PENDING = "pending"  # due at ``next_attempt_at``
    # A send started and its outcome is unknown: in flight under a lease, or in doubt after a
    # timeout or a crash until Slack's history says whether it arrived.
    SENDING = "sending"
    SENT = "sent"  # Slack has it; ``slack_channel`` and ``slack_ts`` say where
    DEAD = "dead"  # can never succeed (e.g. channel_not_found): parked for the admins
    CANCELLED = "cancelled"  # never to be sent, on purpose (its assistant was erased)


class InboxState(StrEnum):
    """Where an acknowledged Slack request is in the inbox (storage/inbox.py)."""

    QUEUED = "queued"  # accepted and acked, waiting for a worker
    RUNNING = "running"  # claimed under a lease: the work is being done
    REPLYING = "replying"  # the work is committed; the stored reply is still to be sent
    DONE = "done"


class OutboxMessage(Base):
    """A Slack Web API call that must happen, written in the transaction that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    method: Mapped[str] = mapped_column(String(40))  # chat.postMessage | chat.update | ...
    payload: Mapped[dict[str, Any]]
    purpose: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    # chat.update of a message this outbox sent earlier: its channel and ts are taken from there.
    updates_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    # A reply in the thread of a message this outbox sends earlier (a stop's first team
    # announcement, the first review reminder): its ts is read when this row is sent, so the
    # follow-up may be queued before the first message was delivered.
    thread_of_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    status: Mapped[OutboxStatus] = mapped_column(
        stored_enum(OutboxStatus, 10), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)  # failed attempts; a 429 is not one
    # Due time; while "sending" under a claim, the end of its lease.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Messages in one lane ("chat:<channel>") go out in id order and are paced together.
    lane: Mapped[str | None] = mapped_column(String(80))
    lease_token: Mapped[str | None] = mapped_column(String(32))  # whose claim it is
    # Wall-clock instant of the first send: where the history lookup for an in-doubt row starts.
    first_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)


# A stop's first announcement, a case's approval requests: found by what they are about.
Index("ix_outbox_subject", OutboxMessage.subject_id, OutboxMessage.purpose)

Index(
    "ix_outbox_lane_open",
    OutboxMessage.lane,
    OutboxMessage.id,
    sqlite_where=text("status IN ('pending', 'sending')"),
    postgresql_where=text("status IN ('pending', 'sending')"),
)


class OutboxLane(Base):
    """Pacing of one lane, shared by every instance: nothing in it is sent before ``not_before``.

    Set after each send (Slack allows about one message per second per channel) and after a
    429 (its Retry-After). Wall-clock UTC, as Slack counts.
    """

    __tablename__ = "outbox_lanes"

    lane: Mapped[str] = mapped_column(String(80), primary_key=True)
    not_before: Mapped[datetime]


class JobRun(Base):
    """One row per scheduled job and period (a day, a month): the claim that makes it run once.

    A job inserts its row in the same transaction that writes its outbox messages; a second
    instance or a restart finds the row and does nothing.
    """

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)  # e.g. monthly_report
    period: Mapped[str] = mapped_column(String(20), primary_key=True)  # e.g. 2026-11
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundRequest(Base):
    """A request Slack delivered and vpabot acknowledged: the durable inbox.

    Written before the ack, keyed on what Slack sends (``trigger_id``, view id + hash,
    ``event_id``), so a retried delivery finds its row and is not acted on twice, and work
    that was acknowledged survives a crash: a worker claims ``queued`` rows (and ``running``
    rows whose lease ran out), runs the command, and stores the reply in the same transaction
    as the work; the reply is then sent and the row is ``done``. Rows are purged after
    ``expires_at`` (Slack retries within minutes; a day is plenty).
    """

    __tablename__ = "inbound_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # the command's type name
    command: Mapped[dict[str, Any]]
    origin: Mapped[dict[str, Any]]
    state: Mapped[InboxState] = mapped_column(
        stored_enum(InboxState, 10), default=InboxState.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    reply: Mapped[dict[str, Any] | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_inbound_requests_state_lease", "state", "lease_until"),)


class SpoolMark(Base):
    """How far the inbox has taken a SQLite spool file's rows (``storage/spool.py``).

    ``moved_through`` is the highest spool row id copied into ``inbound_requests``, raised in
    the transaction that copied them, so a row is copied once and the spool is never written
    by a worker. Keyed by the spool file's identity: a spool file made anew (deleted, or
    restored with the database) starts from 0.
    """

    __tablename__ = "inbox_spool_marks"

    spool: Mapped[str] = mapped_column(String(36), primary_key=True)
    moved_through: Mapped[int]
