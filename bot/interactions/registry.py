"""Commands and their handlers: who may run each, whether it writes, and how it answers.

A handler is a plain function ``(turn, command) -> reply payload | None`` registered with
``@handles(CommandType, who=..., writes=...)``. Everything Slack sends (a typed ``/vpa``, a
click, a submitted form) is first turned into one of these commands; the shell then looks
the handler up here. Reading the registrations tells a newcomer the whole surface.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from vpabot.bot.commands import clicks, events, grammar
from vpabot.bot.context import AppContext
from vpabot.bot.interactions.origin import Origin
from vpabot.policy.errors import PolicyError

log = logging.getLogger(__name__)


class Role(Enum):
    ADMIN = "admin"  # VPA_ADMIN_IDS: everything that writes
    MANAGER = "manager"  # VPA_MANAGER_IDS: decisions and answers
    STAFF = "staff"  # admins and managers: reading files (personal data)
    ANYONE = "anyone"  # the App Home of whoever opens it

    def allows(self, ctx: AppContext, user_id: str) -> bool:
        settings = ctx.settings
        if self is Role.ADMIN:
            return settings.is_admin(user_id)
        if self is Role.MANAGER:
            return settings.is_manager(user_id)
        if self is Role.STAFF:
            return settings.is_staff(user_id)
        return bool(user_id)

    @property
    def refusal(self) -> str:
        """The message key a refused user reads."""
        return {Role.MANAGER: "error.not_manager", Role.STAFF: "error.not_staff"}.get(
            self, "error.not_admin"
        )


@dataclass
class Turn:
    """One request being handled: the context, who asked and where the answer goes, and the
    Web API client for what must happen now (opening a modal)."""

    ctx: AppContext
    origin: Origin
    client: WebClient
    modal: bool = True  # the handler said it opens a modal here (``Handler.opens_modal``)

    @property
    def t(self) -> Any:
        return self.ctx.t

    @property
    def user_id(self) -> str:
        return self.origin.user_id

    def open_view(self, view: dict[str, Any]) -> None:
        """Open ``view`` as a modal (pushed on top when the click came from inside one).

        Raises ``PolicyError("trigger_expired")`` when Slack's 3-second ``trigger_id`` ran out,
        so the user reads what to do instead of seeing nothing.
        """
        if not self.modal:  # it ran on the reads' lane and may have waited behind file pages
            log.warning("a handler not marked modal=True opened a modal (%s)", view.get("callback_id"))
        try:
            if self.origin.in_modal:
                self.client.views_push(trigger_id=self.origin.trigger_id, view=view)
            else:
                self.client.views_open(trigger_id=self.origin.trigger_id, view=view)
        except SlackApiError as error:
            if error.response.get("error") in ("expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"):
                raise PolicyError("trigger_expired") from error
            raise


Run = Callable[[Turn, Any], "dict[str, Any] | None"]


Modal = bool | Callable[[Origin], bool]


@dataclass(frozen=True)
class Handler:
    """``writes``: claimed once in the durable inbox before the ack, done even after a crash,
    and the user's App Home is refreshed afterwards. ``in_ack``: pure, answered in the ack
    itself (help). Otherwise it runs right after the ack on a bounded pool (reads, modals).
    ``modal``: it opens a modal with the request's ``trigger_id`` (always, or for the
    origins the function accepts)."""

    run: Run
    who: Role
    writes: bool = False
    in_ack: bool = False
    modal: Modal = False

    def opens_modal(self, origin: Origin) -> bool:
        """Whether this run needs the request's ``trigger_id``, which Slack takes for 3 s
        only (api.slack.com/interactivity/handling#modal_responses): such runs go ahead of
        the other reads, on threads of their own."""
        return self.modal(origin) if callable(self.modal) else self.modal


HANDLERS: dict[type, Handler] = {}


def handles(
    command: type, *, who: Role, writes: bool = False, in_ack: bool = False, modal: Modal = False
) -> Callable[[Run], Run]:
    """Register the decorated function as the handler of ``command``."""

    def register(run: Run) -> Run:
        if command in HANDLERS:
            raise ValueError(f"{command.__name__} has a handler already")
        HANDLERS[command] = Handler(run, who, writes, in_ack, modal)
        return run

    return register


def handler_for(command: Any) -> Handler:
    return HANDLERS[type(command)]


def command_types() -> dict[str, type]:
    """Stored commands are named by their type: ``{"LogViolation": LogViolation, ...}``.

    Every command the grammar, the clicks and the events define, whether or not its handler
    module was imported yet: a stored row is decoded by its type, then handed to ``handler_for``.
    """
    defined = (*get_args(grammar.Command), *get_args(clicks.Click), *get_args(events.Event))
    return {cls.__name__: cls for cls in defined}
