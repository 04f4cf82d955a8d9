"""Failure injection for the fake Slack: queued errors, delays, dropped answers and Slack's
per-channel rate limit, and how Slack words a failure (``failure_response``).

``FakeSlack`` owns one ``Faults``, programs it through its public methods (``fail``,
``delay``, ``drop``, ``rate_limit``) and shares its lock with it, so a call is recorded and
meets its failure in one step.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from vpabot.bot.testing.fake_slack_store import conversation


@dataclass
class Failure:
    status: int
    error: str | None
    retry_after: float | None
    channel: str | None = None  # only calls to this conversation fail; None: the next call


@dataclass
class Limit:
    """At most one call per ``interval`` seconds per channel, bursts of ``burst`` (a bucket)."""

    interval: float
    burst: int
    buckets: dict  # channel -> (tokens, at)


class Faults:
    """What the next calls to each method suffer; see ``FakeSlack.fail`` and its neighbours."""

    def __init__(self, lock: threading.Condition) -> None:
        self._cond = lock
        self._failures: dict[str, list[Failure]] = {}
        self._delays: dict[str, float] = {}
        self._drops: dict[str, int] = {}
        self._limits: dict[str, Limit] = {}

    def fail(self, method: str, *, error: str | None, status: int, retry_after: float | None,
             times: int, channel: str | None = None) -> None:
        with self._cond:
            self._failures.setdefault(method, []).extend(
                Failure(status, error, retry_after, channel) for _ in range(times))

    def delay(self, method: str, seconds: float) -> None:
        with self._cond:
            self._delays[method] = seconds

    def drop(self, method: str, *, times: int) -> None:
        with self._cond:
            self._drops[method] = self._drops.get(method, 0) + times

    def rate_limit(self, method: str, *, per_channel: float, burst: int) -> None:
        with self._cond:
            self._limits[method] = Limit(per_channel, burst, {})

    def clear(self) -> None:
        with self._cond:
            self._failures.clear()
            self._delays.clear()
            self._drops.clear()
            self._limits.clear()

    def next_for(self, method: str, args: dict, at: float) -> tuple[Failure | None, float]:
        """The failure (queued, else over the rate limit) and the delay of a call that arrived
        at ``at`` (caller holds the lock)."""
        failure = self._queued(method, args)
        if failure is None:
            failure = self._over_limit(method, args, at)
        return failure, self._delays.get(method, 0.0)

    def _queued(self, method: str, args: dict) -> Failure | None:
        """The first queued failure meant for this call's conversation (caller holds the lock)."""
        queue = self._failures.get(method) or []
        channel = conversation(str(args.get("channel") or ""))
        for i, failure in enumerate(queue):
            if failure.channel is None or failure.channel == channel:
                return queue.pop(i)
        return None

    def take_drop(self, method: str) -> bool:
        """Whether this answer is dropped, counting it off (caller holds the lock)."""
        dropped = bool(self._drops.get(method))
        if dropped:
            self._drops[method] -= 1
        return dropped

    def _over_limit(self, method: str, args: dict, at: float) -> Failure | None:
        """A token bucket per channel (caller holds the lock)."""
        limit = self._limits.get(method)
        if limit is None:
            return None
        channel = conversation(str(args.get("channel") or args.get("channel_id") or ""))
        tokens, last = limit.buckets.get(channel, (float(limit.burst), at))
        tokens = min(float(limit.burst), tokens + (at - last) / limit.interval)
        if tokens >= 1.0:
            limit.buckets[channel] = (tokens - 1.0, at)
            return None
        limit.buckets[channel] = (tokens, at)
        wait = (1.0 - tokens) * limit.interval
        return Failure(429, None, float(max(1, math.ceil(wait))))


def failure_response(method: str, f: Failure):
    """(status, extra headers, body) the way Slack fails: see ``FakeSlack.fail``."""
    if f.status == 429:
        after = str(int(f.retry_after if f.retry_after is not None else 1))
        return 429, {"Retry-After": after}, {"ok": False, "error": f.error or "ratelimited"}
    if f.status >= 500:
        return f.status, {}, (f.error or f"fake {f.status} for {method}").encode()
    return f.status, {}, {"ok": False, "error": f.error or "fatal_error"}
