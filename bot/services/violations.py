"""Logging violations and notes in the assistant's file (VPA Akte)."""

from __future__ import annotations


from vpabot.bot.context import AppContext
from vpabot.bot.results.cases import LoggedViolation
from vpabot.bot.services.approvals import inform_managers, request_approval
from vpabot.bot.services.common import audited, require_assistant, snapshot
from vpabot.policy.catalogue import Source, Tag
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import counting_since, decide_step
from vpabot.policy.text import user_text
from vpabot.storage import repositories as repo
from vpabot.storage.models import Note, SevereQuestion, Violation


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
    """Log one violation on the ladder (seed rules 1-3); managers hear of it where rule 4/5 say.

    Raises ``PolicyError`` for an empty note, an unknown assistant or an ended collaboration.
    """
    note = user_text(note)
    if not note:
        raise PolicyError("note_missing")
    severe = severe or tag.severe
    now, today = ctx.now(), ctx.today()
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        since = counting_since(today=today, expiry_months=ctx.settings.strike_expiry_months)
        decision = decide_step(
            status=assistant.status,
            earlier=repo.count_counting_violations(session, assistant.id, since=since),
            severe=severe,
        )
        violation = Violation(
            assistant=assistant,
            source=source,
            tag=tag.key,
            severe=decision.severe,
            step=int(decision.step) if decision.step else None,
            state=decision.state,
            note=note,
            logged_by=actor,
            logged_at=now,
            logged_on=today,
        )
        session.add(violation)
        session.flush()
        audited(
            session, violation, "violation.logged", actor=actor, at=now,
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
    text = user_text(text)
    if not text:
        raise PolicyError("note_missing")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        note = Note(assistant=assistant, text=text, author=actor, created_at=now)
        session.add(note)
        session.flush()
        audited(session, note, "note.added", actor=actor, at=now, after={"text": text})
        return assistant.handle, assistant.name


def ask_severe(ctx: AppContext, *, actor: str, handle: str, source: Source, tag: Tag, note: str, word: str) -> int:
    """Keep a typed-``schwer`` case until the admin confirms it; returns the question's id.

    The case waits in the database, so the buttons carry only this id (a button value holds
    2,000 characters, a note up to the note limit). Raises ``PolicyError`` for an unknown
    assistant, so nobody is asked about a case that could not be logged.
    """
    with ctx.unit_of_work() as session:
        require_assistant(session, handle)
        question = SevereQuestion(
            command={"handle": handle, "source": source.value, "tag": tag.key, "note": note, "word": word},
            asked_by=actor,
            asked_at=ctx.now(),
        )
        session.add(question)
        session.flush()
        return question.id


def answer_severe(ctx: AppContext, *, actor: str, question_id: int, severe: bool) -> LoggedViolation:
    """The first answer logs the case (severe, or the word was part of the note after all:
    "schwer erreichbar"); any later click raises ``PolicyError("already_logged")``."""
    with ctx.unit_of_work() as session:
        question = session.get(SevereQuestion, question_id, with_for_update=True)
        if question is None:
            raise PolicyError("payload_invalid")
        case = question.command
        if question.answered_at is not None:
            raise PolicyError("already_logged", handle=case["handle"])
        question.answered_at = ctx.now()
        return log_violation(
            ctx,
            actor=actor,
            handle=case["handle"],
            source=Source(case["source"]),
            tag=ctx.tags.parse(case["tag"]),
            severe=severe,
            note=case["note"] if severe else f"{case['word']} {case['note']}",
        )
