"""App Home renders are coalesced: a burst of writes by one user costs one render per
``min_interval``, and one user's interval never holds up another user's Home."""

from __future__ import annotations

import threading
import time
from typing import Any

from vpabot.bot.context import AppContext
from vpabot.bot.interactions.home import MIN_INTERVAL, HomeRefresher


class Recorder:
    """Stands in for the WebClient: records who got a Home and when (monotonic seconds)."""

    def __init__(self) -> None:
        self.published: list[tuple[str, float]] = []
        self._cond = threading.Condition()

    def views_publish(self, *, user_id: str, view: dict[str, Any]) -> None:
        with self._cond:
            self.published.append((user_id, time.monotonic()))
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = 5.0) -> list[tuple[str, float]]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.published) >= count, timeout), self.published
            return list(self.published)


def test_production_renders_a_home_at_most_every_two_seconds() -> None:
    assert MIN_INTERVAL == 2.0


def test_a_burst_of_writes_costs_one_render_now_and_one_after_the_interval(ctx: AppContext) -> None:
    client = Recorder()
    refresher = HomeRefresher(ctx, client, min_interval=0.5)  # type: ignore[arg-type]
    refresher.start()
    try:
        refresher.touch("UADMIN2")  # the first render warms up the database; not timed
        client.wait(1)
        refresher.touch("UADMIN1")
        first = client.wait(2)[1][1]
        for _ in range(20):  # twenty writes within the interval
            refresher.touch("UADMIN1")
        second = client.wait(3)[2][1]
        time.sleep(0.7)  # a third render for UADMIN1 would be due by now
        assert [user for user, _at in client.published] == ["UADMIN2", "UADMIN1", "UADMIN1"]
        assert second - first >= 0.45
    finally:
        refresher.stop()


def test_one_users_interval_does_not_hold_up_anothers_home(ctx: AppContext) -> None:
    client = Recorder()
    refresher = HomeRefresher(ctx, client, min_interval=5.0)  # type: ignore[arg-type]
    refresher.start()
    try:
        refresher.touch("UADMIN1")
        client.wait(1)
        refresher.touch("UADMIN1")  # due in 5 s
        asked = time.monotonic()
        refresher.touch("UADMIN2")
        published = client.wait(2)
        assert published[1][0] == "UADMIN2" and published[1][1] - asked < 1.0
    finally:
        refresher.stop()


class SlowSlack(Recorder):
    """``views.publish`` answers after ``seconds``; counts renders of one user at once."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.at_once: dict[str, int] = {}
        self.most_at_once = 0

    def views_publish(self, *, user_id: str, view: dict[str, Any]) -> None:
        with self._cond:
            self.at_once[user_id] = self.at_once.get(user_id, 0) + 1
            self.most_at_once = max(self.most_at_once, self.at_once[user_id])
        time.sleep(self.seconds)
        with self._cond:
            self.at_once[user_id] -= 1
        super().views_publish(user_id=user_id, view=view)


def test_many_people_opening_home_at_once_do_not_wait_in_one_line(ctx: AppContext) -> None:
    """Eight Homes while Slack takes 0.5 s per publish: one at a time, the last would come
    after 4 s; rendered side by side, within about 1 s."""
    client = SlowSlack(0.5)
    refresher = HomeRefresher(ctx, client)  # type: ignore[arg-type]
    refresher.start()
    try:
        asked = time.monotonic()
        for n in range(8):
            refresher.touch(f"U{n}")
        published = client.wait(8, timeout=10)
        assert published[-1][1] - asked < 2.0
    finally:
        refresher.stop()


def test_one_users_home_is_never_rendered_twice_at_the_same_time(ctx: AppContext) -> None:
    client = SlowSlack(0.4)  # slower than the interval: a touch meanwhile is due before it ends
    refresher = HomeRefresher(ctx, client, min_interval=0.1)  # type: ignore[arg-type]
    refresher.start()
    try:
        for _ in range(10):
            refresher.touch("UADMIN1")
            time.sleep(0.1)
        client.wait(2, timeout=5)
    finally:
        refresher.stop()
    assert client.most_at_once == 1
