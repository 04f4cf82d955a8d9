"""``python -m bench [--quick]``: vpabot's acks against a bare Bolt app, side by side.

One run starts the fake Slack (own process), ``vpabot serve`` on a copy of the cached data
set and a bare Bolt app (``bench/bare.py``: ack-only listeners, same waitress, same adapter,
same signing), then sends each series to both, interleaved in rounds (A/B, the order flipped
every round) so the shared machine's noise hits both alike. See docs/performance.md.

Exit code: 0 every target held, 1 some missed (the table says which), 2 the bench broke.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from bench import dataset as ds
from bench.common import (
    ADMIN, ADMIN_2, MANAGER, TEAM_CHANNEL, Deployment, FakeSlackProcess, Process, Req, Result,
    click, command, git_commit, home_opened, load, options, pct, start_bare, violation_view,
)

SLACK_LIMIT_S = 3.0
RATIO_TARGET = 1.5
RSS_TARGET_MB = 150.0
SLOW_API_S = 2.0
OUTBOX_IDEAL_FACTOR = 1.1
BUSY = re.compile(r"busy|beschäftigt|ausgelastet|später|gleich wieder", re.I)
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

    @property
    def verdict(self) -> str:
        return "n/a" if self.ok is None else ("PASS" if self.ok else "FAIL")


class Run:
    def __init__(self, mode: Mode, workdir: Path, *, split: bool = True) -> None:
        self.mode, self.workdir, self.tag = mode, workdir, f"r{int(time.time()) % 100000}"
        self.split = split
        self.rows: list[Row] = []
        self.data: dict[str, Any] = {"mode": mode.name, "series": {}}
        source = ds.dataset(mode.size)
        self.db_path = workdir / "vpabot.db"
        self.db_url = ds.copy_to(source, workdir)
        self.old_handles = ds.old_handles(self.db_path)
        self.fake = FakeSlackProcess()
        self.vpabot = Deployment(workdir, self.db_url, self.fake.api_url, split=split)
        self.bare = start_bare(workdir, self.fake.api_url)

    def close(self) -> None:
        for proc in (self.vpabot, self.bare):
            proc.stop()
        self.fake.close()

    # -- the requests of each series (vpabot and bare get the same ones) ----------------------
    def makers(self) -> dict[str, Callable[[str, int], Req]]:
        url, handles = self.fake.url, self.old_handles
        searched = ["mül", "anna", "schm", "özd", "lena", "hof", "00"]

        def old(i: int) -> str:
            return handles[(i * 37) % len(handles)]

        return {
            "/vpa verstoss": lambda s, i: command(
                f"verstoss {ds.fresh_handle(i % ds.FRESH)} deadline deadline bench {s}-{i}", url),
            "/vpa akte": lambda s, i: command(f"akte {old(i)}", url),
            "button click (file page)": lambda s, i: click("file_page_next", f"{old(i)}:1", url),
            "modal submission": lambda s, i: violation_view(
                ds.fresh_handle((i * 7) % ds.FRESH), f"bench {s}-{i}"),
            "options search": lambda s, i: options(searched[i % len(searched)]),
            "app_home_opened": lambda s, i: home_opened((ADMIN, ADMIN_2, MANAGER)[i % 3]),
        }

    def series(self, kind: str, make: Callable[[str, int], Req], clients: int, n: int,
               code: str) -> None:
        """``n`` requests to each app in ``rounds`` interleaved chunks; ``code`` marks notes."""
        got: dict[str, list[Result]] = {"vpabot": [], "bare": []}
        chunk = -(-n // self.mode.rounds)
        for r in range(self.mode.rounds):
            order = [("vpabot", self.vpabot), ("bare", self.bare)]
            if r % 2:
                order.reverse()
            for name, proc in order:
                start = len(got[name])
                stamp = f"{self.tag}-{code}-{name[0]}{clients}"
                got[name] += load(proc.port, lambda i: make(stamp, start + i), chunk, clients)
        key = f"{kind} @{clients}"
        self.data["series"][key] = {
            name: summarise(results) for name, results in got.items()}
        self.data["series"][key]["vpabot"]["busy_acks"] = sum(
            bool(BUSY.search(r.body.decode(errors="replace"))) for r in got["vpabot"])
        v, b = self.data["series"][key]["vpabot"], self.data["series"][key]["bare"]
        ratio = v["p99_ms"] / b["p99_ms"] if b["p99_ms"] else float("inf")
        v["ratio_p99"] = ratio
        errors = v["non_200"] + b["non_200"]
        self.rows.append(Row(
            f"{kind}, {clients} client{'s' if clients > 1 else ''} (n={v['n']}/{b['n']})",
            f"{v['p50_ms']:.1f} / {v['p99_ms']:.0f} ms (max {v['max_ms']:.0f}) vs "
            f"{b['p50_ms']:.1f} / {b['p99_ms']:.0f} ms: {ratio:.1f}×"
            + (f"; {errors} non-200" if errors else ""),
            f"p99 ≤ {RATIO_TARGET}× bare, max < {SLACK_LIMIT_S:.0f} s, all 200",
            ratio <= RATIO_TARGET and v["max_ms"] < SLACK_LIMIT_S * 1000 and errors == 0))
        print(f"  {self.rows[-1].measure}: {self.rows[-1].figure}", flush=True)

    def warm_up(self) -> None:
        """A few of each request to both apps first: imports, caches and connections settle."""
        for kind, make in self.makers().items():
            for proc in (self.vpabot, self.bare):
                load(proc.port, lambda i: make(f"{self.tag}-warm", i), 3, 1)

    # -- acknowledged work completes -----------------------------------------------------------
    def stored(self, pattern: str) -> dict[str, int]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            return dict(conn.execute(
                "SELECT note, count(*) FROM violations WHERE note LIKE ? GROUP BY note",
                (pattern,)).fetchall())
        finally:
            conn.close()

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
        self.rows.append(Row(
            f"{label}: acknowledged work done",
            f"{len(notes)} of {acked} acked stored after {waited:.0f} s"
            + (f" ({busy} acks said busy)" if busy else "") + (f", {doubled} twice" if doubled else ""),
            f"stored + busy = acked within {self.mode.settle_s:.0f} s, none twice",
            len(notes) + busy >= acked and doubled == 0))
        print(f"  {self.rows[-1].measure}: {self.rows[-1].figure}", flush=True)

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
                self.rows.append(Row(
                    f"{kind}, {clients} clients, every Web API call {SLOW_API_S:.0f} s (n={s['n']})",
                    f"{s['p50_ms']:.1f} / {s['p99_ms']:.0f} ms, max {s['max_ms']:.0f} ms"
                    + (f"; {s['non_200']} non-200" if s["non_200"] else ""),
                    f"max < {SLACK_LIMIT_S:.0f} s, all 200",
                    s["max_ms"] < SLACK_LIMIT_S * 1000 and s["non_200"] == 0))
                print(f"  {self.rows[-1].measure}: {self.rows[-1].figure}", flush=True)
        finally:
            for method in SLACK_METHODS:
                self.fake.call("delay", method, 0)

    # -- the outbox against 1 message / second / channel ----------------------------------------
    def outbox(self) -> None:
        n = self.mode.announcements
        label = f"outbox: {n} announcements, fake at 1 msg/s/channel"
        if not self.fake.has("rate_limit"):
            self.rows.append(Row(label, "n/a (fake has no rate limit yet)",
                                 f"{n} delivered, 0 dead, ≤ {OUTBOX_IDEAL_FACTOR}× ideal", None))
            print(f"  {label}: n/a", flush=True)
            return
        # A vpabot of its own on the small data set: this measures the outbox's pacing, not
        # the backlog the series above left in the first one.
        self.vpabot.stop()
        self.db_url = ds.copy_to(ds.dataset(ds.SMALL), self.workdir / "outbox")
        self.db_path = self.workdir / "outbox" / "vpabot.db"
        self.vpabot = Deployment(self.workdir / "outbox", self.db_url, self.fake.api_url,
                                 split=self.split, name="vpabot-outbox")
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
        self.rows.append(Row(label, f"{sent} delivered, {dead} dead in {took:.0f} s "
                             f"(ideal {ideal:.0f} s: {took / ideal:.2f}×)",
                             f"{n} delivered, 0 dead, ≤ {OUTBOX_IDEAL_FACTOR}× ideal",
                             sent == n and dead == 0 and took <= OUTBOX_IDEAL_FACTOR * ideal + 5))
        print(f"  {label}: {self.rows[-1].figure}", flush=True)

    def _post_command(self, text: str) -> None:
        load(self.vpabot.port, lambda i: command(text, self.fake.url), 1, 1)

    def outbox_rows(self, after_id: int) -> tuple[int, int, int]:
        """(highest outbox id, sent, dead) of team-channel rows after ``after_id``."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            rows = conn.execute("SELECT id, status, payload FROM outbox WHERE id > ?",
                                (after_id,)).fetchall()
        finally:
            conn.close()
        team = [(status) for _, status, payload in rows if TEAM_CHANNEL in str(payload)]
        top = max((r[0] for r in rows), default=after_id)
        return top, team.count("sent"), team.count("dead")


class _Partial(Exception):
    """``--series``: the chosen series are done; the rest of the run is skipped."""


def summarise(results: list[Result]) -> dict[str, Any]:
    ms = [r.seconds * 1000 for r in results]
    return {"n": len(ms), "p50_ms": pct(ms, 50), "p99_ms": pct(ms, 99), "max_ms": max(ms, default=0),
            "non_200": sum(r.status != 200 for r in results)}


def table(rows: list[Row]) -> str:
    lines = ["| measure | figure (vpabot p50 / p99 vs bare Bolt p50 / p99: ratio p99) | target | verdict |",
             "|---|---|---|---|"]
    lines += [f"| {r.measure} | {r.figure} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small data, few samples")
    parser.add_argument("--output", help="write all figures as JSON to this file")
    parser.add_argument("--docs", action="store_true", help="write the table to docs/performance.md")
    parser.add_argument("--single", action="store_true",
                        help="one `vpabot serve` doing everything (role all) instead of "
                             "`serve --role web` + `vpabot worker`, the way production runs it")
    parser.add_argument("--series", action="append", metavar="TEXT",
                        help="only the ack series whose name contains TEXT (repeatable); skips "
                             "the slow-Slack, outbox and memory rows: for measuring while working")
    args = parser.parse_args(argv)
    if args.series and args.docs:
        parser.error("--docs records the whole table: run it without --series")
    mode = QUICK if args.quick else FULL
    started = datetime.now(timezone.utc)
    print(f"bench ({mode.name}, {'one process' if args.single else 'serve --role web + worker'}): "
          f"{mode.size.label}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="vpabot-bench-") as tmp:
        run = Run(mode, Path(tmp), split=not args.single)
        try:
            makers = run.makers()
            if args.series:
                makers = {k: v for k, v in makers.items() if any(s in k for s in args.series)}
            run.warm_up()
            for code, (kind, make) in enumerate(makers.items()):
                for clients, n in zip(mode.clients, mode.samples):
                    run.series(kind, make, clients, n, f"k{code}")
                if kind in ("/vpa verstoss", "modal submission"):
                    s = [run.data["series"][f"{kind} @{c}"]["vpabot"] for c in mode.clients]
                    run.check_completion(kind, f"{run.tag}-k{code}-v",
                                         sum(x["n"] - x["non_200"] for x in s),
                                         sum(x["busy_acks"] for x in s))
            if args.series:
                raise _Partial
            run.slow_slack()
            rss = run.vpabot.peak_rss_mb()
            each = run.vpabot.peak_rss_by_process()
            run.data["peak_rss_mb"], run.data["peak_rss_by_process_mb"] = rss, each
            tracebacks = run.vpabot.tracebacks()
            run.outbox()
            run.rows.append(Row("peak RSS of each vpabot process (series above)",
                                " / ".join(f"{name} {mb:.0f} MB" for name, mb in each.items()),
                                f"< {RSS_TARGET_MB:.0f} MB each", rss < RSS_TARGET_MB))
            run.rows.append(Row("tracebacks in the vpabot logs", str(tracebacks), "0",
                                tracebacks == 0))
        except _Partial:
            pass
        except Exception:
            run.close()
            raise
        run.close()
    run.data.update(deployment="one `vpabot serve`" if args.single else
                    "`vpabot serve --role web` + `vpabot worker`", commit=git_commit(), started=started.isoformat(timespec="seconds"),
                    load_after=os.getloadavg()[0], rows=[r.__dict__ for r in run.rows])
    out = table(run.rows)
    print()
    print(out)
    failed = [r for r in run.rows if r.ok is False]
    print(f"\n{len(failed)} of {sum(r.ok is not None for r in run.rows)} targets missed; "
          f"commit {run.data['commit']}, load {os.getloadavg()[0]:.2f}")
    if args.output:
        Path(args.output).write_text(json.dumps(run.data, indent=1, default=str))
    if args.docs:
        write_docs(out, run.data, mode)
    return 1 if failed else 0


def write_docs(out: str, data: dict[str, Any], mode: Mode) -> None:
    path = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
    path.parent.mkdir(exist_ok=True)
    text = path.read_text() if path.exists() else "# Performance\n\n<!-- bench:start -->\n<!-- bench:end -->\n"
    block = (f"<!-- bench:start -->\nCommand: `python -m bench{' --quick' if mode.name == 'quick' else ''}{' --single' if data['deployment'].startswith('one') else ''}`"
             f" · commit `{data['commit']}` · {data['started']} · {mode.size.label}"
             f" · {data['deployment']}"
             f" · load average after the run {data['load_after']:.1f} on {os.cpu_count()} CPUs\n\n{out}\n"
             "<!-- bench:end -->")
    text = re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", lambda _: block, text, flags=re.S)
    path.write_text(text)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
