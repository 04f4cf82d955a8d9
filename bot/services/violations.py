"""Logging violations and notes in the assistant's file (VPA Akte)."""

from __future__ import annotations

from dataclasses import dataclass

from vpabot.bot.context import AppContext
from vpabot.bot.services.approvals import inform_managers, request_approval
from vpabot.bot.services.common import require_assistant, snapshot
from vpabot.policy.catalogue import Source, Tag
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus, ViolationDecision, counting_since, decide_step
from vpabot.storage import repositories as repo
from vpabot.storage.jobs import claim_job_run
from vpabot.storage.models import Note, Violation


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
    once: str | None = None,
) -> LoggedViolation:
    """``once``: a key that makes a repeated request (a double click) log nothing more."""
    note = note.strip()
    if not note:
        raise PolicyError("note_missing")
    severe = severe or tag.severe
    now, today = ctx.now(), ctx.today()
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        if once and not claim_job_run(session, job="violation_request", period=once, now=now):
            raise PolicyError("already_logged", handle=assistant.handle)
        since = counting_since(today=today, expiry_months=ctx.settings.strike_expiry_months)
        decision = decide_step(
            status=AssistantStatus(assistant.status),
            earlier=repo.count_counting_violations(session, assistant.id, since=since),
            severe=severe,
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
        if decision.needs_approval:
            request_approval(ctx, session, violation)
        elif decision.informs_manager:
            inform_managers(ctx, session, violation)
        return logged


def add_note(ctx: AppContext, *, actor: str, handle: str, text: str) -> tuple[str, str]:
    """An observation that is not a violation: in the file, off the ladder."""
    text = text.strip()
    if not text:
        raise PolicyError("note_missing")
    now = ctx.now()
    with ctx.unit_of_work() as session:
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
