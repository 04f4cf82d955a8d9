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

    def show_file(user_id: str, handle: str, page: int, respond: Respond, *, replace: bool) -> None:
        if not ctx.settings.is_staff(user_id):
            respond(response_type="ephemeral", replace_original=False, **build_notice(t("error.not_staff")))
            return
        reply = via_response_url(lambda **kw: respond(replace_original=replace, **kw))
        with friendly_errors(t, reply):
            file = open_file(ctx, actor=user_id, handle=handle)
            reply(build_file(t, file, tags=ctx.tags, tz=ctx.settings.tz, page=page))

    def turn_page(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        handle, _, page = action["value"].rpartition(":")
        show_file(body["user"]["id"], handle, int(page or 0), respond, replace=True)

    def open_from_button(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        show_file(body["user"]["id"], action["value"], 0, respond, replace=False)

    app.action(re.compile(rf"^{Action.FILE_PAGE}_(prev|next)$"))(ack=ack_only, lazy=[turn_page])
    app.action(Action.OPEN_FILE.value)(ack=ack_only, lazy=[open_from_button])
