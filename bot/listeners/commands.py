"""``/vpa``: parse and refuse before the ack (pure), do the work after it (lazy)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from vpabot.bot.blocks.replies import build_error, build_help, build_notice
from vpabot.bot.commands import grammar as g
from vpabot.bot.context import AppContext
from vpabot.bot.commands.run import execute
from vpabot.bot.listeners.home import refresh_home
from vpabot.bot.listeners.replies import friendly_errors, via_response_url
from vpabot.policy.errors import PolicyError

READ_ONLY = (g.ShowHelp, g.OpenFile, g.ListStops, g.ListPending)
CHANGES_NOTHING = (*READ_ONLY, g.OpenModal)  # a modal's submission refreshes App Home instead


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
            parsed = g.parse(command.get("text", ""), ctx.tags, today=ctx.today())
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
            parsed = g.parse(command.get("text", ""), ctx.tags, today=ctx.today())
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
        if not isinstance(parsed, CHANGES_NOTHING):
            refresh_home(ctx, client, command["user_id"])

    app.command("/vpa")(ack=answer_now, lazy=[work_after_ack])
