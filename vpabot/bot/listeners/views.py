"""Modal submissions: validate in the ack (``response_action=errors``), persist after it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from vpabot.bot.commands import grammar as g
from vpabot.bot.context import AppContext
from vpabot.bot.ids import Block, Callback
from vpabot.bot.listeners.commands import execute
from vpabot.bot.listeners.modal_state import modal_values
from vpabot.bot.listeners.replies import friendly_errors, from_metadata
from vpabot.policy.catalogue import parse_source


def _violation(ctx: AppContext, values: dict[str, Any]) -> g.Command:
    return g.LogViolation(
        handle=values[Block.ASSISTANT],
        source=parse_source(values[Block.SOURCE]),
        tag=ctx.tags.parse(values[Block.TAG]),
        severe=bool(values.get(Block.SEVERE)),
        note=values[Block.NOTE],
    )


def _note(ctx: AppContext, values: dict[str, Any]) -> g.Command:
    return g.AddNote(handle=values[Block.ASSISTANT], text=values[Block.NOTE])


def _assistant(ctx: AppContext, values: dict[str, Any]) -> g.Command:
    return g.AddAssistant(handle=values[Block.HANDLE], name=values[Block.NAME])


FORMS = {
    Callback.VIOLATION_MODAL: (_violation, (Block.ASSISTANT, Block.SOURCE, Block.TAG, Block.NOTE)),
    Callback.NOTE_MODAL: (_note, (Block.ASSISTANT, Block.NOTE)),
    Callback.ASSISTANT_MODAL: (_assistant, (Block.HANDLE, Block.NAME)),
}


def register(app: App, ctx: AppContext) -> None:
    t = ctx.t

    for callback, (to_command, required) in FORMS.items():

        def check(ack: Ack, body: dict[str, Any], view: dict[str, Any], required=required) -> None:
            if not ctx.settings.is_admin(body["user"]["id"]):
                ack(response_action="errors", errors={required[0]: t("error.not_admin")})
                return
            values = modal_values(view)
            missing = {b.value: t("error.field_missing") for b in required if not values.get(b)}
            if missing:
                ack(response_action="errors", errors=missing)
                return
            ack()

        def submit(
            body: dict[str, Any], view: dict[str, Any], client: WebClient, to_command=to_command
        ) -> None:
            user_id = body["user"]["id"]
            if not ctx.settings.is_admin(user_id):
                return
            reply = from_metadata(client, user_id, view.get("private_metadata", ""))
            with friendly_errors(t, reply):
                command = to_command(ctx, modal_values(view))
                execute(ctx, command, user_id=user_id, reply=reply, client=client)
            ctx.kick_outbox()

        app.view(callback.value)(ack=check, lazy=[submit])

