"""'Melde dich beim VPA Manager, wenn du dir unsicher bist': a question and its answers,
kept in the file as notes of their own kind (they don't count for the ladder)."""

from __future__ import annotations


from vpabot.bot.context import AppContext
from vpabot.bot.results.cases import Asked
from vpabot.bot.services.cases import history_line
from vpabot.bot.results.notices import QuestionAnswered, QuestionAsked
from vpabot.bot.services.common import audited, require_assistant
from vpabot.bot.services.notify import notify
from vpabot.policy.errors import PolicyError
from vpabot.policy.notes import NoteKind
from vpabot.policy.text import user_text
from vpabot.storage.models import Note


def ask_manager(ctx: AppContext, *, actor: str, handle: str, question: str) -> Asked:
    question = user_text(question)
    if not question:
        raise PolicyError("usage_ask")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle)
        note = Note(
            assistant=assistant, kind=NoteKind.QUESTION, text=question, author=actor, created_at=now
        )
        session.add(note)
        session.flush()
        audited(session, note, "question.asked", actor=actor, at=now, after={"text": question})
        history = history_line(ctx, session, assistant.id)
        asked = QuestionAsked(note.id, assistant.handle, assistant.name, actor, question, history)
        notify(ctx, session, asked)
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
        if question is None or question.kind != NoteKind.QUESTION:
            raise PolicyError("question_unknown")
        assistant = question.assistant
        note = Note(
            assistant=assistant, kind=NoteKind.ANSWER, text=answer, author=actor, created_at=now
        )
        session.add(note)
        session.flush()
        audited(
            session, note, "question.answered", actor=actor, at=now,
            after={"text": answer, "question_id": question_id},
        )
        notify(
            ctx,
            session,
            QuestionAnswered(
                note.id, assistant.handle, assistant.name, actor, question.text, answer,
                admin=question.author,
            ),
        )  # fmt: skip
        return question.author
