"""Submitted forms: turn a modal's state and metadata into a command, purely.

Runs before the ack, so every typo or bad date is shown next to its field
(``response_action=errors``); the command then runs exactly like a typed one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vpabot.bot import payloads
from vpabot.bot.commands import grammar as g
from vpabot.bot.context import AppContext
from vpabot.bot.ids import Block, Callback
from vpabot.bot.interactions.origin import Origin
from vpabot.bot.services.assistants import checked_new_assistant
from vpabot.policy.catalogue import parse_source
from vpabot.policy.dates import parse_until
from vpabot.policy.errors import PolicyError
from vpabot.policy.stops import StopKind, StopReason
from vpabot.policy.text import parse_number

Parse = Callable[[AppContext, dict[str, Any], str, Origin], "tuple[Any, Origin]"]


@dataclass(frozen=True)
class Form:
    parse: Parse
    required: tuple[Block, ...]


def _reply_to(metadata: str, origin: Origin) -> Origin:
    """Forms opened from a command keep its response_url; the answer goes there."""
    return origin.answering_to(payloads.decode(payloads.ReplyTo, metadata).response_url) if metadata else origin


def _violation(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    command = g.LogViolation(
        handle=values[Block.ASSISTANT],
        source=parse_source(values[Block.SOURCE]),
        tag=ctx.tags.parse(values[Block.TAG]),
        severe=bool(values.get(Block.SEVERE)),
        note=values[Block.NOTE],
    )
    return command, _reply_to(metadata, origin)


def _note(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    return g.AddNote(handle=values[Block.ASSISTANT], text=values[Block.NOTE]), _reply_to(metadata, origin)


def _assistant(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    handle, name = checked_new_assistant(values[Block.HANDLE], values[Block.NAME])
    return g.AddAssistant(handle=handle, name=name), _reply_to(metadata, origin)


def _stop(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    violation = values.get(Block.VIOLATION)
    try:
        reason, kind = StopReason(values[Block.REASON]), StopKind(values[Block.KIND])
    except ValueError as error:
        raise PolicyError("payload_invalid") from error
    # A forged pick may be any digits: no INTEGER overflow on PostgreSQL, a polite refusal.
    violation_id = parse_number(violation, usage="payload_invalid") if violation else None
    if reason is StopReason.VIOLATION and not violation_id:
        raise PolicyError("stop_violation_missing")
    command = g.SetStop(
        handle=values[Block.ASSISTANT],
        kind=kind,
        until=parse_until(values[Block.UNTIL], today=ctx.today()),
        reason=reason,
        note=values.get(Block.NOTE) or "",
        violation_id=violation_id,
    )
    return command, _reply_to(metadata, origin)


def _lift(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    form = payloads.decode(payloads.StopForm, metadata)
    command = g.LiftStop(handle=form.handle, note=values[Block.NOTE], review=form.review)
    return command, origin.answering_to(form.response_url)


def _extend(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    form = payloads.decode(payloads.StopForm, metadata)
    try:
        kind = StopKind(form.kind) if form.kind else None
    except ValueError as error:
        raise PolicyError("payload_invalid") from error
    command = g.ExtendStop(
        handle=form.handle,
        until=parse_until(values[Block.UNTIL], today=ctx.today()),
        kind=kind,
        review=form.review,
    )
    return command, origin.answering_to(form.response_url)


def _reject(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    form = payloads.decode(payloads.CaseForm, metadata)
    command = g.Decide(violation_id=form.violation_id, approve=False, reason=values[Block.REASON_TEXT])
    return command, origin.answering_to(form.response_url)


def _question(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    command = g.AskManager(handle=values[Block.ASSISTANT], question=values[Block.QUESTION])
    return command, _reply_to(metadata, origin)


def _answer(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
    form = payloads.decode(payloads.AnswerForm, metadata)
    command = g.AnswerQuestion(question_id=form.question_id, answer=values[Block.ANSWER])
    return command, origin.answering_to(form.response_url)


FORMS: dict[str, Form] = {
    Callback.VIOLATION_MODAL: Form(_violation, (Block.ASSISTANT, Block.SOURCE, Block.TAG, Block.NOTE)),
    Callback.NOTE_MODAL: Form(_note, (Block.ASSISTANT, Block.NOTE)),
    Callback.ASSISTANT_MODAL: Form(_assistant, (Block.HANDLE, Block.NAME)),
    Callback.STOP_MODAL: Form(_stop, (Block.ASSISTANT, Block.KIND, Block.UNTIL, Block.REASON)),
    Callback.LIFT_MODAL: Form(_lift, (Block.NOTE,)),
    Callback.EXTEND_MODAL: Form(_extend, (Block.UNTIL,)),
    Callback.QUESTION_MODAL: Form(_question, (Block.ASSISTANT, Block.QUESTION)),
    Callback.REJECT_MODAL: Form(_reject, (Block.REASON_TEXT,)),
    Callback.ANSWER_MODAL: Form(_answer, (Block.ANSWER,)),
}



def _measured(parse: Parse) -> Parse:
    """A form's command is measured like a typed one (grammar.checked): limits, formulas."""

    def run(ctx: AppContext, values: dict[str, Any], metadata: str, origin: Origin) -> tuple[Any, Origin]:
        command, origin = parse(ctx, values, metadata, origin)
        return g.checked(command), origin

    return run


FORMS = {callback: Form(_measured(form.parse), form.required) for callback, form in FORMS.items()}

# Which field a refusal belongs next to; anything else goes to the first field.
FIELD_OF_ERROR = {
    "name_missing": Block.NAME,
    "unknown_source": Block.SOURCE,
    "unknown_tag": Block.TAG,
    "stop_violation_missing": Block.VIOLATION,
    "number_too_large": Block.VIOLATION,  # the stop form's pick: the one number a form takes
    "name_too_long": Block.NAME,
    "name_formula": Block.NAME,
}
# A text over its limit (grammar.checked names the command's field) belongs next to its input.
FIELD_OF_TEXT = {
    "note": Block.NOTE,
    "text": Block.NOTE,
    "question": Block.QUESTION,
    "answer": Block.ANSWER,
    "reason": Block.REASON_TEXT,
    "name": Block.NAME,
    "handle": Block.HANDLE,
}


def field_of_error(error: PolicyError, form: Form) -> str:
    """The block id a form's refusal is shown next to."""
    text_block = FIELD_OF_TEXT.get(str(error.params.get("field", "")))
    if text_block is not None and (text_block in form.required or text_block is Block.NOTE):
        return text_block.value  # the stop form's note is optional, so not in ``required``
    block = FIELD_OF_ERROR.get(error.code)
    if block is None:
        block = Block.UNTIL if error.code.startswith("date_") and Block.UNTIL in form.required else form.required[0]
    return block.value
