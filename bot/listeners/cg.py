"""The CG buttons: 'VT-Stop setzen' for an overdue assistant, 'VT-Stop aufheben' after acceptance.

Both change a stop, so both are for admins only; the services refuse stale clicks.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from vpabot.bot.blocks.replies import build_notice
from vpabot.bot.commands.run import stop_reply
from vpabot.bot.context import AppContext
from vpabot.bot.ids import Action
from vpabot.bot.listeners.home import refresh_home
from vpabot.bot.listeners.replies import friendly_errors, to_clicker
from vpabot.bot.services.cg import lift_cg_stop
from vpabot.bot.services.stops import ReviewToken, set_cg_stop


def register(app: App, ctx: AppContext) -> None:
    t = ctx.t

    def ack_only(ack: Ack) -> None:
        ack()

    def set_stop(
        body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        # to_clicker: 'VT-Stop setzen' is on App Home too, where Slack gives no response_url.
        user_id = body["user"]["id"]
        reply = to_clicker(respond, client, user_id)
        if not ctx.settings.is_admin(user_id):
            reply(build_notice(t("error.not_admin")))
            return
        with friendly_errors(t, reply):
            reply(stop_reply(ctx, set_cg_stop(ctx, actor=user_id, handle=action["value"])))
        ctx.kick_outbox()
        refresh_home(ctx, client, user_id)

    def lift_stop(
        body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        user_id = body["user"]["id"]
        reply = to_clicker(respond, client, user_id)
        if not ctx.settings.is_admin(user_id):
            reply(build_notice(t("error.not_admin")))
            return
        with friendly_errors(t, reply):
            token = ReviewToken.decode(action["value"])
            reply(stop_reply(ctx, lift_cg_stop(ctx, actor=user_id, token=token)))
        ctx.kick_outbox()
        refresh_home(ctx, client, user_id)

    app.action(Action.CG_STOP_SET.value)(ack=ack_only, lazy=[set_stop])
    app.action(Action.CG_STOP_LIFT.value)(ack=ack_only, lazy=[lift_stop])
