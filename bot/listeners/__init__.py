"""The Slack surface: one Bolt listener per surface (``shell.py``), how each payload becomes a
command, and the handlers of those commands.

Importing this package registers every handler (``@handles``): whoever builds a runner
imports it first (``bot/app.py``, and so ``Runtime``), so a worker that claims a row left in
the inbox by a crash knows its handler before the Bolt app exists. The mechanism below it,
``bot/interactions/`` (registry, runner, origin), never imports this package.
"""

from __future__ import annotations

from slack_bolt import App

from vpabot.bot.context import AppContext
from vpabot.bot.interactions.runner import Runner
from vpabot.bot.listeners import actions, commands, options, shell  # noqa: F401 - registers


def register_listeners(app: App, ctx: AppContext, runner: Runner) -> None:
    """Every command, click, form, event and options listener of the app."""
    options.register(app, ctx)  # first: see options.register
    shell.register(app, ctx, runner)
