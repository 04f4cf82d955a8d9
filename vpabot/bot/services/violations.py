"""Logging violations and notes in the assistant's file (VPA Akte)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from vpabot.bot.blocks.common import fmt_date
from vpabot.bot.blocks.labels import step_label
from vpabot.bot.blocks.manager import build_ermahnung_fyi
from vpabot.bot.context import AppContext
from vpabot.bot.services.common import require_assistant, snapshot
from vpabot.policy.catalogue import Source, Tag
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import (
    AssistantStatus,
    PastViolation,
    ViolationDecision,
    ViolationState,
    decide_violation,
)
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope
from vpabot.storage.models import Assistant, Note, Violation


@dataclass(frozen=True)
class LoggedViolation:
    violation_id: int
    handle: str
    name: str
    source: Source
    tag: Tag
    note: str
    decision: ViolationDecision


def log_violation(
    ctx: AppContext,
    *,
    actor: str,
    handle: str,
    source: Source,
    tag: Tag,
    severe: bool,
    note: str,
) -> LoggedViolation:
    note = note.strip()
    if not note:
        raise PolicyError("note_missing")
    severe = severe or tag.severe
    now, today = ctx.now(), ctx.today()
    with session_scope(ctx.sessions) as session:
        assistant = require_assistant(session, handle, lock=True)
        history = [
            PastViolation(logged_on=v.logged_on, state=ViolationState(v.state))
            for v in assistant.violations
        ]
        decision = decide_violation(
            status=AssistantStatus(assistant.status),
            history=history,
            severe=severe,
            today=today,
            expiry_months=ctx.settings.strike_expiry_months,
        )
        violation = Violation(
            assistant=assistant,
            source=source.value,
            tag=tag.key,
            severe=decision.severe,
            step=int(decision.step) if decision.step else None,
            state=decision.state.value,
            note=note,
            logged_by=actor,
            logged_at=now,
            logged_on=today,
        )
        session.add(violation)
        session.flush()
        repo.audit(
            session,
            actor=actor,
            action="violation.logged",
            at=now,
            subject="violation",
            subject_id=violation.id,
            assistant_id=assistant.id,
            after=snapshot(violation, "source", "tag", "severe", "step", "state", "note"),
        )
        logged = LoggedViolation(
            violation_id=violation.id,
            handle=assistant.handle,
            name=assistant.name,
            source=source,
            tag=tag,
            note=note,
            decision=decision,
        )
        if decision.informs_manager and not decision.needs_approval:
            _inform_managers(ctx, session, assistant, logged, actor=actor)
        return logged


def history_line(ctx: AppContext, assistant: Assistant) -> str:
    """The file in one line, oldest first: what a manager needs at a glance."""
    t, tz = ctx.t, ctx.settings.tz
    parts = [
        f"{step_label(t, v.step, v.severe)} {fmt_date(v.logged_at.astimezone(tz).date(), t.lang)}"
        f" ({ctx.tags.get(v.tag).label}, {t(f'state.{v.state}')})"
        for v in assistant.violations
    ]
    return " · ".join(parts)


def _inform_managers(
    ctx: AppContext, session: Session, assistant: Assistant, logged: LoggedViolation, *, actor: str
) -> None:
    payload = build_ermahnung_fyi(
        ctx.t,
        handle=logged.handle,
        name=logged.name,
        tag=logged.tag.label,
        source=logged.source.value,
        note=logged.note,
        logged_by=actor,
        history=history_line(ctx, assistant),
    )
    for manager in sorted(ctx.settings.manager_ids):
        repo.enqueue(
            session,
            method="chat.postMessage",
            payload={"channel": manager, **payload},
            purpose="manager_fyi",
            subject_id=logged.violation_id,
            now=ctx.now(),
        )


def add_note(ctx: AppContext, *, actor: str, handle: str, text: str) -> tuple[str, str]:
    """An observation that is not a violation: in the file, off the ladder."""
    text = text.strip()
    if not text:
        raise PolicyError("note_missing")
    now = ctx.now()
    with session_scope(ctx.sessions) as session:
        assistant = require_assistant(session, handle, lock=True)
        note = Note(assistant=assistant, text=text, author=actor, created_at=now)
        session.add(note)
        session.flush()
        repo.audit(
            session,
            actor=actor,
            action="note.added",
            at=now,
            subject="note",
            subject_id=note.id,
            assistant_id=assistant.id,
            after={"text": text},
        )
        return assistant.handle, assistant.name
