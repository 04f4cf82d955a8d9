"""Where an answer to the admin goes, and the one place that turns errors into kind words."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from vpabot.bot.blocks.replies import build_error, build_notice
from vpabot.bot.i18n import Translator
from vpabot.policy.errors import PolicyError

log = logging.getLogger(__name__)

Reply = Callable[[dict[str, Any]], None]


def via_response_url(respond: Any) -> Reply:
    """Ephemeral answer to a slash command or a click, through Bolt's ``respond``."""

    def reply(payload: dict[str, Any]) -> None:
        respond(response_type="ephemeral", **payload)

    return reply


def to_clicker(respond: Any, client: WebClient, user_id: str) -> Reply:
    """A click's answer: ephemeral where the button was, or a DM for a click on App Home
    (Slack gives no response_url there)."""
    if getattr(respond, "response_url", None):
        return via_response_url(lambda **kw: respond(replace_original=False, **kw))

    def reply(payload: dict[str, Any]) -> None:
        client.chat_postMessage(channel=user_id, **payload)

    return reply


def from_metadata(client: WebClient, user_id: str, metadata: str) -> Reply:
    """After a modal: back to the command's response_url if we kept it, else a DM."""
    try:
        response_url = json.loads(metadata or "{}").get("response_url")
    except ValueError:
        response_url = None

    def reply(payload: dict[str, Any]) -> None:
        if response_url:
            WebhookClient(response_url).send(response_type="ephemeral", **payload)
        else:
            client.chat_postMessage(channel=user_id, **payload)

    return reply


@contextmanager
def friendly_errors(t: Translator, reply: Reply) -> Iterator[None]:
    """Domain refusals become the user's own-language message; surprises are logged."""
    try:
        yield
    except PolicyError as error:
        reply(build_error(t, error))
    except Exception:
        log.exception("unexpected error while handling a Slack request")
        reply(build_notice(t("error.internal")))
