"""Per Slack surface: how its payloads become commands, and the handlers of those commands.

The Bolt listeners themselves are in ``bot/interactions/shell.py``: one per surface.
"""

from __future__ import annotations

from slack_bolt import App

from vpabot.bot.context import AppContext
from vpabot.bot.interactions.runner import Runner


def register_listeners(app: App, ctx: AppContext, runner: Runner) -> None:
    # Importing the handler modules registers their handlers (``@handles``).
    from vpabot.bot.interactions import shell
    from vpabot.bot.listeners import actions, commands, options  # noqa: F401

    shell.register(app, ctx, runner)
    options.register(app, ctx)
