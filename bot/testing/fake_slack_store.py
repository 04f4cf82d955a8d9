"""What the fake Slack keeps, as Slack does: the messages posted per conversation (with their
``ts`` and ``metadata``), read back by conversations.history and conversations.replies, and
the response_urls, which expire or get used up.

``FakeSlack`` owns one ``SlackStore`` and shares its lock with it.
"""
from __future__ import annotations

import threading
import time


def conversation(channel: str) -> str:
    """The conversation a post to ``channel`` lands in: a user id means their DM."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


class SlackStore:
    """Messages per conversation, oldest first, and the uses of each response_url."""

    def __init__(self, lock: threading.Condition) -> None:
        self._cond = lock
        self._messages: dict[str, list[dict]] = {}
        self._response_urls: dict[str, int] = {}  # key -> uses so far
        self._gone_urls: dict[str, str] = {}  # key -> error Slack answers
        self._last_ts = 0.0

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()
            self._response_urls.clear()
            self._gone_urls.clear()

    def messages(self, channel: str) -> list[dict]:
        with self._cond:
            return list(self._messages.get(conversation(channel), []))

    def post(self, channel: str, message: dict) -> None:
        """Keep ``message`` as the newest of conversation ``channel``."""
        with self._cond:
            self._messages.setdefault(channel, []).append(message)

    def next_ts(self) -> str:
        """Slack's ts: the time of posting in microseconds, unique and increasing."""
        with self._cond:
            self._last_ts = max(round(time.time(), 6), round(self._last_ts + 0.000001, 6))
            return f"{self._last_ts:.6f}"

    def expire(self, key: str, error: str) -> None:
        with self._cond:
            self._gone_urls[key] = error

    def respond(self, key: str, allowed_uses: int | None):
        """A response_url: 404 once gone or used more than ``allowed_uses`` times."""
        with self._cond:
            uses = self._response_urls[key] = self._response_urls.get(key, 0) + 1
            gone = self._gone_urls.get(key)
            if gone is None and allowed_uses is not None and uses > allowed_uses:
                gone = "used_url"
        return (404, {}, gone.encode()) if gone else (200, {}, b"ok")

    def history(self, args: dict, thread: str | None = None) -> dict:
        """conversations.history: newest first, ``oldest``/``latest`` exclusive, paged by
        ``limit`` and ``cursor``; metadata only with ``include_all_metadata``. Like Slack, a
        reply in a thread is in the history only when it was broadcast.

        ``thread``: conversations.replies of that thread (its parent and replies, oldest first).
        """
        with self._cond:
            messages = list(self._messages.get(str(args.get("channel", "")), []))
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
        if thread is not None:
            in_thread = [m for m in messages if thread in (m["ts"], m.get("thread_ts"))]
            chosen = [m for m in in_thread if oldest < float(m["ts"]) < latest]
        else:
            chosen = [m for m in reversed(messages) if oldest < float(m["ts"]) < latest
                      and (not m.get("thread_ts") or m.get("reply_broadcast"))]
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        page = chosen[start:start + limit]
        if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(chosen)
        return {"messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}
