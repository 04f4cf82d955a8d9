"""Reading an assistant's file (VPA Akte). Opening it is itself recorded in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from vpabot.bot.blocks.common import fmt_date
from vpabot.bot.blocks.labels import step_label
from vpabot.bot.context import AppContext
from vpabot.bot.services.common import require_assistant
from vpabot.policy.ladder import PastViolation, ViolationState, current_step
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope
from vpabot.storage.models import AuditEvent, Violation


@dataclass(frozen=True)
class ViolationEntry:
    id: int
    logged_at: datetime
    source: str
    tag: str
    severe: bool
    step: int | None
    state: str
    note: str
    logged_by: str
    decision_reason: str | None
    decided_by: str | None
    communicated_at: datetime | None


@dataclass(frozen=True)
class NoteEntry:
    created_at: datetime
    text: str
    author: str
    kind: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    after: dict[str, Any] | None


@dataclass(frozen=True)
class StopEntry:
    kind: str
    starts_on: date
    until: date | None


@dataclass(frozen=True)
class AssistantFile:
    handle: str
    name: str
    status: str
    joined_on: date | None
    counting: int
    violations: list[ViolationEntry]
    notes: list[NoteEntry]
    audit: list[AuditEntry]
    stop: StopEntry | None


def violation_label(ctx: AppContext, v: Violation) -> str:
    """One line naming a violation, for pick lists (date, step, tag)."""
    day = fmt_date(ctx.local(v.logged_at).date(), ctx.t.lang)
    return f"{day} · {step_label(ctx.t, v.step, v.severe)} · {ctx.tags.get(v.tag).label}"


def open_file(ctx: AppContext, *, actor: str, handle: str) -> AssistantFile:
    now = ctx.now()
    with session_scope(ctx.sessions) as session:
        assistant = require_assistant(session, handle)
        repo.audit(
            session,
            actor=actor,
            action="file.opened",
            at=now,
            subject="assistant",
            subject_id=assistant.id,
            assistant_id=assistant.id,
        )
        session.flush()
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.assistant_id == assistant.id)
            .order_by(AuditEvent.id.desc())
        )
        stop = repo.active_stop(session, assistant.id)
        history = [PastViolation(v.logged_on, ViolationState(v.state)) for v in assistant.violations]
        return AssistantFile(
            handle=assistant.handle,
            name=assistant.name,
            status=assistant.status,
            joined_on=assistant.joined_on,
            counting=current_step(
                history, today=ctx.today(), expiry_months=ctx.settings.strike_expiry_months
            ),
            violations=[
                ViolationEntry(
                    id=v.id,
                    logged_at=v.logged_at,
                    source=v.source,
                    tag=v.tag,
                    severe=v.severe,
                    step=v.step,
                    state=v.state,
                    note=v.note,
                    logged_by=v.logged_by,
                    decision_reason=v.decision_reason,
                    decided_by=v.decided_by,
                    communicated_at=v.communicated_at,
                )
                for v in assistant.violations
            ],
            notes=[NoteEntry(n.created_at, n.text, n.author, n.kind) for n in assistant.notes],
            audit=[AuditEntry(e.at, e.actor, e.action, e.after) for e in events],
            stop=StopEntry(stop.kind, stop.starts_on, stop.until) if stop else None,
        )
