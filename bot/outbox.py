"""Send what the outbox holds: retry on 429/5xx/network trouble, park what can never work."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy.orm import Session, sessionmaker

from vpabot.policy.clock import Clock
from vpabot.storage import outbox as store

log = logging.getLogger(__name__)

# Errors no retry can fix: the row is parked as dead and shown to admins.
FATAL_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "message_not_found",
        "cant_update_message",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "account_inactive",
        "missing_scope",
    }
)
# Not a Web API method: WebClient.files_upload_v2 (get an upload URL, upload, complete).
# Payload: channel, filename, title, initial_comment and the file as base64 (content_b64).
FILE_UPLOAD = "files.upload_v2"
MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class OutboxDispatcher:
    def __init__(self, sessions: sessionmaker[Session], client: WebClient, clock: Clock) -> None:
        self.sessions = sessions
        self.client = client
        self.clock = clock

    def dispatch_due(self, *, limit: int = 50) -> int:
        """Send due rows, one claim at a time; returns how many were sent.

        Claiming one row per lease keeps the lease longer than any single send, so a slow
        Slack can't let a second instance claim (and send) the same row again.
        """
        sent = 0
        for _ in range(limit):
            claimed = store.claim_due(self.sessions, now=self.clock.now(), limit=1)
            if not claimed:
                break
            sent += self._send(claimed[0])
        return sent

    def _send(self, message: store.Claimed) -> int:
        try:
            if message.method == FILE_UPLOAD:
                response = self._upload(message.payload)
            else:
                response = self.client.api_call(message.method, json=message.payload)
        except SlackApiError as error:
            self._failed(message, error)
            return 0
        except (URLError, OSError) as error:  # network trouble: try again later
            self._retry(message, f"network: {error}", backoff(message.attempts))
            return 0
        except SlackRequestError as error:  # the file's upload URL refused it: try again later
            self._retry(message, f"upload: {error}", backoff(message.attempts))
            return 0
        except Exception as error:  # anything else: keep the row, retry, and in the end park it
            log.exception("outbox %s: unexpected error", message.id)
            self._retry(message, f"unexpected: {error!r}", backoff(message.attempts))
            return 0
        store.mark_sent(
            self.sessions,
            message,
            now=self.clock.now(),
            channel=response.get("channel"),
            ts=response.get("ts"),
        )
        return 1

    def _upload(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel = payload["channel"]
        if channel[:1] in ("U", "W"):
            # Unlike chat.postMessage, files.completeUploadExternal wants a conversation id:
            # a user's DM is opened first (conversations.open is idempotent).
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        self.client.files_upload_v2(
            channel=channel,
            content=base64.b64decode(payload["content_b64"]),
            filename=payload["filename"],
            title=payload.get("title"),
            initial_comment=payload.get("initial_comment"),
        )
        # Slack shares the file asynchronously: there is no message ts to keep.
        return {"channel": channel, "ts": None}

    def _failed(self, message: store.Claimed, error: SlackApiError) -> None:
        status = error.response.status_code
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if status == 429:
            retry_after = int(error.response.headers.get("Retry-After", "") or 0) or 30
            self._retry(message, "ratelimited", timedelta(seconds=retry_after))
        elif status >= 500:
            self._retry(message, f"http {status}", backoff(message.attempts))
        elif code in FATAL_ERRORS:
            log.warning("outbox %s dead: %s", message.id, code)
            store.mark_dead(self.sessions, message, error=str(code))
        else:
            self._retry(message, str(code or status), backoff(message.attempts))

    def _retry(self, message: store.Claimed, reason: str, delay: timedelta) -> None:
        if message.attempts >= MAX_ATTEMPTS:
            store.mark_dead(self.sessions, message, error=f"gave up after {message.attempts}: {reason}")
            return
        store.mark_retry(self.sessions, message, at=self.clock.now() + delay, error=reason)
