"""``/vpa``: parse and refuse before the ack (pure), do the work after it (lazy)."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from vpabot.bot.blocks.file import build_file
from vpabot.bot.blocks.modals import build_assistant_modal, build_note_modal, build_violation_modal
from vpabot.bot.blocks.replies import (
    build_assistant_added,
    build_error,
    build_help,
    build_note_added,
    build_notice,
    build_violation_logged,
)
from vpabot.bot.commands import grammar as g
from vpabot.bot.context import AppContext
from vpabot.bot.listeners.replies import Reply, friendly_errors, via_response_url
from vpabot.bot.services.assistants import add_assistant
from vpabot.bot.services.files import open_file
from vpabot.bot.services.violations import add_note, log_violation
from vpabot.policy.errors import PolicyError

MODALS = {
    "violation": lambda ctx, meta: build_violation_modal(ctx.t, ctx.tags, metadata=meta),
    "note": lambda ctx, meta: build_note_modal(ctx.t, metadata=meta),
    "assistant": lambda ctx, meta: build_assistant_modal(ctx.t, metadata=meta),
}


def execute(
    ctx: AppContext,
    command: g.Command,
    *,
    user_id: str,
    reply: Reply,
    client: WebClient,
    trigger_id: str = "",
    response_url: str = "",
) -> None:
    """Run one parsed command as ``user_id``; answers go to ``reply``."""
    t = ctx.t
    match command:
        case g.OpenModal(modal=modal):
            metadata = json.dumps({"response_url": response_url})
            client.views_open(trigger_id=trigger_id, view=MODALS[modal](ctx, metadata))
        case g.AddAssistant(handle=handle, name=name):
            assistant = add_assistant(ctx, actor=user_id, handle=handle, name=name)
            reply(build_assistant_added(t, assistant.handle, assistant.name))
        case g.LogViolation():
            logged = log_violation(
                ctx,
                actor=user_id,
                handle=command.handle,
                source=command.source,
                tag=command.tag,
                severe=command.severe,
                note=command.note,
            )
            reply(build_violation_logged(t, logged))
        case g.AddNote(handle=handle, text=text):
            reply(build_note_added(t, *add_note(ctx, actor=user_id, handle=handle, text=text)))
        case g.OpenFile(handle=handle):
            file = open_file(ctx, actor=user_id, handle=handle)
            reply(build_file(t, file, tags=ctx.tags, tz=ctx.settings.tz))
        case g.ShowHelp():
            reply(build_help(t, ctx.tags))


READ_ONLY = (g.ShowHelp, g.OpenFile)


def refusal(ctx: AppContext, user_id: str, command: g.Command | None) -> str | None:
    """Admins may do everything; managers may read; anyone else gets a polite no."""
    if ctx.settings.is_admin(user_id):
        return None
    if ctx.settings.is_manager(user_id) and isinstance(command, READ_ONLY):
        return None
    return "error.not_admin"


def register(app: App, ctx: AppContext) -> None:
    t = ctx.t

    def answer_now(ack: Ack, command: dict[str, Any]) -> None:
        """Within Slack's 3 seconds: refusals, typos and help need no database."""
        try:
            parsed = g.parse(command.get("text", ""), ctx.tags)
        except PolicyError as error:
            parsed, problem = None, error
        else:
            problem = None
        refused = refusal(ctx, command["user_id"], parsed)
        if refused:
            ack(**build_notice(t(refused)))
            return
        if problem is not None:
            ack(**build_error(t, problem))
            return
        if isinstance(parsed, g.ShowHelp):
            ack(**build_help(t, ctx.tags))
            return
        ack()

    def work_after_ack(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        try:
            parsed = g.parse(command.get("text", ""), ctx.tags)
        except PolicyError:
            return  # answered in the ack
        if refusal(ctx, command["user_id"], parsed) or isinstance(parsed, g.ShowHelp):
            return
        reply = via_response_url(respond)
        with friendly_errors(t, reply):
            execute(
                ctx,
                parsed,
                user_id=command["user_id"],
                reply=reply,
                client=client,
                trigger_id=command.get("trigger_id", ""),
                response_url=command.get("response_url", ""),
            )
        ctx.kick_outbox()

    app.command("/vpa")(ack=answer_now, lazy=[work_after_ack])
