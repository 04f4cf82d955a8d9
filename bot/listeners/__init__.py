"""Bolt listeners, one module per Slack surface, each with ``register(app, ctx)``."""

from __future__ import annotations

from slack_bolt import App

from vpabot.bot.context import AppContext


def register_listeners(app: App, ctx: AppContext) -> None:
    from vpabot.bot.listeners import actions, cg, commands, home, manager_actions, options, views

    commands.register(app, ctx)
    views.register(app, ctx)
    actions.register(app, ctx)
    manager_actions.register(app, ctx)
    options.register(app, ctx)
    cg.register(app, ctx)
    home.register(app, ctx)
