"""On stop, whoever still waits for an answer is told so, also when Slack is slow."""

from __future__ import annotations

import threading
import time
from typing import Any

from vpabot.bot.interactions.pools import tell_all


def test_a_full_read_queue_is_told_within_the_stop_while_slack_takes_a_second_per_call() -> None:
    told: list[Any] = []
    lock = threading.Lock()

    def send(origin: Any, payload: dict[str, Any]) -> None:
        time.sleep(1.0)  # Slack's response_url answering slowly
        with lock:
            told.append(origin)

    words = [(n, {"text": "Der Bot wurde gerade neu gestartet"}) for n in range(260)]  # 4 + 256 reads
    started = time.monotonic()
    unconfirmed = tell_all(words, send, seconds=3.0)
    assert unconfirmed == 0 and sorted(told) == list(range(260))
    assert time.monotonic() - started < 3.5


def test_the_last_round_ends_at_its_deadline_however_slow_slack_is() -> None:
    words = [(n, {}) for n in range(5)]
    started = time.monotonic()
    assert tell_all(words, lambda origin, payload: time.sleep(10), seconds=0.5) == 5
    assert time.monotonic() - started < 1.5
