"""``external_select`` searches. Slack wants the options in the response itself, so these
answer from the database inside the ack: one indexed query, at most 26 rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.models.blocks import Option
from sqlalchemy import select

from vpabot.bot.blocks.common import MAX_BUTTON, clip
from vpabot.bot.blocks.modals import build_assistant_choices
from vpabot.bot.context import AppContext
from vpabot.bot.ids import Action, Block
from vpabot.bot.listeners.modal_state import modal_values
from vpabot.bot.listeners.shell import OK, guarded
from vpabot.bot.services.files import violation_label
from vpabot.policy.text import MAX_NAME, clean
from vpabot.storage import repositories as repo
from vpabot.storage.models import Violation


# Answered inside the ack: a short page read off the index, and "more than 25, keep typing"
# instead of Slack's maximum of 100 options that nobody scrolls through.
PICKER_LIMIT = 25


def register(app: App, ctx: AppContext) -> None:
    """One Bolt listener for every options request, registered before the other surfaces.

    Bolt tries its listeners in registration order, and each try builds every listener
    argument (``build_required_kwargs``, ~7 us of CPU): behind the six shell listeners an
    options answer paid for six failed tries, on the request type a user sends on every key
    typed. One listener, tried first, costs the other surfaces one try (their acks write to the
    database, so that is noise there); its ``action_id`` picks the search."""
    searches: dict[str, Callable[..., None]] = {
        # The forms write (admins); the Home's file search reads, like `/vpa akte` (managers too).
        Action.ASSISTANT_SELECT.value: _assistant_search(ctx, ctx.settings.is_admin),
        Action.HOME_FILE_SEARCH.value: _assistant_search(ctx, ctx.settings.is_staff),
        Action.VIOLATION_SELECT.value: _violations_of_chosen_assistant(ctx),
    }

    def on_options(ack: Ack, payload: dict[str, Any], body: dict[str, Any]) -> str:
        searches[payload["action_id"]](ack, payload, body)
        return OK

    # Guarded like every listener: a database gone away answers "no options" and logs one
    # line (no traceback, no typed text), and the ack is timed for /metrics.
    on_options = guarded(on_options, "options", ctx.t)

    # Only these ids: any other still finds no listener, as before (Bolt answers 404).
    app.options({"action_id": re.compile("^(?:" + "|".join(map(re.escape, searches)) + ")$")})(on_options)


def _assistant_search(ctx: AppContext, allowed: Callable[[str], bool]) -> Callable[..., None]:
    """One search for every assistant picker; ``allowed``: who may see names in it."""

    def search_assistants(ack: Ack, payload: dict[str, Any], body: dict[str, Any]) -> None:
        if not allowed(body.get("user", {}).get("id", "")):
            ack(options=[])
            return
        # What is typed in a picker is user text too: no NUL to PostgreSQL, no 10,000 characters.
        typed = clean(str(payload.get("value") or ""))[:MAX_NAME]
        with ctx.read_connection() as connection:
            found = repo.find_assistants(connection, typed, limit=PICKER_LIMIT)
        pairs = [(a.handle, a.name) for a in found.rows]
        ack(**build_assistant_choices(ctx.t, pairs, more=found.more))

    return search_assistants


def _violations_of_chosen_assistant(ctx: AppContext) -> Callable[..., None]:
    def violations_of_chosen_assistant(ack: Ack, payload: dict[str, Any], body: dict[str, Any]) -> None:
        """The stop form's 'which violation': those of the assistant picked above, newest first."""
        handle = modal_values(body.get("view") or {}).get(Block.ASSISTANT)
        if not ctx.settings.is_admin(body.get("user", {}).get("id", "")) or not handle:
            ack(options=[])
            return
        with ctx.read() as session:
            assistant = repo.get_assistant(session, handle)
            found = (
                session.scalars(
                    select(Violation)
                    .where(Violation.assistant_id == assistant.id)
                    .order_by(Violation.id.desc())
                    .limit(100)
                ).all()
                if assistant
                else []
            )
            options = [Option(value=str(v.id), text=clip(violation_label(ctx, v), MAX_BUTTON)).to_dict() for v in found]
        ack(options=options)

    return violations_of_chosen_assistant
