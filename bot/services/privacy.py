"""Data protection (GDPR): everything about one assistant out as JSON, or anonymised for good.

Erasing keeps the shape the reports count (violations with source, tag, step, state and
dates; stops with kind and dates; audit actions and times) and removes what identifies the
person or says something about them: name, handle, Slack ID and every free text.

Where an assistant's data lives:
- their own rows (assistants, violations, notes, sales_stops) and the audit events of their
  file: anonymised field by field;
- outbox messages about their violations, stops and notes (``SUBJECT_TABLE``): the payload
  is replaced, and a message not sent yet is cancelled (it would only say "[gelöscht]");
- any other text or JSON column of any table (digests listing several assistants, tables
  added later): every mention of the name, handle or Slack ID is replaced by the pseudonym;
- OTHER assistants' files (their notes, questions and answers, violation notes and reasons,
  stop notes): mentions of the name, handle or Slack ID become the pseudonym, the rest of
  those texts is about someone else and stays.

Only database functions here (no Slack settings): the CLI and the retention job share them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, and_, false, or_, select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.services.anonymise import (
    ERASED,
    OWN_TABLES,
    Secrets,
    anonymise_audit,
    erased_handle,
    erased_name,
    scrub_mentions,
    scrub_other_files,
)
from vpabot.bot.services.assistants import RESERVED_HANDLE_PREFIX
from vpabot.bot.services.common import audited
from vpabot.policy.dates import add_months
from vpabot.policy.errors import PolicyError
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope, skip_locked
from vpabot.storage.models import (
    Assistant,
    AuditEvent,
    Base,
    Note,
    OutboxMessage,
    OutboxStatus,
    SalesStop,
    Violation,
)

# Outbox purposes whose subject_id points at a row of an assistant's file.
SUBJECT_TABLE = {
    "manager_fyi": "violations",
    "approval_request": "violations",
    "approval_outcome": "violations",
    "approval_update": "violations",
    "approval_admin": "violations",
    "stop_announcement": "sales_stops",
    "stop_review": "sales_stops",
    "consultation": "notes",
    "consultation_answer": "notes",
}


def is_erased(assistant: Assistant) -> bool:
    return assistant.handle == erased_handle(assistant.id)


# --- export -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _row(table: Table, row: Any) -> dict[str, Any]:
    return {column.name: _plain(row._mapping[column]) for column in table.columns}


def _rows(session: Session, table: Table, condition: Any) -> list[dict[str, Any]]:
    order = list(table.primary_key.columns)
    return [
        _row(table, r) for r in session.execute(select(table).where(condition).order_by(*order))
    ]


@dataclass(frozen=True)
class FileRefs:
    """The ids of an assistant's rows, for finding what refers to them."""

    assistant_id: int
    ids: dict[str, set[int]]  # table name -> ids

    def outbox_condition(self) -> Any:
        linked = [
            and_(OutboxMessage.purpose == purpose, OutboxMessage.subject_id.in_(self.ids[table]))
            for purpose, table in SUBJECT_TABLE.items()
            if self.ids[table]
        ]
        return or_(false(), *linked)

    def audit_condition(self) -> Any:
        subjects = {"violation": "violations", "note": "notes", "stop": "sales_stops"}
        linked = [
            and_(AuditEvent.subject == subject, AuditEvent.subject_id.in_(self.ids[table]))
            for subject, table in subjects.items()
            if self.ids[table]
        ]
        return or_(AuditEvent.assistant_id == self.assistant_id, *linked)


def _refs(session: Session, assistant: Assistant) -> FileRefs:
    ids = {
        model.__tablename__: set(
            session.scalars(select(model.id).where(model.assistant_id == assistant.id))
        )
        for model in (Violation, Note, SalesStop)
    }
    return FileRefs(assistant.id, ids)


def _other_tables() -> Iterator[Table]:
    """Tables added after this module that hold rows of one assistant."""
    known = {*OWN_TABLES, "audit_events", "outbox"}
    for table in Base.metadata.sorted_tables:
        if table.name not in known and "assistant_id" in table.columns:
            yield table


def _linked_outbox(session: Session, refs: FileRefs) -> list[OutboxMessage]:
    """Messages about the assistant's rows, and the updates of those messages."""
    rows = {m.id: m for m in session.scalars(select(OutboxMessage).where(refs.outbox_condition()))}
    new = set(rows)
    while new:
        query = select(OutboxMessage).where(OutboxMessage.updates_id.in_(sorted(new)))
        more = [m for m in session.scalars(query) if m.id not in rows]
        rows.update((m.id, m) for m in more)
        new = {m.id for m in more}
    return sorted(rows.values(), key=lambda m: m.id)


def export_assistant(ctx: AppContext, handle: str, *, actor: str) -> dict[str, Any]:
    """Everything stored about one assistant, table by table. The export itself is audited.

    Raises PolicyError("unknown_assistant") for a handle nobody has.
    """
    now = ctx.now()
    with session_scope(ctx.sessions) as session:
        assistant, refs = open_for_export(session, handle, actor=actor, now=now)
        tables = Base.metadata.tables
        secrets = Secrets.of(session, assistant)
        linked = {m.id for m in _linked_outbox(session, refs)}
        mentioned = {
            row.id
            for row in session.execute(select(OutboxMessage.id, OutboxMessage.payload))
            if row.id not in linked and secrets.mentioned(row.payload)
        }
        document: dict[str, Any] = {
            "format": "vpabot-assistant-export/1",
            "exported_at": now.isoformat(),
            "assistant": _rows(
                session, tables["assistants"], tables["assistants"].c.id == assistant.id
            )[0],
        }
        for name in OWN_TABLES[1:]:
            document[name] = _rows(
                session, tables[name], tables[name].c.assistant_id == assistant.id
            )
        document["audit_events"] = _rows(session, tables["audit_events"], refs.audit_condition())
        outbox = tables["outbox"]
        document["outbox"] = _rows(session, outbox, outbox.c.id.in_(linked | mentioned))
        for table in _other_tables():
            document[table.name] = _rows(session, table, table.c.assistant_id == assistant.id)
        return document


def open_for_export(
    session: Session, handle: str, *, actor: str, now: datetime, after: dict[str, Any] | None = None
) -> tuple[Assistant, FileRefs]:
    """The assistant and the ids of everything about them, with the export audited
    (``assistant.exported``; ``after`` says which kind). Raises PolicyError("unknown_assistant")."""
    assistant = _require(session, handle)
    audited(session, assistant, "assistant.exported", actor=actor, at=now, after=after)
    session.flush()
    return assistant, _refs(session, assistant)


def _require(session: Session, handle: str, *, lock: bool = False) -> Assistant:
    assistant = repo.get_assistant(session, handle, lock=lock)
    if assistant is None:
        raise PolicyError("unknown_assistant", handle=handle)
    return assistant


# --- erasure ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    assistant_id: int
    handle: str  # the pseudonym
    counts: dict[str, int]  # rows changed per table


def erase_assistant(
    ctx: AppContext, handle: str, *, actor: str, reason: str = "request"
) -> Erasure:
    """Anonymise one assistant now (``vpabot erase assistant``). Raises if already done."""
    now = ctx.now()
    with session_scope(ctx.sessions) as session:
        assistant = _require(session, handle, lock=True)
        if is_erased(assistant):
            raise PolicyError("privacy_already_erased", handle=assistant.handle)
        return erase_in_session(session, assistant, actor=actor, now=now, reason=reason)


def erase_in_session(
    session: Session, assistant: Assistant, *, actor: str, now: datetime, reason: str
) -> Erasure:
    secrets = Secrets.of(session, assistant)
    identity = Secrets.of(session, assistant, with_texts=False)
    refs = _refs(session, assistant)
    counts: dict[str, int] = {}

    assistant.name, assistant.handle = erased_name(assistant.id), erased_handle(assistant.id)
    assistant.slack_user_id = None
    counts["assistants"] = 1
    counts["violations"] = _erase_rows(
        session, Violation, assistant.id, note=ERASED, decision_reason=ERASED
    )
    counts["notes"] = _erase_rows(session, Note, assistant.id, text=ERASED)
    counts["sales_stops"] = _erase_rows(
        session, SalesStop, assistant.id, note=ERASED, lift_note=ERASED
    )

    events = list(session.scalars(select(AuditEvent).where(refs.audit_condition())))
    for event in events:
        event.before = anonymise_audit(event.before, secrets, assistant.id)
        event.after = anonymise_audit(event.after, secrets, assistant.id)
    counts["audit_events"] = len(events)

    linked = _linked_outbox(session, refs)
    for message in linked:
        channel = message.payload.get("channel") if isinstance(message.payload, dict) else None
        message.payload = {"channel": channel, "text": ERASED} if channel else {"text": ERASED}
        if message.status == OutboxStatus.PENDING:
            message.status, message.last_error = OutboxStatus.CANCELLED, "assistant erased"
    counts["outbox"] = len(linked)
    session.flush()

    skip = {"audit_events": {e.id for e in events}, "outbox": {m.id for m in linked}}
    for table, changed in scrub_mentions(session, secrets, skip):
        counts[table] = counts.get(table, 0) + changed
    # Their own rows say "[gelöscht]" by now, so only other files can still name them.
    for table, changed in scrub_other_files(session, identity, assistant.id):
        counts[table] = counts.get(table, 0) + changed
    for table in _other_tables():
        counts.setdefault(table.name, 0)

    audited(
        session, assistant, "assistant.erased", actor=actor, at=now,
        after={"reason": reason, "rows": {k: v for k, v in counts.items() if v}},
    )
    return Erasure(assistant.id, assistant.handle, counts)


def _erase_rows(session: Session, model: Any, assistant_id: int, **texts: str) -> int:
    """Overwrite the free texts of an assistant's rows; empty texts stay empty (nothing said)."""
    rows = list(session.scalars(select(model).where(model.assistant_id == assistant_id)))
    for row in rows:
        for column, replacement in texts.items():
            if getattr(row, column):
                setattr(row, column, replacement)
    return len(rows)


# --- retention ----------------------------------------------------------------------------


def erase_expired(ctx: AppContext, *, months: int, limit: int = 20) -> int:
    """Anonymise assistants whose collaboration ended more than ``months`` ago.

    Safe on several instances: rows are claimed with SKIP LOCKED (PostgreSQL; SQLite runs
    one writer at a time), and an erased assistant no longer matches, so each is done once.
    """
    sessions, now = ctx.sessions, ctx.now()
    cutoff = add_months(ctx.today(), -months)
    erased = 0
    while True:
        with session_scope(sessions) as session:
            query = (
                select(Assistant)
                .where(
                    Assistant.ended_on.is_not(None),
                    Assistant.ended_on < cutoff,
                    Assistant.handle.not_like(f"{RESERVED_HANDLE_PREFIX}%"),
                )
                .order_by(Assistant.id)
                .limit(limit)
            )
            query = skip_locked(session, query, of=Assistant)
            due = [a for a in session.scalars(query) if not is_erased(a)]
            for assistant in due:
                erase_in_session(session, assistant, actor="retention", now=now, reason="retention")
        erased += len(due)
        if len(due) < limit:
            return erased
