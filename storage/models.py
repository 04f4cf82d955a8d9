"""Typed SQLAlchemy 2 models. Instants are timezone-aware UTC; dates users type are dates."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from enum import Enum as PyEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    delete,
    event,
    insert,
    inspect,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from vpabot.policy.catalogue import Source
from vpabot.policy.ladder import AssistantStatus, ViolationState
from vpabot.policy.stops import StopKind, StopReason
from vpabot.policy.text import MAX_HANDLE, MAX_NAME, MAX_TEXT, search_key, search_words


def stored_enum(kind: type[PyEnum], length: int) -> Enum:
    """A policy enum in a VARCHAR(length) column holding its values ("neu", "voll"), exactly as
    the plain strings were stored before: no native type, no CHECK, nothing to migrate. Rows
    read back as members, so code compares and passes them without converting."""
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )

# The user-text limits of policy/text.py, enforced by the database too (CHECK length(x) <= n;
# SQLite ignores String(n)). Migration harden_1 adds the same constraints to existing databases.
TEXT_CHECKS: dict[str, tuple[tuple[str, int], ...]] = {
    "assistants": (("handle", MAX_HANDLE), ("name", MAX_NAME)),
    "violations": (("note", MAX_TEXT), ("decision_reason", MAX_TEXT)),
    "notes": (("text", MAX_TEXT),),
    "sales_stops": (("note", MAX_TEXT), ("lift_note", MAX_TEXT)),
}


def _length_checks(table: str) -> tuple[CheckConstraint, ...]:
    return tuple(
        CheckConstraint(f"length({column}) <= {limit}", name=f"ck_{table}_{column}_length")
        for column, limit in TEXT_CHECKS[table]
    )


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns aware datetimes (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=value.tzinfo or timezone.utc).astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Assistant(Base):
    __tablename__ = "assistants"
    # Who is overdue or due soon is a range of acceptance dates (policy.cg
    # .latest_acceptance_due_by) among those we still work with: counted from the index alone.
    __table_args__ = (
        *_length_checks("assistants"),
        Index(
            "ix_assistants_cg_due",
            "cg_accepted_on",
            "handle",  # pages in (due date, handle) order straight from the index
            "status",
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[AssistantStatus] = mapped_column(
        stored_enum(AssistantStatus, 20), default=AssistantStatus.NEW
    )
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    joined_on: Mapped[date | None]
    cg_accepted_on: Mapped[date | None]
    ended_on: Mapped[date | None]  # collaboration ended (resigned, excluded, terminated)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))
    # Folded name and handle (policy.text.search_key), kept by the mapper events below.
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="")

    violations: Mapped[list[Violation]] = relationship(
        back_populates="assistant", order_by="Violation.id"
    )
    notes: Mapped[list[Note]] = relationship(back_populates="assistant", order_by="Note.id")


# Binary order on PostgreSQL too, so ``word >= 'mue' AND word < 'muf'`` is exactly "starts with".
SEARCH_WORD = String(200).with_variant(String(200, collation="C"), "postgresql")


class AssistantSearchWord(Base):
    """One folded word of an assistant's name or handle: the index the picker searches.

    A word-prefix match on ``assistants.search_key`` alone (``LIKE '% mue%'``) cannot use an
    index; a range on this table's ``word`` can, so a search touches only the matching rows.
    """

    __tablename__ = "assistant_search_words"

    word: Mapped[str] = mapped_column(SEARCH_WORD, primary_key=True)
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistants.id"), primary_key=True, index=True
    )


@event.listens_for(Assistant, "before_insert")
@event.listens_for(Assistant, "before_update")
def _fold_for_search(_mapper: Any, _connection: Any, target: Assistant) -> None:
    key = search_key(target.name or "", target.handle or "")
    if target.search_key != key:
        target.search_key = key


@event.listens_for(Assistant, "after_insert")
@event.listens_for(Assistant, "after_update")
def _index_for_search(_mapper: Any, connection: Any, target: Assistant) -> None:
    if not inspect(target).attrs.search_key.history.has_changes():
        return
    write_search_words(connection, {target.id: (target.name, target.handle)}, replace=True)


def write_search_words(
    connection: Any, names: dict[int, tuple[str, str]], *, replace: bool = False
) -> None:
    """Index ``{assistant_id: (name, handle)}`` for the search; ``replace`` drops old words.

    For writers that bypass the ORM (the migration, bulk loaders): one executemany.
    """
    table = AssistantSearchWord.__table__
    if replace and names:
        connection.execute(delete(table).where(table.c.assistant_id.in_(list(names))))
    rows = [
        {"word": word[:200], "assistant_id": assistant_id}
        for assistant_id, (name, handle) in names.items()
        for word in search_words(name, handle)
    ]
    if rows:
        connection.execute(insert(table), rows)


class Violation(Base):
    __tablename__ = "violations"
    __table_args__ = (
        *_length_checks("violations"),
        # "This week" on Home and the monthly report read a range of instants; the report
        # groups by the other columns, counted from the index without touching the table.
        Index("ix_violations_logged_at", "logged_at", "state", "source", "tag", "step", "severe"),
        # Cases waiting for the manager, oldest first, without sorting every open case.
        Index("ix_violations_state_logged_at", "state", "logged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("assistants.id"), index=True)
    # active_history on the columns the report rollup counts by (storage/rollups.py): a change
    # must know the value it replaces even when the row was expired, to move its count.
    source: Mapped[Source] = mapped_column(stored_enum(Source, 20), active_history=True)
    tag: Mapped[str] = mapped_column(String(40), active_history=True)
    severe: Mapped[bool] = mapped_column(default=False, active_history=True)
    step: Mapped[int | None] = mapped_column(active_history=True)  # None: severe, off the ladder
    state: Mapped[ViolationState] = mapped_column(
        stored_enum(ViolationState, 20), index=True, active_history=True
    )
    note: Mapped[str] = mapped_column(Text)
    logged_by: Mapped[str] = mapped_column(String(32))
    logged_at: Mapped[datetime] = mapped_column(default=utcnow, active_history=True)
    logged_on: Mapped[date]  # local date, what expiry counts from
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    communicated_at: Mapped[datetime | None]
    approval_reminder_at: Mapped[datetime | None] = mapped_column(index=True)

    assistant: Mapped[Assistant] = relationship(back_populates="violations")


class ViolationMonthCount(Base):
    """How many violations per UTC month of ``logged_at`` and (source, tag, rung, state).

    The monthly report reads one month of these few hundred rows instead of the month's
    violations. Kept in the writing transaction by ``vpabot.storage.rollups`` (mapper events
    on ``Violation``; ``rebuild`` for bulk writers). UTC months, not local ones: the time zone
    is a setting the writers do not know and may change; the report adds the few hours
    between the local and the UTC month boundary from the violations' index.
    """

    __tablename__ = "violation_month_counts"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11", UTC
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    rung: Mapped[int] = mapped_column(primary_key=True)  # step 1..4; 0: severe (or no step)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Note(Base):
    """An observation that is not a violation: in the file, off the ladder."""

    __tablename__ = "notes"
    __table_args__ = _length_checks("notes")

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("assistants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="note")
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assistant: Mapped[Assistant] = relationship(back_populates="notes")


class SalesStop(Base):
    """A VT-Stop. One active (not lifted) stop per assistant, enforced by a partial index."""

    __tablename__ = "sales_stops"
    __table_args__ = (
        *_length_checks("sales_stops"),
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
        Index("ix_sales_stops_starts_on", "starts_on"),
        Index("ix_sales_stops_lifted_at", "lifted_at"),
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
    # pending | sending | sent | dead | cancelled. "sending": a send started and its outcome is
    # unknown, in flight under a lease or in doubt after a timeout or a crash (see storage/outbox).
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
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
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued|running|replying|done
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    reply: Mapped[dict[str, Any] | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_inbound_requests_state_lease", "state", "lease_until"),)


class SevereQuestion(Base):
    """'Really severe?' asked after a typed ``schwer``: the case waits here, not in a button.

    ``answered_at`` is set by the first answer; a second click changes nothing.
    """

    __tablename__ = "severe_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    command: Mapped[dict[str, Any]]  # the LogViolation, as bot/payloads writes it
    asked_by: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


# Registers the mapper events that keep ``violation_month_counts`` in step with ``violations``;
# imported here so no writer can load the models without them.
from vpabot.storage import rollups as _rollups  # noqa: E402,F401
