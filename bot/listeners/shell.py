"""The Bolt listeners: parse, authorise, claim once, ack. Nothing else runs before the ack.

Every surface follows the same four steps:
1. turn Slack's payload into a command (pure: ``grammar.parse``, a click decoder, a form
   parser); a payload that does not fit is a polite refusal, never a traceback;
2. check the handler's role for the user;
3. hand the command to the runner: a write is stored in the durable inbox under the key
   Slack sends (a retried delivery is recognised and ignored); a read or modal goes to a
   bounded pool; either may answer "busy";
4. ack, with the refusal or "busy" where Slack lets an ack carry text.
No work runs after an ack that refused.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from vpabot.bot import logs, metrics
from vpabot.bot.mrkdwn import unescape
from vpabot.bot.blocks.replies import build_error, build_notice, build_notice_modal, error_text
from vpabot.bot.commands import grammar
from vpabot.bot.context import AppContext
from vpabot.bot.interactions.origin import (
    Origin,
    action_origin,
    command_origin,
    shortcut_origin,
    user_of,
    view_origin,
)
from vpabot.bot.interactions.registry import Turn, handler_for
from vpabot.bot.interactions.runner import Outcome, Runner
from vpabot.bot.listeners.actions import decode_click, decode_shortcut
from vpabot.bot.listeners.modal_state import modal_values
from vpabot.bot.listeners.views import FORMS, field_of_error
from vpabot.policy.errors import PolicyError

log = logging.getLogger(__name__)


def register(app: App, ctx: AppContext, runner: Runner) -> None:
    """Register one listener per surface on ``app``; the registry does the routing."""
    t = ctx.t
    app.command("/vpa")(guarded(command_listener(ctx, runner, app.client), "command", t))
    app.action(re.compile(".+"))(guarded(action_listener(ctx, runner), "action", t))
    app.view(re.compile(".+"))(guarded(view_listener(ctx, runner), "view", t))
    app.shortcut(re.compile(".+"))(guarded(shortcut_listener(ctx, runner), "shortcut", t))
    app.event("app_home_opened")(guarded(home_listener(runner), "event", t))
    app.event("subteam_members_changed")(guarded(group_listener(ctx, runner), "event", t))


# Each factory returns one Bolt listener; Bolt passes arguments by their names.


def command_listener(ctx: AppContext, runner: Runner, client: WebClient) -> Callable[..., str]:
    t = ctx.t

    def on_command(ack: Ack, body: dict[str, Any]) -> str:
        origin, key = command_origin(body)
        try:
            command = grammar.parse(unescape(body.get("text") or ""), ctx.tags, today=ctx.today())
        except PolicyError as problem:
            # Outsiders learn nothing about the grammar: the role check comes first.
            refusal = build_error(t, problem) if ctx.settings.is_staff(origin.user_id) else build_notice(t("error.not_admin"))
            ack(**refusal)
            return REFUSED
        handler = handler_for(command)
        if not handler.who.allows(ctx, origin.user_id):
            ack(**build_notice(t(handler.who.refusal)))
            return REFUSED
        if handler.in_ack:
            ack(**(handler.run(Turn(ctx, origin, client), command) or {}))
            return OK
        outcome = runner.accept(command, origin, key)
        ack(**build_notice(t("error.busy"))) if outcome is Outcome.BUSY else ack()
        return outcome.value

    return on_command


def hand_over(ctx: AppContext, runner: Runner, command: Any, origin: Origin, key: str) -> str:
    """Clicks and shortcuts, after their (empty) ack: role check, then the runner; a refusal,
    "busy" or a failure to take the click on (the database away) is told through the
    response_url (or a DM): an ack without text would otherwise leave the click unanswered."""
    handler = handler_for(command)
    if not handler.who.allows(ctx, origin.user_id):
        runner.tell(origin, build_notice(ctx.t(handler.who.refusal)))
        return REFUSED
    try:
        outcome = runner.accept(command, origin, key)
    except Exception:
        runner.tell(origin, build_notice(ctx.t("error.internal")))
        raise  # logged and counted by ``guarded``
    if outcome is Outcome.BUSY:
        runner.tell(origin, runner.busy_notice())
    return outcome.value


def action_listener(ctx: AppContext, runner: Runner) -> Callable[..., str]:
    def on_action(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> str:
        origin, key = action_origin(body, action)
        ack()  # a click's ack carries no text: refusals follow through the response_url
        try:
            command, origin = decode_click(ctx, action, origin)
        except PolicyError as problem:
            runner.tell(origin, build_error(ctx.t, problem))
            return REFUSED
        return hand_over(ctx, runner, command, origin, key)

    return on_action


def shortcut_listener(ctx: AppContext, runner: Runner) -> Callable[..., str]:
    def on_shortcut(ack: Ack, body: dict[str, Any]) -> str:
        origin, key = shortcut_origin(body)
        ack()  # a shortcut's ack carries no text either
        try:
            command = decode_shortcut(body)
        except PolicyError as problem:
            runner.tell(origin, build_error(ctx.t, problem))
            return REFUSED
        return hand_over(ctx, runner, command, origin, key)

    return on_shortcut


def view_listener(ctx: AppContext, runner: Runner) -> Callable[..., str]:
    t = ctx.t

    def on_view(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> str:
        form = FORMS.get(view.get("callback_id") or "")
        if form is None:
            ack()
            return REFUSED
        origin, key = view_origin(body, view)
        first = form.required[0].value
        values = modal_values(view)
        missing = {b.value: t("error.field_missing") for b in form.required if not values.get(b)}
        try:
            if missing:
                ack(response_action="errors", errors=missing)
                return REFUSED
            command, origin = form.parse(ctx, values, view.get("private_metadata") or "", origin)
        except PolicyError as error:
            ack(response_action="errors", errors={field_of_error(error, form): error_text(t, error)})
            return REFUSED
        handler = handler_for(command)
        if not handler.who.allows(ctx, origin.user_id):
            ack(response_action="errors", errors={first: t(handler.who.refusal)})
            return REFUSED
        outcome = runner.accept(command, origin, key)
        ack(response_action="errors", errors={first: t("error.busy")}) if outcome is Outcome.BUSY else ack()
        return outcome.value

    return on_view


def home_listener(runner: Runner) -> Callable[..., str]:
    # Opening Home writes nothing, so its event is not claimed in the database; a retried
    # delivery (same event_id) is still recognised here, per process, and renders nothing.
    seen = RecentKeys()

    def on_home_opened(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> str:
        ack()
        if not seen.first(str(body.get("event_id") or "")):
            return "duplicate"
        user_id = str(event.get("user") or "")
        if event.get("tab", "home") == "home" and user_id:  # the Messages tab fires it too
            return runner.home_opened(user_id, str(body.get("event_id") or "")).value
        return OK

    return on_home_opened


class RecentKeys:
    """The last ``size`` keys seen, for recognising a repeat within minutes (Slack retries
    an event within about an hour at most three times)."""

    def __init__(self, size: int = 10_000) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first(self, key: str) -> bool:
        """True the first time ``key`` is seen (an empty key always counts as new)."""
        if not key:
            return True
        with self._lock:
            if key in self._keys:
                return False
            self._keys[key] = None
            if len(self._keys) > self._size:
                self._keys.popitem(last=False)
            return True


def group_listener(ctx: AppContext, runner: Runner) -> Callable[..., str]:
    def on_group_changed(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> str:
        ack()
        settings = ctx.settings
        if getattr(settings, "groups", None):
            subteam = str(event.get("subteam_id") or "")
            changed = [str(u) for key in ("added_users", "removed_users") for u in event.get(key) or []]

            # Someone who left the admin group must not keep a Home full of names they may no
            # longer see (and a newcomer gets theirs): the runner re-reads the group and
            # re-renders the changed users' Homes, in every process that checks roles.
            runner.groups_changed(subteam, changed)
        return OK

    return on_group_changed


OK, REFUSED = "ok", "refused"


def guarded(listener: Callable[..., str], kind: str, t: Any) -> Callable[..., None]:
    """Every listener's frame: log fields bound, ack latency and outcome counted
    (``/metrics``), and a payload no check foresaw never becomes a 500 with a traceback
    for Slack to retry: one log line, and an ack (with the internal-error message where an
    ack carries text)."""

    @functools.wraps(listener)  # Bolt reads the wrapped listener's argument names
    def run(**kwargs: Any) -> None:
        ack: Ack = kwargs["ack"]
        body = kwargs.get("body") or {}
        started = time.perf_counter()
        request_id = body.get("trigger_id") or body.get("event_id") or None
        with logs.request_context(request_id=request_id, user_id=user_of(body) or None, kind=kind):
            try:
                outcome = listener(**kwargs)
            except Exception as error:  # noqa: BLE001 - the boundary: nothing may escape to Bolt
                outcome = "error"
                log.warning("could not handle this %s request: %s: %s", kind, type(error).__name__, error)
                if ack.response is None:
                    _ack_failure(ack, kind, t)
        metrics.request_acked(kind=kind, outcome=outcome, seconds=time.perf_counter() - started)

    return run


def _ack_failure(ack: Ack, kind: str, t: Any) -> None:
    """The ack after a failure no check foresaw: a command says so; a form is replaced by a
    message (an empty ack would close it as if it had been saved); anything else acks."""
    if kind == "command":
        ack(**build_notice(t("error.internal")))
    elif kind == "options":  # a picker shows "no options", not Slack's own error
        ack(options=[])
    elif kind == "view":
        ack(response_action="update", view=build_notice_modal(t, t("error.form_unreadable")))
    else:
        ack()

