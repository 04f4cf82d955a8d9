"""``external_select`` search: the assistant picker. Answers from the database in the ack,
because Slack wants the options in the response itself (one indexed query, limit 100)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from vpabot.bot.blocks.modals import build_assistant_options
from vpabot.bot.context import AppContext
from vpabot.bot.ids import Action
from vpabot.storage import repositories as repo


def register(app: App, ctx: AppContext) -> None:
    def search(ack: Ack, payload: dict[str, Any], body: dict[str, Any]) -> None:
        if not ctx.settings.is_admin(body.get("user", {}).get("id", "")):
            ack(options=[])
            return
        with ctx.sessions() as session:
            found = repo.search_assistants(session, payload.get("value", ""), limit=100)
            pairs = [(a.handle, a.name) for a in found]
        ack(options=build_assistant_options(pairs))

    app.options(Action.ASSISTANT_SELECT.value)(search)
