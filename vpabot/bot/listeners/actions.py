"""Button clicks. Each one is checked against who may click it."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from vpabot.bot.blocks.file import build_file
from vpabot.bot.blocks.replies import build_notice
from vpabot.bot.context import AppContext
from vpabot.bot.ids import Action
from vpabot.bot.listeners.replies import friendly_errors, via_response_url
from vpabot.bot.services.files import open_file


def register(app: App, ctx: AppContext) -> None:
    t = ctx.t

    def ack_only(ack: Ack) -> None:
        ack()

    def turn_page(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        user_id = body["user"]["id"]
        if not ctx.settings.is_admin(user_id):
            respond(response_type="ephemeral", replace_original=False, **build_notice(t("error.not_admin")))
            return
        handle, _, page = action["value"].rpartition(":")
        reply = via_response_url(lambda **kw: respond(replace_original=True, **kw))
        with friendly_errors(t, reply):
            file = open_file(ctx, actor=user_id, handle=handle)
            reply(build_file(t, file, tags=ctx.tags, tz=ctx.settings.tz, page=int(page or 0)))

    app.action(re.compile(rf"^{Action.FILE_PAGE}_(prev|next)$"))(ack=ack_only, lazy=[turn_page])
