"""The Bolt app: tiny on purpose; listeners live in ``vpabot.bot.listeners``."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from vpabot.bot.context import AppContext
from vpabot.bot.interactions.runner import Runner
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


def create_app(ctx: AppContext, runner: Runner, client: WebClient | None = None) -> App:
    """The Bolt app; every listener parses, authorises and acks, and ``runner`` does the work.

    ``process_before_response``: the listener returns before the HTTP response is sent, so
    an inbox row written before ``ack()`` is durable when Slack sees the 200; it works the
    same over HTTP and Socket Mode. No Bolt lazy listeners: their executor queues without
    bound and forgets on a crash.

    Bolt's own signature check is off: over HTTP every request passes
    ``interactions.envelope.guard`` first (``server.make_wsgi_app``), which checks the same
    signature and timestamp window before anything reads the body, and Socket Mode is not
    signed at all. Checking twice cost every ack a second HMAC and body parse.
    """
    settings = ctx.settings
    app = App(
        client=client or make_client(settings.bot_token, settings.api_url),
        signing_secret=settings.signing_secret,
        process_before_response=True,
        request_verification_enabled=False,
    )
    register_listeners(app, ctx, runner)
    return app
