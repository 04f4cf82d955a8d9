"""Questions to the VPA manager and their answers; the approval and question modals."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, InputBlock, PlainTextInputElement

from vpabot.bot.blocks.common import (
    TEXT_SHOWN_TWICE,
    button,
    context,
    escape,
    excerpt,
    message,
    section,
    user,
    who,
)
from vpabot.bot.blocks.modals import assistant_input, assistant_option, build_modal
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action, Block, Callback
from vpabot.bot.payloads import HandleRef, QuestionRef
from vpabot.policy.text import MAX_TEXT


def build_question(
    t: Translator, *, question_id: int, handle: str, name: str, by: str, question: str, history: str
) -> dict[str, Any]:
    blocks = [
        section(t("question.body", by=user(by), who=who(name, handle), question=excerpt(question))),
        context(t("manager.fyi.history", history=escape(history) or "–")),
        ActionsBlock(
            elements=[
                button(t("question.answer"), Action.CONSULT_ANSWER, QuestionRef(question_id), style="primary"),
                button(t("manager.open_file"), Action.OPEN_FILE, HandleRef(handle)),
            ]
        ),
    ]
    return message(t("question.title"), blocks)


def build_answer(t: Translator, *, handle: str, name: str, by: str, question: str, answer: str) -> dict[str, Any]:
    text = t(
        "question.answered",
        by=user(by),
        who=who(name, handle),
        answer=excerpt(answer, TEXT_SHOWN_TWICE),
        question=excerpt(question, TEXT_SHOWN_TWICE),
    )
    return message(text, [section(text)])


def _text_input(block: Block, label: str, hint: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=label,
        hint=hint,
        element=PlainTextInputElement(action_id="value", multiline=True, max_length=MAX_TEXT),
    )


def build_question_modal(t: Translator, *, metadata: str, assistant: tuple[str, str] | None) -> dict[str, Any]:
    blocks = [
        assistant_input(t, assistant_option(*assistant) if assistant else None),
        _text_input(Block.QUESTION, t("modal.question"), t("modal.question_hint")),
    ]
    return build_modal(t, Callback.QUESTION_MODAL, t("modal.question_title"), blocks, metadata)


def build_answer_modal(t: Translator, *, metadata: str, question: str) -> dict[str, Any]:
    blocks = [section(f"> {excerpt(question)}"), _text_input(Block.ANSWER, t("modal.answer"))]
    return build_modal(t, Callback.ANSWER_MODAL, t("modal.answer_title"), blocks, metadata)


def build_reject_modal(t: Translator, *, metadata: str, step: str, name: str) -> dict[str, Any]:
    blocks = [
        section(t("modal.reject_intro", step=step, name=escape(name))),
        _text_input(Block.REASON_TEXT, t("modal.reject_reason")),
    ]
    return build_modal(t, Callback.REJECT_MODAL, t("modal.reject_title"), blocks, metadata)


def ask_button(t: Translator, handle: str = "") -> ButtonElement:
    """'VPA Manager fragen': for when the admin is unsure (rule 11)."""
    return button(t("button.ask_manager"), Action.CONSULT_ASK, HandleRef(handle or None))
