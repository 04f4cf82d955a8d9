"""App Home: published when the tab is opened and after the viewer changed something.

``refresh_home`` is the one hook the other listeners call after a change; a failed publish is
logged and never turns into an error for the action the user just took.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from vpabot.bot.blocks.home import build_home
from vpabot.bot.context import AppContext
from vpabot.bot.ids import Action
from vpabot.bot.listeners.replies import friendly_errors, to_clicker
from vpabot.bot.services.home import load_home, retry_dead_message

log = logging.getLogger(__name__)


def publish_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    home = load_home(ctx, viewer=user_id)
    view = build_home(
        ctx.t, home, tz=ctx.settings.tz, now=ctx.now(), admin_channel=ctx.settings.admin_channel
    )
    client.views_publish(user_id=user_id, view=view)


def refresh_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Re-publish ``user_id``'s Home tab; never raises."""
    try:
        publish_home(ctx, client, user_id)
    except Exception:
        log.exception("could not publish the Home tab of %s", user_id)


def register(app: App, ctx: AppContext) -> None:
    t = ctx.t

    def ack_only(ack: Ack) -> None:
        ack()

    def opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":  # the Messages tab fires this event too
            refresh_home(ctx, client, event["user"])

    def retry(
        body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        user_id = body["user"]["id"]
        with friendly_errors(t, to_clicker(respond, client, user_id)):
            if retry_dead_message(ctx, actor=user_id, message_id=int(action["value"])):
                ctx.kick_outbox()
        refresh_home(ctx, client, user_id)

    app.event("app_home_opened")(ack=ack_only, lazy=[opened])
    app.action(Action.OUTBOX_RETRY.value)(ack=ack_only, lazy=[retry])
