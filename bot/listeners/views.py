"""Modal submissions: validate in the ack (``response_action=errors``), persist after it.

Turning a modal's values into a command is pure (no database), so every typo or bad date
is shown next to its field before the ack; the work then runs exactly like a typed command.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from vpabot.bot.commands import grammar as g
from vpabot.bot.commands.run import execute
from vpabot.bot.services.assistants import checked_new_assistant
from vpabot.bot.context import AppContext
from vpabot.bot.blocks.replies import error_text
from vpabot.bot.ids import Block, Callback
from vpabot.bot.listeners.home import refresh_home
from vpabot.bot.listeners.modal_state import modal_values
from vpabot.bot.listeners.replies import friendly_errors, from_metadata
from vpabot.policy.catalogue import parse_source
from vpabot.policy.dates import parse_until
from vpabot.policy.errors import PolicyError
from vpabot.policy.stops import StopKind, StopReason
from vpabot.policy.text import parse_number

ToCommand = Callable[[AppContext, dict[str, Any], dict[str, Any]], g.Command]


def _violation(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    return g.LogViolation(
        handle=values[Block.ASSISTANT],
        source=parse_source(values[Block.SOURCE]),
        tag=ctx.tags.parse(values[Block.TAG]),
        severe=bool(values.get(Block.SEVERE)),
        note=values[Block.NOTE],
    )


def _note(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    return g.AddNote(handle=values[Block.ASSISTANT], text=values[Block.NOTE])


def _assistant(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    handle, name = checked_new_assistant(values[Block.HANDLE], values[Block.NAME])
    return g.AddAssistant(handle=handle, name=name)


def _stop(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    violation = values.get(Block.VIOLATION)
    reason = StopReason(values[Block.REASON])
    if reason is StopReason.VIOLATION and not violation:
        raise PolicyError("stop_violation_missing")
    return g.SetStop(
        handle=values[Block.ASSISTANT],
        kind=StopKind(values[Block.KIND]),
        until=parse_until(values[Block.UNTIL], today=ctx.today()),
        reason=reason,
        note=values.get(Block.NOTE) or "",
        violation_id=parse_number(violation, usage="stop_violation_missing") if violation else None,
    )


def _lift(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    return g.LiftStop(handle=meta["handle"], note=values[Block.NOTE], review=meta.get("review"))


def _extend(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    return g.ExtendStop(
        handle=meta["handle"],
        until=parse_until(values[Block.UNTIL], today=ctx.today()),
        kind=StopKind(meta["kind"]) if meta.get("kind") else None,
        review=meta.get("review"),
    )


def _reject(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    return g.Decide(
        violation_id=parse_number(str(meta.get("violation_id")), usage="violation_unknown"),
        approve=False,
        reason=values[Block.REASON_TEXT],
    )


def _question(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    return g.AskManager(handle=values[Block.ASSISTANT], question=values[Block.QUESTION])


def _answer(ctx: AppContext, values: dict[str, Any], meta: dict[str, Any]) -> g.Command:
    return g.AnswerQuestion(
        question_id=parse_number(str(meta.get("question_id")), usage="question_unknown"),
        answer=values[Block.ANSWER],
    )


ADMINS, MANAGERS = "admin", "manager"

FORMS: dict[Callback, tuple[ToCommand, tuple[Block, ...], str]] = {
    Callback.VIOLATION_MODAL: (_violation, (Block.ASSISTANT, Block.SOURCE, Block.TAG, Block.NOTE), ADMINS),
    Callback.NOTE_MODAL: (_note, (Block.ASSISTANT, Block.NOTE), ADMINS),
    Callback.ASSISTANT_MODAL: (_assistant, (Block.HANDLE, Block.NAME), ADMINS),
    Callback.STOP_MODAL: (_stop, (Block.ASSISTANT, Block.KIND, Block.UNTIL, Block.REASON), ADMINS),
    Callback.LIFT_MODAL: (_lift, (Block.NOTE,), ADMINS),
    Callback.EXTEND_MODAL: (_extend, (Block.UNTIL,), ADMINS),
    Callback.QUESTION_MODAL: (_question, (Block.ASSISTANT, Block.QUESTION), ADMINS),
    Callback.REJECT_MODAL: (_reject, (Block.REASON_TEXT,), MANAGERS),
    Callback.ANSWER_MODAL: (_answer, (Block.ANSWER,), MANAGERS),
}

# Which field a refusal belongs next to; anything else goes to the first field.
FIELD_OF_ERROR = {
    "name_missing": Block.NAME,
    "unknown_source": Block.SOURCE,
    "unknown_tag": Block.TAG,
    "stop_violation_missing": Block.VIOLATION,
    "name_too_long": Block.NAME,
    "name_formula": Block.NAME,
    "handle_too_long": Block.HANDLE,
    "number_too_large": Block.VIOLATION,  # the stop form's pick; in other forms: first field
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


def _field_of(error: PolicyError, required: tuple[Block, ...], values: dict[str, Any]) -> Block:
    block = FIELD_OF_TEXT.get(error.params.get("field", ""))
    if block is not None and block.value in values:
        return block
    block = FIELD_OF_ERROR.get(error.code)
    if block is not None and (block.value in values or block is not Block.VIOLATION):
        return block
    return Block.UNTIL if error.code.startswith("date_") else required[0]


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def register(app: App, ctx: AppContext) -> None:
    t = ctx.t

    def allowed(who: str, user_id: str) -> bool:
        return ctx.settings.is_manager(user_id) if who == MANAGERS else ctx.settings.is_admin(user_id)

    def listeners(to_command: ToCommand, required: tuple[Block, ...], who: str) -> tuple[Any, Any]:
        # A factory, not default arguments: Bolt fills listener arguments by name.
        def check(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            if not allowed(who, body["user"]["id"]):
                key = "error.not_manager" if who == MANAGERS else "error.not_admin"
                ack(response_action="errors", errors={required[0].value: t(key)})
                return
            values = modal_values(view)
            missing = {b.value: t("error.field_missing") for b in required if not values.get(b)}
            if missing:
                ack(response_action="errors", errors=missing)
                return
            try:
                g.checked(to_command(ctx, values, _metadata(view)))
            except PolicyError as error:
                block = _field_of(error, required, values)
                ack(response_action="errors", errors={block.value: error_text(t, error)})
                return
            ack()

        def submit(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
            user_id = body["user"]["id"]
            if not allowed(who, user_id):
                return
            reply = from_metadata(client, user_id, view.get("private_metadata", ""))
            with friendly_errors(t, reply):
                command = g.checked(to_command(ctx, modal_values(view), _metadata(view)))
                execute(ctx, command, user_id=user_id, reply=reply, client=client)
            ctx.kick_outbox()
            refresh_home(ctx, client, user_id)

        return check, submit

    for callback, (to_command, required, who) in FORMS.items():
        check, submit = listeners(to_command, required, who)
        app.view(callback.value)(ack=check, lazy=[submit])
