"""Send what the outbox holds: paced per channel, effectively once, replies with a DM fallback.

- Pacing: after each message into a channel the lane waits ``PER_CHANNEL`` (Slack: about one
  chat.postMessage per second per channel, https://api.slack.com/apis/rate-limits), and after
  a 429 its Retry-After. A 429 is not a failed attempt; other channels keep flowing.
- Effectively once: a chat.postMessage carries its row id as metadata; an in-doubt row (the
  last send timed out, was reset, got a 5xx, or its sender died) is looked up in the channel's
  history first (``outbox_lookup``). The lease is renewed while a send runs.
- Retries with backoff on 5xx/network trouble; rows that can never work are parked as dead.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session, sessionmaker

from vpabot.bot import metrics, outbox_lookup
from vpabot.policy.clock import Clock, SystemClock
from vpabot.storage import outbox_settle as settle
from vpabot.storage.outbox import FILE_UPLOAD, POST, RESPONSE_URL, dm_message
from vpabot.storage.outbox_claim import LEASE, Claimed, claim_next
from vpabot.storage.outbox_lanes import next_free_at

__all__ = ["FILE_UPLOAD", "RESPONSE_URL", "OutboxDispatcher", "OutboxWorker", "backoff"]

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
MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(hours=1)
# Slack's one message per second per channel, with 2 % headroom for jitter between our start
# of a send and Slack's arrival time.
PER_CHANNEL = timedelta(seconds=1.02)
# A run waits for a paused lane this long at most; longer pauses are the next run's.
HORIZON = timedelta(seconds=5)
# The next message of a paced lane is claimed this long before the lane frees, and sent on time.
CLAIM_AHEAD = timedelta(seconds=0.25)
SLOT_SLACK = timedelta(milliseconds=10)
# Another dispatcher is sending in a lane with more due messages: look again this soon.
POLL_IN_FLIGHT = timedelta(seconds=0.1)
# Slack accepts a response_url for 30 minutes (https://api.slack.com/interactivity/handling).
RESPONSE_URL_VALIDITY = timedelta(minutes=30)
GONE_URL = frozenset({"expired_url", "used_url", "invalid_url", "no_service"})
RATELIMIT_DEFAULT = timedelta(seconds=30)


def backoff(attempts: int) -> timedelta:
    """5 s after the first failed attempt, doubling, at most an hour."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class OutboxDispatcher:
    """Claims and sends outbox rows. ``clock``: the app's time (backoff, leases, response_url
    age); ``wall``: real time, as Slack counts it (lane pacing, the history window)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient,
        clock: Clock,
        *,
        wall: Clock | None = None,
        per_channel: timedelta = PER_CHANNEL,
        horizon: timedelta = HORIZON,
        late_reply_note: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.wall = wall or SystemClock()
        self.per_channel = per_channel
        self.horizon = horizon
        self.late_reply_note = late_reply_note  # shown above a reply that became a DM
        self.stopping = threading.Event()

    def dispatch_due(self, *, limit: int | None = 50) -> int:
        """Send due rows one claim at a time; returns how many were sent.

        When only paused lanes are left and one frees within ``horizon``, wait for it, so a
        burst to one channel flows at Slack's pace instead of one message per run. ``limit``
        bounds the claims of one call (None: until nothing is due within ``horizon``).
        """
        sent = claims = 0
        while (limit is None or claims < limit) and not self.stopping.is_set():
            claimed = claim_next(
                self.sessions, now=self.clock.now(), wall=self.wall.now(), ahead=CLAIM_AHEAD
            )
            if claimed is None:
                if not self._wait_for_a_lane():
                    break
                continue
            claims += 1
            sent += self._send(claimed)
        return sent

    def _wait_for_a_lane(self) -> bool:
        free = next_free_at(
            self.sessions, now=self.clock.now(), wall=self.wall.now(),
            poll=min(POLL_IN_FLIGHT, self.per_channel / 4),
        )
        if free is None:
            return False
        wait = (free - CLAIM_AHEAD - self.wall.now()).total_seconds()
        if wait > self.horizon.total_seconds():
            return False
        return not self.stopping.wait(max(wait, 0.0))

    # -- one row ----------------------------------------------------------------------------
    def _send(self, message: Claimed) -> int:
        if message.not_before is not None:  # claimed ahead of its lane's pace: send on the dot
            time.sleep(max((message.not_before - self.wall.now()).total_seconds(), 0.0))
        with self._renewing(message):
            return self._attempt(message)

    @contextmanager
    def _renewing(self, message: Claimed) -> Iterator[None]:
        """Renew the lease every third of it while the send runs: a live sender keeps its row,
        a dead one loses it within ``LEASE``."""
        done = threading.Event()
        every = LEASE.total_seconds() / 3

        def renew() -> None:
            while not done.wait(every):
                try:
                    settle.renew(self.sessions, message, until=self.clock.now() + LEASE)
                except Exception:  # the next renewal tries again; at worst the lease runs out
                    log.exception("outbox %s: lease renewal failed", message.id)

        keeper = threading.Thread(target=renew, name=f"outbox-lease-{message.id}", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()

    def _attempt(self, message: Claimed) -> int:
        in_doubt_if_failed = message.method == POST
        try:
            return self._deliver(message)
        except SlackApiError as error:
            self._failed(message, error)
        except (URLError, OSError) as error:
            # A refused connection never reached Slack; a timeout or reset may have.
            refused = isinstance(getattr(error, "reason", error), ConnectionRefusedError)
            self._retry(message, f"network: {error}", in_doubt=in_doubt_if_failed and not refused)
        except SlackRequestError as error:  # the file's upload URL refused it: try again later
            self._retry(message, f"upload: {error}")
        except Exception as error:  # anything else: keep the row, retry, and in the end park it
            log.exception("outbox %s: unexpected error", message.id)
            self._retry(message, f"unexpected: {error!r}", in_doubt=in_doubt_if_failed)
        return 0

    def _deliver(self, message: Claimed) -> int:
        if message.method == RESPONSE_URL:
            return self._reply(message)
        if message.method == POST:
            return self._post(message)
        started = self.wall.now()
        if message.method == FILE_UPLOAD:
            response = self._upload(message.payload)
        else:
            response = self.client.api_call(message.method, json=message.payload)
        return self._sent(message, response.get("channel"), response.get("ts"), started)

    def _post(self, message: Claimed) -> int:
        if message.in_doubt:
            try:
                found = self._look_up(message)
            except SlackApiError as error:
                if error.response.status_code != 429:
                    raise
                self._ratelimited(message, error.response.headers.get("Retry-After"), in_doubt=True)
                return 0
            if found is not None:
                log.info("outbox %s: found in history, not posted again", message.id)
                return self._sent(message, *found, started=None)
        started = self.wall.now()
        payload = {**message.payload, "metadata": outbox_lookup.metadata(message.id)}
        response = self.client.api_call(POST, json=payload)
        return self._sent(message, response.get("channel"), response.get("ts"), started)

    def _look_up(self, message: Claimed) -> tuple[str, str] | None:
        """The posted copy of an in-doubt row, if Slack has one. When history can't be read
        for good (e.g. ``missing_scope`` before the app was reinstalled) it posts anyway:
        a rare duplicate is better than a message that never arrives."""
        try:
            return outbox_lookup.find_posted(
                self.client, channel=message.payload["channel"], outbox_id=message.id,
                since=message.first_attempt_at, thread_ts=message.payload.get("thread_ts"),
            )
        except SlackApiError as error:
            if error.response.status_code == 429 or error.response.status_code >= 500:
                raise
            log.warning("outbox %s: history unreadable (%s), posting again",
                        message.id, error.response.get("error"))
            return None

    def _sent(self, message: Claimed, channel: str | None, ts: str | None, started: Any) -> int:
        pause = None
        if started is not None and message.lane:
            slot = message.not_before
            # Sent on its slot (give or take a wake-up): pace from the slot, so the few
            # milliseconds of each wake-up don't add up over a long burst.
            on_time = slot is not None and started - slot < SLOT_SLACK
            pause = (slot if on_time else started) + self.per_channel
        settle.mark_sent(self.sessions, message, now=self.clock.now(), channel=channel, ts=ts,
                        pause_until=pause)
        return 1

    def _reply(self, message: Claimed) -> int:
        """POST to the response_url; a URL that is too old or that Slack calls gone becomes
        a DM to the user. A response_url post carries no metadata: an ambiguous failure is
        simply retried (see ``storage.outbox.enqueue_reply``)."""
        payload = message.payload
        url = payload.get("response_url")
        fresh = self.clock.now() - message.created_at < RESPONSE_URL_VALIDITY
        if url and fresh:
            body = {**payload["message"], "replace_original": bool(payload.get("replace_original"))}
            response = WebhookClient(url, timeout=10, retry_handlers=[]).send_dict(body)
            answer = (response.body or "").strip()
            if 200 <= response.status_code < 300:
                settle.mark_sent(self.sessions, message, now=self.clock.now(), channel=None,
                                 ts=None)
                return 1
            if response.status_code == 429:
                self._ratelimited(message, response.headers.get("Retry-After"))
                return 0
            if response.status_code >= 500:
                self._retry(message, f"response_url http {response.status_code}")
                return 0
            if response.status_code != 404 and answer not in GONE_URL:
                settle.mark_dead(self.sessions, message,
                                error=f"response_url {response.status_code}: {answer[:200]}")
                return 0
            log.info("outbox %s: response_url gone (%s), sending a DM", message.id, answer)
        late = with_note(dm_message(payload["message"]), self.late_reply_note)
        dm = settle.become_dm(self.sessions, message, {**late, "channel": payload["channel"]})
        return 0 if dm is None else self._attempt(dm)

    def _upload(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel = outbox_lookup.conversation_id(self.client, payload["channel"])
        # Unlike chat.postMessage, files.completeUploadExternal wants a conversation id.
        self.client.files_upload_v2(
            channel=channel,
            content=base64.b64decode(payload["content_b64"]),
            filename=payload["filename"],
            title=payload.get("title"),
            initial_comment=payload.get("initial_comment"),
        )
        # Slack shares the file asynchronously: there is no message ts to keep.
        return {"channel": channel, "ts": None}

    # -- outcomes -----------------------------------------------------------------------------
    def _failed(self, message: Claimed, error: SlackApiError) -> None:
        status = error.response.status_code
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if status == 429:
            self._ratelimited(message, error.response.headers.get("Retry-After"))
        elif status >= 500:  # Slack may have posted it before failing
            self._retry(message, f"http {status}", in_doubt=message.method == POST)
        elif code in FATAL_ERRORS:
            log.warning("outbox %s dead: %s", message.id, code)
            settle.mark_dead(self.sessions, message, error=str(code))
        else:
            self._retry(message, str(code or status))

    def _ratelimited(self, message: Claimed, retry_after: str | None, *,
                     in_doubt: bool = False) -> None:
        try:
            wait = timedelta(seconds=float(retry_after or 0)) or RATELIMIT_DEFAULT
        except ValueError:
            wait = RATELIMIT_DEFAULT
        settle.mark_ratelimited(self.sessions, message, now=self.clock.now(), wall=self.wall.now(),
                               retry_after=wait, in_doubt=in_doubt)

    def _retry(self, message: Claimed, reason: str, *, in_doubt: bool = False) -> None:
        if message.attempts >= MAX_ATTEMPTS:
            settle.mark_dead(self.sessions, message, error=f"gave up after {message.attempts}: {reason}")
            return
        settle.mark_retry(self.sessions, message, at=self.clock.now() + backoff(message.attempts),
                         error=reason, in_doubt=in_doubt)


def with_note(message: dict[str, Any], note: str | None) -> dict[str, Any]:
    """``message`` with a context line on top, so a reply that arrives as a DM says why.

    Unchanged when that would break a Slack limit (50 blocks, 3,000 characters of section
    text: https://api.slack.com/reference/block-kit/blocks) or there is nothing to show.
    """
    blocks = list(message.get("blocks") or [])
    text = message.get("text")
    if not blocks and isinstance(text, str) and 0 < len(text) <= 3000:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if not note or not blocks or len(blocks) >= 50:
        return message
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
    return {**message, "blocks": [context, *blocks]}


class OutboxWorker:
    """The dispatcher in one background thread: sends while work is due (waiting for paced
    lanes), then sleeps until ``kick()`` or ``interval``. One long-lived thread instead of an
    interval job, so a paced burst is one uninterrupted run."""

    def __init__(self, dispatcher: OutboxDispatcher, *, interval: float) -> None:
        self.dispatcher = dispatcher
        self.interval = interval
        self._kicked = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread; it sends what is due at once."""
        self._thread = threading.Thread(target=self._run, name="vpabot-outbox", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Send right away instead of waiting for the interval."""
        self._kicked.set()

    def begin_stop(self) -> None:
        """Send nothing more after the send in flight (``stop`` waits for it)."""
        self.dispatcher.stopping.set()
        self._kicked.set()

    def stop(self, timeout: float = 30) -> None:
        """Finish the send in flight, then stop (its lease keeps others off until then)."""
        self.begin_stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self.dispatcher.stopping.is_set():
            self._kicked.clear()
            try:
                self.dispatcher.dispatch_due(limit=None)
            except Exception:  # a broken run must not stop the worker; the rows stay due
                metrics.job_failed("outbox")
                log.exception("outbox dispatch failed")
            self._kicked.wait(self.interval)
