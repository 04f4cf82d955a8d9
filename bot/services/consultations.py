"""'Melde dich beim VPA Manager, wenn du dir unsicher bist': a question and its answers,
kept in the file as notes of their own kind (they don't count for the ladder)."""

from __future__ import annotations


from vpabot.bot.blocks.consultation import build_answer, build_question
from vpabot.bot.context import AppContext
from vpabot.bot.results.cases import Asked
from vpabot.bot.services.cases import history_line
from vpabot.bot.services.common import admin_recipients, require_assistant
from vpabot.policy.errors import PolicyError
from vpabot.policy.text import user_text
from vpabot.storage import repositories as repo
from vpabot.storage.models import Note


def ask_manager(ctx: AppContext, *, actor: str, handle: str, question: str) -> Asked:
    question = user_text(question)
    if not question:
        raise PolicyError("usage_ask")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle)
        note = Note(assistant=assistant, kind="question", text=question, author=actor, created_at=now)
        session.add(note)
        session.flush()
        repo.audit(
            session,
            actor=actor,
            action="question.asked",
            at=now,
            subject="note",
            subject_id=note.id,
            assistant_id=assistant.id,
            after={"text": question},
        )
        payload = build_question(
            ctx.t,
            question_id=note.id,
            handle=assistant.handle,
            name=assistant.name,
            by=actor,
            question=question,
            history=history_line(ctx, session, assistant.id),
        )
        for manager in sorted(ctx.settings.managers()):
            repo.enqueue(
                session,
                method="chat.postMessage",
                payload={"channel": manager, **payload},
                purpose="consultation",
                subject_id=note.id,
                now=now,
            )
        return Asked(note.id, assistant.handle, assistant.name)


def answer_question(ctx: AppContext, *, actor: str, question_id: int, answer: str) -> str:
    """The manager's answer: into the file, and to the admin who asked. Returns the asker."""
    if not ctx.settings.is_manager(actor):
        raise PolicyError("not_manager")
    answer = user_text(answer)
    if not answer:
        raise PolicyError("field_missing")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        question = session.get(Note, question_id)
        if question is None or question.kind != "question":
            raise PolicyError("question_unknown")
        assistant = question.assistant
        note = Note(assistant=assistant, kind="answer", text=answer, author=actor, created_at=now)
        session.add(note)
        session.flush()
        repo.audit(
            session,
            actor=actor,
            action="question.answered",
            at=now,
            subject="note",
            subject_id=note.id,
            assistant_id=assistant.id,
            after={"text": answer, "question_id": question_id},
        )
        payload = build_answer(
            ctx.t, handle=assistant.handle, name=assistant.name, by=actor, question=question.text, answer=answer
        )
        for channel in admin_recipients(ctx, question.author):
            repo.enqueue(
                session,
                method="chat.postMessage",
                payload={"channel": channel, **payload},
                purpose="consultation_answer",
                subject_id=note.id,
                now=now,
            )
        return question.author
