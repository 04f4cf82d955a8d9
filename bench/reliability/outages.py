"""The reliability scenarios in which something fails: Slack answering 429/5xx or hanging, the
process killed right after acks or mid-send, and two instances sweeping one PostgreSQL.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.common import TEAM_CHANNEL
from bench.payloads import ADMIN, ADMIN_2, command
from bench.reliability.stage import Stage
from bench.reliability.world import (
    Row, Server, five_xx, insert_due_reviews, pg_schema, posts_mentioning, wait_until,
)
from vpabot.storage.models import OutboxStatus

REVIEW_ADMINS = 10  # admins the two-instance scenario's due reviews belong to


class OutageScenarios(Stage):
    """Rows 4-6 of the table: Slack failing, SIGKILL, and two instances."""

    # 4. Slack failing: 429, 500, a hang past the client timeout, channel_not_found
    def slack_failures(self) -> None:
        cases: list[tuple[str, Callable[[], None], int, int, float]] = [
            # name, switch, expected delivered, expected dead, wait
            ("429 twice (Retry-After 1)", lambda: self.fake.call(
                "fail", "chat.postMessage", status=429, retry_after=1, times=2, channel=TEAM_CHANNEL), 1, 0, 30),
            ("500 twice", lambda: self.fake.call(
                "fail", "chat.postMessage", status=500, times=2, channel=TEAM_CHANNEL), 1, 0, 45),
            ("channel_not_found", lambda: self.fake.call(
                "fail", "chat.postMessage", error="channel_not_found", channel=TEAM_CHANNEL), 0, 1, 20),
        ]
        if not self.quick:
            cases.append(("hang 11.5 s (client timeout 10 s)", lambda: self.fake.call(
                "delay", "chat.postMessage", 11.5), 1, 0, 60))
        reset = self.fake.has("drop")
        if reset:  # the post is stored, then the connection closes without an answer
            cases.append(("reset after the post (connection closed)", lambda: self.fake.call(
                "drop", "chat.postMessage"), 1, 0, 45))
        for name, switch, want, want_dead, wait in cases:
            handle = self.fresh()
            top = int(self.main.scalar("SELECT coalesce(max(id), 0) FROM outbox"))
            since = self.fake.count()
            switch()
            result = self.main.send(command(f"stop {handle} voll 14t", self.fake.url))

            def settled() -> bool:
                rows = self.main.rows(
                    "SELECT status FROM outbox WHERE id > :t AND purpose LIKE '%stop%'", t=top)
                return bool(rows) and all(
                    r[0] in (OutboxStatus.SENT, OutboxStatus.DEAD) for r in rows)

            if "hang" in name:
                time.sleep(12)
                self.fake.call("delay", "chat.postMessage", 0)
            wait_until(settled, wait)
            # What Slack kept: posts about this stop's assistant that Slack answered ok (a
            # dropped answer still counts). The queued failures hit whichever post comes next,
            # e.g. a paced review DM, so subtracting them from the team posts would undercount.
            posts = posts_mentioning(self.fake, handle, since, channel=TEAM_CHANNEL)
            accepted = sum(1 for p in posts if p.get("ok"))
            dead = int(self.main.scalar(
                "SELECT count(*) FROM outbox WHERE id > :t AND status = 'dead'", t=top))
            self.add(Row(f"Slack answers {name}", tried=1, expected=want, delivered=accepted,
                         duplicated=max(0, accepted - want), lost=max(0, want - accepted),
                         dead=dead, five_xx=five_xx([result]),
                         note=f"team announcement of a VT-Stop, {len(posts) - accepted} "
                         "refused attempt(s) before" + (
                             "; dead expected" if want_dead else "")))
        if not reset:
            self.add(Row("Slack resets the connection", note="n/a: the fake cannot reset yet"))

    # 5. SIGKILL right after acks, and mid-send
    def sigkill(self) -> None:
        # The inbox lease is 30 s: a row claimed when the process died is taken over after it.
        self.sigkill_after_acks(5 if self.quick else 10, settle_s=40 if self.quick else 60)
        self.sigkill_mid_send()

    def sigkill_after_acks(self, n: int, settle_s: float = 20) -> None:
        s = self.main
        log_at = s.log_size()
        tag = uuid.uuid4().hex[:6]
        results = [s.send(command(f"verstoss {self.fresh()} deadline deadline kill-{tag}-{i}",
                                  self.fake.url)) for i in range(n)]
        s.proc.kill()
        s.restart()
        wait_until(lambda: s.violations(f"kill-{tag}-%") >= n, settle_s)
        stored = s.violations(f"kill-{tag}-%")
        acked = sum(r.status == 200 for r in results)
        self.add(Row("SIGKILL right after acks, restart", tried=n, expected=acked, delivered=stored,
                     lost=max(0, acked - stored), duplicated=max(0, stored - acked),
                     five_xx=five_xx(results), note=f"violations after {settle_s:.0f} s"
                     + (f"; log: {s.first_error(log_at)}"
                        if stored < acked and s.first_error(log_at) else "")))

    def sigkill_mid_send(self) -> None:
        s, handle = self.main, self.fresh()
        since = self.fake.count()
        self.fake.call("delay", "chat.postMessage", 4)
        result = s.send(command(f"stop {handle} voll 14t", self.fake.url))
        in_flight = wait_until(lambda: bool(posts_mentioning(
            self.fake, TEAM_CHANNEL, since, channel=TEAM_CHANNEL)), 20, every=0.1)
        s.proc.kill()
        self.fake.call("delay", "chat.postMessage", 0)
        s.restart()
        budget = 40 if self.quick else 150  # the lease today is 2 minutes; the issue asks ~30 s
        wait_until(lambda: len(posts_mentioning(self.fake, TEAM_CHANNEL, since,
                                                channel=TEAM_CHANNEL)) >= 2, budget)
        posts = len(posts_mentioning(self.fake, TEAM_CHANNEL, since, channel=TEAM_CHANNEL))
        self.add(Row("SIGKILL while a message is in flight, restart", tried=1, expected=1,
                     delivered=min(posts, 1), duplicated=max(0, posts - 1), lost=1 - min(posts, 1),
                     five_xx=five_xx([result]),
                     note=f"posts within {budget} s" + ("" if in_flight else "; never in flight")))

    # 6. two instances, one PostgreSQL, 500 due reviews
    def two_instances(self) -> None:
        n = 40 if self.quick else 500
        # Slack lets a bot post about one message per second into one conversation, and the
        # outbox paces each DM at that rate: 500 reminders for one admin take 8.5 minutes by
        # design. The reviews are spread over REVIEW_ADMINS admins (one DM lane each), so the
        # scenario measures what it is about, each review reminded once by two instances,
        # within a bounded wait.
        admins = [ADMIN, ADMIN_2] + [f"UREVIEW{k}" for k in range(REVIEW_ADMINS - 2)]
        wait = 45 if self.quick else 30 + 1.1 * n / len(admins) + 60
        label = f"two instances, {n} due reviews, PostgreSQL"
        with pg_schema() as url:
            if url is None:
                self.add(Row(label, note="n/a: no PostgreSQL"))
                return
            env = {"VPA_SWEEP_SECONDS": "2", "VPA_ADMIN_IDS": ",".join(admins)}
            first = Server(self.workdir, self.fake, url, "vpabot-pg-a", VPA_RUN_SCHEDULER="0")
            first.close()  # migrated; now the rows, then both instances at once
            insert_due_reviews(url, n, admins)
            since = self.fake.count()
            a = Server(self.workdir, self.fake, url, "vpabot-pg-a", **env)
            b = Server(self.workdir, self.fake, url, "vpabot-pg-b", **env)
            try:
                def reminded() -> list[dict[str, Any]]:
                    return [c for c in self.fake.calls("chat.postMessage", since=since)
                            if c.get("ok") and "Pruefling" in json.dumps(c["args"], ensure_ascii=False)]

                wait_until(lambda: len({reviewee(c) for c in reminded()}) >= n, wait, 1)
                time.sleep(5)  # room for a late duplicate
                calls = reminded()
                distinct = {reviewee(c) for c in calls}
                self.add(Row(label, tried=n, expected=n, delivered=len(distinct),
                             duplicated=len(calls) - len(distinct), lost=n - len(distinct),
                             note=f"review reminders to {len(admins)} admins' DMs, "
                             f"within {wait:.0f} s"), a)
                self.rows[-1].tracebacks += b.new_tracebacks()
            finally:
                a.close()
                b.close()


def reviewee(call: dict[str, Any]) -> str:
    """The reviewee a review reminder names ("Pruefling 0042"), or "?"."""
    found = re.search(r"Pruefling \d+", json.dumps(call["args"], ensure_ascii=False))
    return found.group(0) if found else "?"
