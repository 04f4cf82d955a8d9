"""A stop wakes every inbox worker at once, also one that was busy when the stop came."""

from __future__ import annotations

import threading
import time

from vpabot.bot.context import AppContext
from vpabot.bot.interactions.runner import Runner


def test_a_worker_busy_when_the_stop_came_does_not_sleep_a_whole_poll(ctx: AppContext) -> None:
    # 30 s polls: a worker that misses the stop's wake-up sleeps past the stop's 5 s drain.
    runner = Runner(ctx, None, workers=2, poll_seconds=30, render_homes=False)  # type: ignore[arg-type]
    idle, busy = runner._workers

    def run_once() -> bool:
        if threading.current_thread() is busy:
            runner._stop.wait()  # busy with a row until the stop comes...
            idle.join(2)  # ...and done only after the idle worker woke and cleared the wake-up
        return False

    runner.run_once = run_once  # type: ignore[method-assign]
    runner.start()
    time.sleep(0.2)  # the idle worker waits for a wake-up, the busy one works
    asked = time.monotonic()
    runner.stop()
    assert time.monotonic() - asked < 2.5
    assert not busy.is_alive()
