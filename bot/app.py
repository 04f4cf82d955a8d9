"""The Bolt app: tiny on purpose; listeners live in ``vpabot.bot.listeners``."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from vpabot.bot.context import AppContext
from vpabot.bot.listeners import register_listeners


def make_client(token: str, api_url: str, *, retries: bool = True) -> WebClient:
    """A Web API client for ``api_url`` (Slack, GovSlack, or the local fake)."""
    client = WebClient(token=token, base_url=api_url, timeout=10)
    if retries:
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    else:
        client.retry_handlers.clear()  # the outbox retries, durably, on its own schedule
    return client


class _OwnClientFilter(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that our
    client wins ("As you gave `client` as well, `token` will be unused"): that is intended,
    and a warning on every normal start teaches operators to ignore warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_BOLT_LOGGER = logging.getLogger("slack_bolt.App")
if not any(isinstance(f, _OwnClientFilter) for f in _BOLT_LOGGER.filters):
    _BOLT_LOGGER.addFilter(_OwnClientFilter())


def create_app(
    ctx: AppContext, client: WebClient | None = None, executor: Executor | None = None
) -> App:
    """``executor`` runs the lazy listeners; its owner waits for them on shutdown."""
    settings = ctx.settings
    app = App(
        listener_executor=executor or ThreadPoolExecutor(max_workers=10),
        client=client or make_client(settings.bot_token, settings.api_url),
        signing_secret=settings.signing_secret,
        # Ack first, then lazy listeners do the database and Web API work; works the same
        # over HTTP and Socket Mode.
        process_before_response=True,
    )
    register_listeners(app, ctx)
    return app
