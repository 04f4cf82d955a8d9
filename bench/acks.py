"""The runs of ``python -m bench``: the ack series of vpabot against a bare Bolt app, whether
the acknowledged work got done, Slack at 2 s per call, the outbox and memory, on one database.

One ``Run`` starts the fake Slack (own process), vpabot (``serve --role web`` + ``worker``,
or one ``serve``) on the run's database (``bench/database.py``: a copy of the cached SQLite
set or a fresh PostgreSQL schema loaded from it) and a bare Bolt app (``bench/bare.py``:
ack-only listeners, same waitress, same adapter, same signing), then sends each series to
both, interleaved in rounds (A/B, the order flipped every round) so the shared machine's
noise hits both alike. Times are milliseconds unless a name says otherwise.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from bench import dataset as ds
from bench.common import TEAM_CHANNEL, Deployment, FakeSlackProcess, Result, load, pct, start_bare
from bench.payloads import (
    ADMIN, ADMIN_2, MANAGER, Req, click, command, home_opened, options, violation_view,
)
from bench.database import Database, open_database
from vpabot.bot.i18n import Translator
from vpabot.storage.models import OutboxStatus

SLACK_LIMIT_S = 3.0
RATIO_TARGET = 1.5
RSS_TARGET_MB = 150.0
SLOW_API_S = 2.0
OUTBOX_IDEAL_FACTOR = 1.1
WRITES = ("/vpa verstoss", "modal submission")  # the series whose ack stores something
# The series the floor app runs too: the writes (one committed INSERT) and the options search
# (one indexed read answered as options), whose ack cannot be done without the database.
FLOORED = (*WRITES, "options search")
# vpabot's own "busy" message in each language it speaks: an ack or reply carrying it took
# nothing on (a pattern of guessed words missed the German one, and busy acks counted as done).
BUSY = re.compile("|".join(re.escape(Translator(lang)("error.busy")) for lang in ("de", "en")))


def said_busy(body: bytes | str) -> bool:
    """Whether an ack body or reply carries vpabot's busy message (JSON escapes undone)."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    try:
        text = json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        pass
    return bool(BUSY.search(text))
# Every Web API method vpabot calls, plus the response_url; the 2 s variant slows them all.
SLACK_METHODS = ["chat.postMessage", "chat.update", "chat.postEphemeral", "views.open",
                 "views.publish", "views.update", "views.push", "conversations.open",
                 "conversations.history", "users.info", "files.getUploadURLExternal",
                 "files.completeUploadExternal", "upload", "response_url", "auth.test"]


@dataclass(frozen=True)
class Mode:
    name: str
    size: ds.Size
    clients: tuple[int, int]
    samples: tuple[int, int]  # per app and series, for the two client counts
    rounds: int
    slow_samples: int
    announcements: int
    settle_s: float


FULL = Mode("full", ds.LARGE, (1, 50), (240, 400), 4, 200, 200, 60.0)
QUICK = Mode("quick", ds.SMALL, (1, 5), (12, 20), 2, 10, 5, 20.0)


@dataclass
class Row:
    measure: str
    figure: str
    target: str
    ok: bool | None  # None: not judged (n/a)
    db: str = ""  # the database's label where a table holds more than one

    @property
    def verdict(self) -> str:
        return "n/a" if self.ok is None else ("PASS" if self.ok else "FAIL")


class Run:
    """Everything ``python -m bench`` measures on one database (``kind``: sqlite|postgresql).

    ``named``: every row carries the database's label (tables holding both databases).
    """

    def __init__(self, mode: Mode, workdir: Path, kind: str = "sqlite", *, split: bool = True,
                 named: bool = False) -> None:
        self.mode, self.workdir, self.tag = mode, workdir, f"r{int(time.time()) % 100000}"
        self.kind, self.split = kind, split
        self.rows: list[Row] = []
        self.data: dict[str, Any] = {"mode": mode.name, "db": kind, "series": {}}
        # Closed in reverse: the processes stop before their database goes (a PostgreSQL
        # schema cannot be dropped under a live connection's locks).
        self._stack = ExitStack()
        try:
            source = ds.dataset(mode.size)
            self.db: Database = self._stack.enter_context(open_database(kind, source, workdir))
            self.row_db = self.db.label if named else ""
            # The same data in either database: the handles come from the cached file.
            self.old_handles = ds.old_handles(source)
            self.fake = FakeSlackProcess()
            self._stack.callback(self.fake.close)
            self.vpabot = Deployment(workdir, self.db.url, self.fake.api_url, split=split)
            self._stack.callback(self.vpabot.stop)
            self.bare = start_bare(workdir, self.fake.api_url)
            self._stack.callback(self.bare.stop)
            self.floor = start_bare(workdir, self.fake.api_url, durable=self.db.url)
            self._stack.callback(self.floor.stop)
        except BaseException:
            self._stack.close()
            raise

    def close(self) -> None:
        """Stop every process, then drop or remove the databases; safe to call twice."""
        self._stack.close()

    def add(self, row: Row) -> None:
        row.db = self.row_db
        self.rows.append(row)
        print(f"  {row.db + ' · ' if row.db else ''}{row.measure}: {row.figure}", flush=True)

    # -- the requests of each series (vpabot and bare get the same ones) ----------------------
    def makers(self) -> dict[str, Callable[[str, int], Req]]:
        url, handles = self.fake.url, self.old_handles
        searched = ["mül", "anna", "schm", "özd", "lena", "hof", "00"]

        def old(i: int) -> str:
            return handles[(i * 37) % len(handles)]

        return {
            "/vpa verstoss": lambda s, i: command(
                f"verstoss {ds.fresh_handle(i % ds.FRESH)} deadline deadline bench {s}-{i}", url),
            "/vpa akte": lambda s, i: replace(command(f"akte {old(i)}", url), expect=old(i)),
            # The value vpabot put on the file's "next page" button, as Slack sends it back.
            "button click (file page)": lambda s, i: replace(click(
                "file_page_next", json.dumps({"handle": old(i), "page": 1}), url), expect=old(i)),
            "modal submission": lambda s, i: violation_view(
                ds.fresh_handle((i * 7) % ds.FRESH), f"bench {s}-{i}"),
            "options search": lambda s, i: options(searched[i % len(searched)]),
            "app_home_opened": lambda s, i: home_opened((ADMIN, ADMIN_2, MANAGER)[i % 3]),
        }

    def series(self, kind: str, make: Callable[[str, int], Req], clients: int, n: int,
               code: str) -> None:
        """``n`` requests to each app in ``rounds`` interleaved chunks; ``code`` marks notes.

        Writes and the options search go to the floor app too (``bench/bare.py --durable``):
        its p99 is printed beside the ratio, to show what the committed write, or the one
        indexed read an answer with options needs, costs alone; the verdict stays the issue's
        (vpabot against the ack-only app)."""
        apps: list[tuple[str, Any]] = [("vpabot", self.vpabot), ("bare", self.bare)]
        if kind in FLOORED:
            apps.append(("floor", self.floor))
        got: dict[str, list[Result]] = {name: [] for name, _ in apps}
        expected: dict[str, str] = {}  # response_url key -> what vpabot's answer must contain
        since = self.fake.count()
        chunk = -(-n // self.mode.rounds)
        for r in range(self.mode.rounds):
            order = apps[r % len(apps):] + apps[:r % len(apps)]
            if r % 2:
                order.reverse()
            for name, proc in order:
                start = len(got[name])
                stamp = f"{self.tag}-{code}-{name[0]}{clients}"

                def made(i: int, name: str = name, stamp: str = stamp, start: int = start) -> Req:
                    req = make(stamp, start + i)
                    if name == "vpabot" and req.expect:
                        expected[req.key] = req.expect
                    return req

                got[name] += load(proc.port, made, chunk, clients)
        key = f"{kind} @{clients}"
        self.data["series"][key] = {
            name: summarise(results) for name, results in got.items()}
        self.data["series"][key]["vpabot"]["busy_acks"] = sum(
            said_busy(r.body) for r in got["vpabot"])
        v, b = self.data["series"][key]["vpabot"], self.data["series"][key]["bare"]
        ratio = v["p99_ms"] / b["p99_ms"] if b["p99_ms"] else float("inf")
        v["ratio_p99"] = ratio
        errors = v["non_200"] + b["non_200"]
        floor = ""
        if "floor" in got:
            f = self.data["series"][key]["floor"]
            v["ratio_p99_floor"] = v["p99_ms"] / f["p99_ms"] if f["p99_ms"] else float("inf")
            floor = (f"; {'durable' if kind in WRITES else 'query'} floor {f['p50_ms']:.1f} / {f['p99_ms']:.0f} ms: "
                     f"{v['ratio_p99_floor']:.1f}× floor")
        self.add(Row(
            f"{kind}, {clients} client{'s' if clients > 1 else ''} (n={v['n']}/{b['n']})",
            f"{v['p50_ms']:.1f} / {v['p99_ms']:.0f} ms (max {v['max_ms']:.0f}) vs "
            f"{b['p50_ms']:.1f} / {b['p99_ms']:.0f} ms: {ratio:.1f}×{floor}"
            + (f"; {errors} non-200" if errors else ""),
            f"p99 ≤ {RATIO_TARGET}× bare, max < {SLACK_LIMIT_S:.0f} s, all 200",
            ratio <= RATIO_TARGET and v["max_ms"] < SLACK_LIMIT_S * 1000 and errors == 0))
        if expected:
            label = f"{kind}, {clients} client{'s' if clients > 1 else ''}"
            self.check_answers(label, expected, since, busy_acks=v["busy_acks"])

    def check_answers(self, label: str, expected: dict[str, str], since: int, *, busy_acks: int) -> None:
        """Every read vpabot took on got its answer through its response_url, and the answer
        is what was asked for (it names the assistant); the rest were told "busy" (in the ack,
        or for a click through the response_url). An ack is only fast if the work behind it
        is done, so the figure shows how many reads were really answered."""
        started = time.monotonic()
        right: set[str] = set()
        busy: set[str] = set()
        while time.monotonic() - started < self.mode.settle_s:
            for call in self.fake.calls("response_url", since=since):
                key = str(call["args"].get("_key") or "")
                text = json.dumps(call["args"], ensure_ascii=False)
                if key in expected and expected[key] in text:
                    right.add(key)
                elif key in expected and said_busy(text):
                    busy.add(key)
            told = len(busy) + busy_acks
            if len(right) + told >= len(expected):
                break
            time.sleep(1)
        told = len(busy) + busy_acks
        self.data.setdefault("answers", {})[label] = {
            "asked": len(expected), "answered": len(right), "busy": told}
        self.add(Row(f"{label}: reads answered",
                     f"{len(right)} of {len(expected)} answered with the file, {told} told busy",
                     "answered + busy = acked", len(right) + told >= len(expected)))

    def warm_up(self) -> None:
        """A few of each request to every app first: imports, caches and connections settle."""
        for kind, make in self.makers().items():
            for proc in (self.vpabot, self.bare, *((self.floor,) if kind in FLOORED else ())):
                load(proc.port, lambda i: make(f"{self.tag}-warm", i), 3, 1)

    # -- acknowledged work completes -----------------------------------------------------------
    def stored(self, pattern: str) -> dict[str, int]:
        """note -> how many violations carry it, for the notes matching ``pattern`` (LIKE)."""
        return {note: n for note, n in self.db.rows(
            "SELECT note, count(*) FROM violations WHERE note LIKE :p GROUP BY note", p=pattern)}

    def check_completion(self, label: str, prefix: str, acked: int, busy: int) -> None:
        """Every acknowledged write is in the database within ``settle_s``, or the ack said busy."""
        started = time.monotonic()
        notes = self.stored(f"bench {prefix}%")
        while len(notes) < acked - busy and time.monotonic() - started < self.mode.settle_s:
            time.sleep(1)
            notes = self.stored(f"bench {prefix}%")
        waited = time.monotonic() - started
        doubled = sum(c - 1 for c in notes.values() if c > 1)
        self.data.setdefault("completion", {})[label] = {
            "acked": acked, "busy": busy, "stored": len(notes), "doubled": doubled,
            "waited_s": round(waited, 1)}
        self.add(Row(
            f"{label}: acknowledged work done",
            f"{len(notes)} of {acked} acked stored after {waited:.0f} s"
            + (f" ({busy} acks said busy)" if busy else "") + (f", {doubled} twice" if doubled else ""),
            f"stored + busy = acked within {self.mode.settle_s:.0f} s, none twice",
            len(notes) + busy >= acked and doubled == 0))

    # -- the 2 s Slack variant -----------------------------------------------------------------
    def slow_slack(self) -> None:
        for method in SLACK_METHODS:
            self.fake.call("delay", method, SLOW_API_S)
        clients, n = self.mode.clients[1], self.mode.slow_samples
        try:
            for kind, make in self.makers().items():
                results = load(self.vpabot.port, lambda i: make(f"{self.tag}-s", i), n, clients)
                s = summarise(results)
                self.data["series"][f"{kind} @{clients} slow Slack"] = {"vpabot": s}
                self.add(Row(
                    f"{kind}, {clients} clients, every Web API call {SLOW_API_S:.0f} s (n={s['n']})",
                    f"{s['p50_ms']:.1f} / {s['p99_ms']:.0f} ms, max {s['max_ms']:.0f} ms"
                    + (f"; {s['non_200']} non-200" if s["non_200"] else ""),
                    f"max < {SLACK_LIMIT_S:.0f} s, all 200",
                    s["max_ms"] < SLACK_LIMIT_S * 1000 and s["non_200"] == 0))
        finally:
            for method in SLACK_METHODS:
                self.fake.call("delay", method, 0)

    # -- the outbox against 1 message / second / channel ----------------------------------------
    def outbox(self) -> None:
        n = self.mode.announcements
        label = f"outbox: {n} announcements, fake at 1 msg/s/channel"
        if not self.fake.has("rate_limit"):
            self.add(Row(label, "n/a (fake has no rate limit yet)",
                                 f"{n} delivered, 0 dead, ≤ {OUTBOX_IDEAL_FACTOR}× ideal", None))
            return
        # A vpabot of its own on the small data set: this measures the outbox's pacing, not
        # the backlog the series above left in the first one.
        self.vpabot.stop()
        self.db = self._stack.enter_context(
            open_database(self.kind, ds.dataset(ds.SMALL), self.workdir / "outbox"))
        self.vpabot = Deployment(self.workdir / "outbox", self.db.url, self.fake.api_url,
                                 split=self.split, name="vpabot-outbox")
        self._stack.callback(self.vpabot.stop)
        self.fake.call("rate_limit", "chat.postMessage", per_channel=1.0)
        first_id = self.outbox_rows(0)[0]
        start = time.monotonic()
        for k in range(n):  # the fresh assistants have no stop
            self._post_command(f"stop {ds.fresh_handle(k)} voll 14t")
        ideal = float(n)  # one per second to one channel
        budget = ideal * 2 + 60
        sent = dead = 0
        while time.monotonic() - start < budget:
            _, sent, dead = self.outbox_rows(first_id)
            if sent + dead >= n:
                break
            time.sleep(1)
        took = time.monotonic() - start
        self.data["outbox"] = {"n": n, "sent": sent, "dead": dead, "seconds": round(took, 1)}
        self.add(Row(label, f"{sent} delivered, {dead} dead in {took:.0f} s "
                             f"(ideal {ideal:.0f} s: {took / ideal:.2f}×)",
                             f"{n} delivered, 0 dead, ≤ {OUTBOX_IDEAL_FACTOR}× ideal",
                             sent == n and dead == 0 and took <= OUTBOX_IDEAL_FACTOR * ideal + 5))

    # -- everything, in order ---------------------------------------------------------------------
    def everything(self, only: list[str] | None = None) -> None:
        """The ack series (``only``: those whose name contains one of these texts, and then
        nothing else), the completion checks, the 2 s Slack variant, memory and the outbox."""
        makers = self.makers()
        if only:
            makers = {k: v for k, v in makers.items() if any(s in k for s in only)}
        self.warm_up()
        for code, (kind, make) in enumerate(makers.items()):
            for clients, n in zip(self.mode.clients, self.mode.samples):
                self.series(kind, make, clients, n, f"k{code}")
            if kind in WRITES:
                s = [self.data["series"][f"{kind} @{c}"]["vpabot"] for c in self.mode.clients]
                self.check_completion(kind, f"{self.tag}-k{code}-v",
                                      sum(x["n"] - x["non_200"] for x in s),
                                      sum(x["busy_acks"] for x in s))
        if only:
            return
        self.slow_slack()
        rss = self.vpabot.peak_rss_mb()
        each = self.vpabot.peak_rss_by_process()
        units = self.vpabot.pss_by_deployment_unit()
        self.data["peak_rss_mb"], self.data["peak_rss_by_process_mb"] = rss, each
        self.data["pss_by_deployment_unit_mb"] = units
        tracebacks = self.vpabot.tracebacks()
        self.outbox()
        self.add(Row("peak RSS of each vpabot process (series above)",
                     " / ".join(f"{name} {mb:.0f} MB" for name, mb in each.items())
                     + "; with its read process, after the series: "
                     + " / ".join(f"{name} PSS {mb:.0f} MB" for name, mb in units.items()),
                     f"< {RSS_TARGET_MB:.0f} MB each, and with its read process",
                     rss < RSS_TARGET_MB and max(units.values()) < RSS_TARGET_MB))
        self.add(Row("tracebacks in the vpabot logs", str(tracebacks), "0", tracebacks == 0))

    def _post_command(self, text: str) -> None:
        load(self.vpabot.port, lambda i: command(text, self.fake.url), 1, 1)

    def outbox_rows(self, after_id: int) -> tuple[int, int, int]:
        """(highest outbox id, sent, dead) of team-channel rows after ``after_id``."""
        rows = self.db.rows("SELECT id, status, payload FROM outbox WHERE id > :after",
                            after=after_id)
        team = [(status) for _, status, payload in rows if TEAM_CHANNEL in str(payload)]
        top = max((r[0] for r in rows), default=after_id)
        return top, team.count(OutboxStatus.SENT), team.count(OutboxStatus.DEAD)


def summarise(results: list[Result]) -> dict[str, Any]:
    ms = [r.seconds * 1000 for r in results]
    return {"n": len(ms), "p50_ms": pct(ms, 50), "p99_ms": pct(ms, 99), "max_ms": max(ms, default=0),
            "non_200": sum(r.status != 200 for r in results)}


