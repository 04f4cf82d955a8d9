"""The reliability scenarios that send what attackers and Slack's retries would: forged and
replayed signatures, duplicate deliveries, concurrent writes, a refusing ack, fuzzed and
injected input. Each adds one ``Row`` per case to the stage.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from bench.common import Result, load
from bench.payloads import (
    ADMIN, MANAGER, Req, click, command, home_opened, sign, violation_view,
)
from bench.reliability.inputs import (
    EVIL, MENTIONS, kind_of, malformed_requests, stop_form_with_impossible_date,
)
from bench.reliability.stage import Stage
from bench.reliability.world import Row, Server, five_xx, pg_schema, wait_until


class InboundScenarios(Stage):
    """Rows 1-3, 6b, 7 and 8 of the table: what comes in over HTTP."""

    # 1. forged, stale, replayed
    def signatures(self) -> None:
        s, handle = self.main, self.fresh()
        results, note = [], f"forged-{uuid.uuid4().hex[:6]}"
        req = command(f"verstoss {handle} deadline deadline {note}", self.fake.url)
        now = int(time.time())
        results.append(s.send(req, signature="v0=" + "0" * 64))  # wrong signature
        results.append(s.send(req, timestamp=now - 6 * 60))  # signed, but 6 minutes old
        results.append(s.send(req, timestamp=now + 10 * 60))  # signed in the future
        old = req.body
        captured = sign(old, now - 6 * 60)
        results.append(s.send(req, timestamp=now - 6 * 60,  # a captured request, replayed as is
                              signature=captured["X-Slack-Signature"]))
        results.append(s.send(req, timestamp=now, signature=captured["X-Slack-Signature"]))
        results.append(s.send(Req(old + b"&x=1", req.content_type), timestamp=now,
                              signature=captured["X-Slack-Signature"]))  # body changed
        time.sleep(1)
        written = s.violations(f"%{note}%")
        self.add(Row("forged / stale / replayed requests", tried=len(results),
                     refused_ok=f"{sum(r.status == 401 for r in results)}/{len(results)}",
                     expected=0, delivered=written, duplicated=written,
                     five_xx=five_xx(results)))

    # 2. duplicate deliveries: each kind once (baseline) and twice (Slack's retry)
    def duplicates(self) -> None:
        n = 2 if self.quick else 5
        s, url = self.main, self.fake.url
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}

        # a command re-sent by Slack with the retry headers (same body, new signature)
        results, notes = [], []
        for _ in range(n):
            note = f"dupcmd-{uuid.uuid4().hex[:8]}"
            notes.append(note)
            req = command(f"verstoss {self.fresh()} deadline deadline {note}", url)
            results.append(s.send(req))
            results.append(s.send(Req(req.body, req.content_type, dict(retry))))
        self._count_writes("duplicate command (X-Slack-Retry-Num: 1, http_timeout)", n, results, notes)

        # the same view_submission twice (same view id and hash)
        results, notes = [], []
        for _ in range(n):
            note = f"dupview-{uuid.uuid4().hex[:8]}"
            notes.append(note)
            req = violation_view(self.fresh(), note)
            results += [s.send(req), s.send(req)]
        self._count_writes("duplicate view_submission (same view id + hash)", n, results, notes)

        # the same approval click twice (same action_ts and trigger_id): audit rows per click
        pending = self.pending_cases(2 * n)
        results, single, double = [], 0, 0
        if len(pending) < 2 * n:
            self.add(Row("duplicate click (same action_ts / trigger_id)",
                         note="n/a: no case awaiting approval came about"))
        else:
            for k, vid in enumerate(pending):
                before = s.scalar("SELECT count(*) FROM audit_events WHERE subject_id = :v", v=vid)
                req = click("approval_approve", str(vid), url, user=MANAGER, key=f"dupclick{vid}")
                results.append(s.send(req))
                if k % 2:
                    results.append(s.send(req))
            time.sleep(1)

            def audits(vid: int) -> int:
                return int(s.scalar("SELECT count(*) FROM audit_events WHERE subject_id = :v", v=vid))

            wait_until(lambda: all(audits(v) > 0 for v in pending), 20)
            single = sum(audits(v) for v in pending[0::2])
            double = sum(audits(v) for v in pending[1::2])
            self.add(Row("duplicate click (same action_ts / trigger_id)", tried=len(results),
                         expected=n, delivered=n, duplicated=max(0, double - single),
                         five_xx=five_xx(results), note="audit rows, twice vs once"))

        # the same event_id twice: App Home published once per event. One user per event:
        # a Home that coalesces renders per user must not read as a lost event. Users who did
        # nothing else: the Home an approval click above re-renders for the manager a moment
        # later is no second publish of this event (it read as one, now and then).
        results, users = [], [f"UHOMEDUP{k}" for k in range(3)]
        n = len(users)
        since = self.fake.count()

        def publishes() -> int:
            return sum(c["args"].get("user_id") in users for c in self.fake.calls("views.publish", since=since))

        for user in users:
            req = home_opened(user, event_id=f"Ev{uuid.uuid4().hex[:10]}")
            results += [s.send(req), s.send(Req(req.body, req.content_type, dict(retry)))]
        wait_until(lambda: publishes() >= n, 15)
        time.sleep(3)  # room for the second delivery's publish
        published = publishes()
        self.add(Row("duplicate event (same event_id)", tried=len(results), expected=n,
                     delivered=min(published, n), duplicated=max(0, published - n),
                     lost=max(0, n - published), five_xx=five_xx(results),
                     note="views.publish calls"))

    def pending_cases(self, k: int) -> list[int]:
        """``k`` cases awaiting approval: three violations each (the third is an Abmahnung)."""
        s, handles = self.main, [self.fresh() for _ in range(k)]
        for step in range(3):
            for h in handles:
                s.send(command(f"verstoss {h} deadline deadline pending {step}", self.fake.url))

        def found() -> list[int]:
            return [r[0] for r in s.rows(
                "SELECT v.id FROM violations v JOIN assistants a ON a.id = v.assistant_id "
                "WHERE v.state = 'awaiting_approval' AND a.handle IN ("
                + ", ".join(f"'{h}'" for h in handles) + ") ORDER BY v.id")]  # our own handles

        wait_until(lambda: len(found()) >= k, 30)
        return found()

    def _count_writes(self, name: str, n: int, results: list[Result], notes: list[str]) -> None:
        s = self.main
        wait_until(lambda: all(s.violations(f"%{x}%") for x in notes), 20)
        time.sleep(1)
        stored = [s.violations(f"%{x}%") for x in notes]
        self.add(Row(name, tried=len(results), expected=n, delivered=sum(1 for c in stored if c),
                     duplicated=sum(max(0, c - 1) for c in stored),
                     lost=sum(1 for c in stored if c == 0), five_xx=five_xx(results),
                     note="violations stored"))

    # 3. 20 concurrent violations for one assistant
    def concurrent(self, server: Server, label: str, handle: str) -> None:
        n = 20
        tag = uuid.uuid4().hex[:6]
        results = load(server.proc.port, lambda i: command(
            f"verstoss {handle} deadline deadline conc-{tag}-{i}", self.fake.url), n, n)
        wait_until(lambda: server.violations(f"conc-{tag}-%") >= n, 60)
        steps = [r[0] for r in server.rows(
            "SELECT v.step FROM violations v JOIN assistants a ON a.id = v.assistant_id "
            "WHERE a.handle = :h ORDER BY v.id", h=handle)]
        expected = [min(k, 4) for k in range(1, n + 1)]
        wrong = sum(1 for a, b in zip(steps, expected) if a != b)
        self.add(Row(f"20 concurrent violations, {label}", tried=n, expected=n,
                     delivered=len(steps), duplicated=wrong, lost=max(0, n - len(steps)),
                     five_xx=five_xx(results), note=f"steps {''.join(map(str, steps[:8]))}…; "
                     "duplicated = steps out of 1,2,3,4,4,…"), server)

    def concurrent_pg(self) -> None:
        with pg_schema() as url:
            if url is None:
                self.add(Row("20 concurrent violations, PostgreSQL", note="n/a: no PostgreSQL"))
                return
            server = Server(self.workdir, self.fake, url, "vpabot-pg")
            try:
                ack = server.send(command("assistent neu conc.pg Conc Pg", self.fake.url))
                wait_until(lambda: server.scalar(
                    "SELECT count(*) FROM assistants WHERE handle = 'conc.pg'") == 1, 20)
                del ack
                self.concurrent(server, "PostgreSQL", "conc.pg")
            finally:
                server.close()

    # 6b. a refusing ack must not be followed by lazy work (issue 10 item 5)
    def refused_then_lazy(self) -> None:
        s, since = self.main, self.fake.count()
        handle = self.fresh()
        req = stop_form_with_impossible_date(handle)
        result = s.send(req)
        refused = result.status == 200 and b"errors" in result.body
        time.sleep(3)
        # Only messages about this form's assistant: earlier scenarios' paced announcements
        # may still be arriving and are no lazy work of this request.
        after = [c for c in self.fake.calls(since=since)
                 if c["method"] in ("chat.postMessage", "chat.postEphemeral", "response_url")
                 and handle in json.dumps(c, ensure_ascii=False)]
        self.add(Row("stop_modal with until 31.04.2027: field error, then nothing", tried=1,
                     refused_ok=f"{int(refused)}/1", expected=0, delivered=len(after),
                     duplicated=len(after), five_xx=five_xx([result]),
                     note="messages after the refusing ack count as duplicated"))

    # 7. hypothesis: signed, malformed, never a 5xx
    def fuzz(self) -> None:
        try:
            from hypothesis import HealthCheck, given, settings
        except ImportError:  # installed without the test extra: say so, keep the other rows
            self.add(Row("hypothesis fuzz", note="n/a: hypothesis missing, pip install -e '.[test]'"))
            return

        s, url = self.main, self.fake.url
        results: list[Result] = []
        examples = 60 if self.quick else 400
        failing: dict[str, int] = {}

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(malformed_requests(url))
        def probe(req: Req) -> None:
            result = s.send(req)
            results.append(result)
            if result.status >= 500 or result.status == 0:
                failing[kind_of(req)] = failing.get(kind_of(req), 0) + 1

        probe()
        time.sleep(2)  # lazy halves log their tracebacks after the ack
        worst = ", ".join(f"{k} ×{v}" for k, v in sorted(failing.items(), key=lambda kv: -kv[1])[:5])
        self.add(Row("hypothesis fuzz: grammar, dates, payloads, button values", tried=len(results),
                     refused_ok=f"{sum(r.status < 500 and r.status != 0 for r in results)}/{len(results)}",
                     five_xx=five_xx(results), note="signed, malformed; never 5xx"
                     + (f"; 5xx from {worst}" if worst else "")))

    # 8. the injection scan
    def injection(self) -> None:
        s, url, since = self.main, self.fake.url, self.fake.count()
        handle = "inj.x"
        texts = [f"assistent neu {handle} Eve {EVIL} X", f"notiz {handle} {EVIL}",
                 f"verstoss {handle} kontakt kommunikation {EVIL}", f"stop {handle} voll 14t {EVIL}",
                 f"frage {handle} {EVIL}", f"akte {handle}", "stops", "offen"]
        results = []
        for t in texts:
            results.append(s.send(command(t, url)))
            time.sleep(0.5)  # in order: the assistant first
        results.append(s.send(home_opened(ADMIN)))
        results.append(s.send(home_opened(MANAGER)))
        time.sleep(3)
        s.send(command("stops", url))
        time.sleep(6)  # the outbox sends announcements, DMs
        def dumped(call: dict[str, Any]) -> str:
            return json.dumps(call["args"], ensure_ascii=False)

        # Every payload that carries the text at all, escaped or not ...
        calls = [c for c in self.fake.calls(since=since)
                 if "x.example" in dumped(c) or "U999" in dumped(c)]
        # ... and those where Slack would turn it into a mention or a link.
        raw = [c for c in calls if any(m in dumped(c) for m in MENTIONS)]
        where = sorted({c["method"] + ("" if not any(m in str(c["args"].get("text", ""))
                                                       for m in MENTIONS) else " text")
                        + (" blocks" if any(m in json.dumps(c["args"].get("blocks", ""),
                                                            ensure_ascii=False) for m in MENTIONS)
                           else "") for c in raw})
        self.add(Row("injection scan: <!channel> <!here> <@U999> <https://…|klick>",
                     tried=len(calls), refused_ok=f"{len(calls) - len(raw)}/{len(calls)}",
                     five_xx=five_xx(results),
                     note="payloads with the text; escaped ones count as refused"
                     + (f"; raw in {', '.join(where)}" if where else "")))
