"""Benchmark of the three promises' performance side: ack in time, throughput, file memory.

Run: ``.venv/bin/python bench/run.py [--quick]``. Prints a table, writes ``bench/results.json``,
exits 0 when every target holds and 1 otherwise. See ``bench/README.md`` for what is measured
and why the targets are ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from vpabot.storage.models import Assistant, Violation  # noqa: E402
from vpabot.bot.testing.fake_slack import FakeSlack  # noqa: E402
from vpabot.bot.testing.harness import ADMIN, BotUnderTest  # noqa: E402

SLOW_SLACK_SECONDS = 2.0
LOCK_SECONDS = 2.0
LOCK_GAP_SECONDS = 0.3
LAZY_WORKERS = 5  # slack_bolt's default listener executor: bounds how fast replies drain
ACK_RATIO_TARGET = 1.5
ACK_P95_LIMIT_S = 1.0
MEMORY_RATIO_TARGET = 5.0
MAX_BLOCKS = 50
BIG_FILE, SMALL_FILE = 2000, 10


# -- helpers ------------------------------------------------------------------------------------
class Replies:
    """Answers arriving at the fake's response_url, indexed by key.

    Why not ``SlackDriver.reply``: ``FakeSlack.wait_for`` rescans every recorded call on every
    wake-up, which with thousands of calls and ten waiting threads burns the CPU that the app
    under test (same process) needs. We wrap the fake's recorder once instead.
    """

    def __init__(self, fake: FakeSlack) -> None:
        self._cond = threading.Condition()
        self._got: dict[str, dict[str, Any]] = {}
        self._at: dict[str, float] = {}
        original = fake._record

        def record(method: str, args: dict, headers: dict):  # type: ignore[no-untyped-def]
            if method == "response_url":
                with self._cond:
                    self._got.setdefault(args["_key"], args)
                    self._at.setdefault(args["_key"], time.perf_counter())
                    self._cond.notify_all()
            return original(method, args, headers)

        fake._record = record  # type: ignore[method-assign]

    def wait(self, key: str, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while key not in self._got:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._got[key]

    def wait_all(self, keys: list[str], timeout: float) -> dict[str, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        for key in keys:
            self.wait(key, max(0.0, deadline - time.monotonic()))
        with self._cond:
            return {k: self._got[k] for k in keys if k in self._got}

    def arrived_at(self, key: str) -> float | None:
        with self._cond:
            return self._at.get(key)


class LogTally(logging.Handler):
    """Counts what the app logs at ERROR instead of letting tracebacks flood the table."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        what = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            what += f" -> {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.first[what] = self.first.get(what, 0) + 1


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); no interpolation, so p95 is a real sample."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies),
        "median_s": statistics.median(latencies),
        "p95_s": pct(latencies, 95),
        "max_s": max(latencies),
    }


def is_logged(reply: dict[str, Any] | None, name: str) -> bool:
    """A violation reply's fallback text is '<step>: <name>'; errors say something else."""
    return bool(reply) and str(reply.get("text", "")).endswith(f": {name}")


@dataclass
class Ctx:
    bot: BotUnderTest
    replies: Replies
    results: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def send(self, text: str) -> tuple[float, str, bool]:
        """One ``/vpa`` command: (ack latency, response key, plain empty 200 ack?)."""
        start = time.perf_counter()
        ack, key = self.bot.slack.command(text, user=ADMIN)
        latency = time.perf_counter() - start
        return latency, key, ack.status == 200 and not ack.body

    def create(self, handle: str, name: str) -> None:
        """Setup, not measured: the row is written directly, so the benchmark depends only on
        ``verstoss`` and ``akte`` (not on what ``assistent neu`` replies or sets up besides)."""
        engine = create_engine(self.bot.settings.database_url)
        try:
            with Session(engine) as session, session.begin():
                session.add(Assistant(handle=handle, name=name, created_by=ADMIN))
        finally:
            engine.dispose()

    def check(self, name: str, ok: bool, detail: str) -> None:
        if not ok:
            self.failures.append(f"{name}: {detail}")


def stored_violations(database_url: str, handle: str) -> int:
    """Violations committed for ``handle``, read through a separate connection."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return len(session.scalars(
                select(Violation.id).join(Assistant).where(Assistant.handle == handle)).all())
    finally:
        engine.dispose()


def drain_budget(n: int, per_reply_s: float) -> float:
    """How long all replies may take: the lazy pool works through them LAZY_WORKERS at a time."""
    return 30.0 + 2.0 * n * per_reply_s / LAZY_WORKERS


def ack_series(c: Ctx, handle: str, name: str, n: int, *, before_each=None) -> dict[str, Any]:
    latencies, keys, bad_acks = [], [], 0
    for i in range(n):
        if before_each is not None:
            before_each()
        latency, key, ok = c.send(f"verstoss {handle} deadline deadline Bench Nummer {i}")
        latencies.append(latency)
        keys.append(key)
        bad_acks += not ok
    return {"latencies": latencies, "keys": keys, "bad_acks": bad_acks, "name": name,
            "handle": handle, "sent_until": time.perf_counter()}


def settle(c: Ctx, series: dict[str, Any], budget: float) -> dict[str, Any]:
    """Wait (bounded) for every reply; ``drain_s`` runs from the last ack to the last reply."""
    got = c.replies.wait_all(series["keys"], budget)
    arrivals = [c.replies.arrived_at(k) for k in series["keys"]]
    last = max((a for a in arrivals if a is not None), default=series["sent_until"])
    logged = sum(is_logged(got.get(k), series["name"]) for k in series["keys"])
    return {
        **summary(series["latencies"]),
        "bad_acks": series["bad_acks"],
        "replies": len(got),
        "replies_logged": logged,
        "stored": stored_violations(c.bot.settings.database_url, series["handle"]),
        "drain_s": max(0.0, last - series["sent_until"]),
    }


# -- 1 and 2: ack latency -------------------------------------------------------------------------
def bench_ack(c: Ctx, n: int, db_path: str) -> None:
    fake = c.bot.fake
    for handle, name in [("bench.warm", "Warm Up"), ("bench.fast", "Fast Slack"),
                         ("bench.slow", "Slow Slack"), ("bench.lock", "Slow Datenbank")]:
        c.create(handle, name)
    warm = ack_series(c, "bench.warm", "Warm Up", 10)
    settle(c, warm, 30)

    fast = settle(c, ack_series(c, "bench.fast", "Fast Slack", n), drain_budget(n, 0.1))

    posts_before = len(fake.calls_to("chat.postMessage"))
    fake.delay("response_url", SLOW_SLACK_SECONDS)
    fake.delay("chat.postMessage", SLOW_SLACK_SECONDS)
    try:
        slow_series = ack_series(c, "bench.slow", "Slow Slack", n)
        slow = settle(c, slow_series, drain_budget(n, SLOW_SLACK_SECONDS))
    finally:
        fake.delay("response_url", 0)
        fake.delay("chat.postMessage", 0)
    # The manager's DM on the Ermahnung went through the outbox into the slow chat.postMessage.
    slow["chat_postMessage_calls"] = len(fake.calls_to("chat.postMessage")) - posts_before

    # 2: a second connection holds SQLite's write lock in 2 s bursts; every command is sent
    # while the lock is held, so the lazy listeners that follow its ack are all stuck behind it.
    held, stop = threading.Event(), threading.Event()
    lock_windows = []

    def hold_lock() -> None:
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
        try:
            while not stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                held.set()
                lock_windows.append(time.perf_counter())
                time.sleep(LOCK_SECONDS)  # always the full hold, even when the last send is in
                held.clear()
                conn.execute("COMMIT")
                time.sleep(LOCK_GAP_SECONDS)
        finally:
            conn.close()

    locker = threading.Thread(target=hold_lock, name="bench-db-lock", daemon=True)
    locker.start()
    sent_under_lock = 0

    def wait_for_lock() -> None:
        nonlocal sent_under_lock
        held.wait(10)
        sent_under_lock += held.is_set()

    try:
        lock_series = ack_series(c, "bench.lock", "Slow Datenbank", n, before_each=wait_for_lock)
    finally:
        stop.set()
        locker.join(LOCK_SECONDS + LOCK_GAP_SECONDS + 5)
    locked = settle(c, lock_series, drain_budget(n, 0.1))
    locked["sent_under_lock"] = sent_under_lock
    locked["lock_windows"] = len(lock_windows)

    c.results["ack_fast_slack"] = fast
    c.results["ack_slow_slack"] = slow
    c.results["ack_slow_db"] = locked
    c.results["ack_ratio_slow_slack"] = slow["p95_s"] / fast["p95_s"]
    c.results["ack_ratio_slow_db"] = locked["p95_s"] / fast["p95_s"]

    for label, r in (("fast Slack", fast), ("slow Slack", slow), ("slow database", locked)):
        c.check(f"ack p95 ({label})", r["p95_s"] < ACK_P95_LIMIT_S,
                f"{r['p95_s']:.3f}s >= {ACK_P95_LIMIT_S}s")
        c.check(f"acks ({label})", r["bad_acks"] == 0, f"{r['bad_acks']} acks not a plain 200")
        c.check(f"stored ({label})", r["stored"] == n, f"{r['stored']}/{n} violations in the database")
        c.check(f"replies ({label})", r["replies_logged"] == n,
                f"{r['replies_logged']}/{n} violations confirmed, {r['replies']} replies arrived")
    c.check("ack ratio slow Slack / fast Slack", c.results["ack_ratio_slow_slack"] < ACK_RATIO_TARGET,
            f"{c.results['ack_ratio_slow_slack']:.2f} >= {ACK_RATIO_TARGET}")
    c.check("ack ratio slow database / fast Slack", c.results["ack_ratio_slow_db"] < ACK_RATIO_TARGET,
            f"{c.results['ack_ratio_slow_db']:.2f} >= {ACK_RATIO_TARGET}")
    c.check("sent while locked", sent_under_lock == n, f"only {sent_under_lock}/{n}")


# -- 3: throughput ------------------------------------------------------------------------------
def bench_throughput(c: Ctx, seconds: float, senders: int = 10, window: int = 2) -> None:
    """Each sender logs violations for its own assistant, keeping ``window`` commands in flight.

    A window of 2 (not fire-and-forget) keeps the backlog bounded, so the number measures work
    done rather than how fast acks pile up; and two commands of one sender can be worked on at
    the same time, which is what the step check below guards.
    """
    handles = [(f"bench.tp{i}", f"Durchsatz {i}") for i in range(senders)]
    for handle, name in handles:
        c.create(handle, name)
    sent = [0] * senders
    logged = [0] * senders
    lost: list[str] = []
    acks: list[float] = []
    go = threading.Barrier(senders + 1)
    last_reply = [0.0]
    guard = threading.Lock()

    def sender(i: int) -> None:
        handle, name = handles[i]
        inflight: deque[str] = deque()
        go.wait()
        deadline = time.perf_counter() + seconds

        def settle_one() -> None:
            key = inflight.popleft()
            reply = c.replies.wait(key, 60)
            at = c.replies.arrived_at(key) or 0.0
            with guard:
                last_reply[0] = max(last_reply[0], at)
                if is_logged(reply, name):
                    logged[i] += 1
                else:
                    lost.append(f"{handle}/{key}: {reply and reply.get('text')}")

        while time.perf_counter() < deadline:
            if len(inflight) >= window:
                settle_one()
                continue
            latency, key, ok = c.send(f"verstoss {handle} deadline deadline Durchsatz {sent[i]}")
            with guard:
                acks.append(latency)
            sent[i] += 1
            inflight.append(key)
        while inflight:
            settle_one()

    threads = [threading.Thread(target=sender, args=(i,), name=f"bench-sender-{i}") for i in range(senders)]
    for thread in threads:
        thread.start()
    go.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = max(last_reply[0], started + 1e-9) - started

    steps_ok, problems = True, []
    engine = create_engine(c.bot.settings.database_url)
    try:
        with Session(engine) as session:
            for (handle, _), n_sent in zip(handles, sent):
                steps = list(session.scalars(
                    select(Violation.step).join(Assistant).where(Assistant.handle == handle)
                    .order_by(Violation.id)))
                # The ladder caps at step 4 (rule: "steps stop at 4"), so 1..N reads 1,2,3,4,4,...
                expected = [min(k, 4) for k in range(1, n_sent + 1)]
                if steps != expected:
                    steps_ok = False
                    problems.append(f"{handle}: sent {n_sent}, stored steps {steps[:8]}... "
                                    f"({len(steps)} rows)")
    finally:
        engine.dispose()

    total = sum(logged)
    c.results["throughput"] = {
        "senders": senders,
        "window": window,
        "send_seconds": seconds,
        "sent": sum(sent),
        "logged": total,
        "elapsed_s": elapsed,
        "violations_per_s": total / elapsed,
        "ack_p95_s": pct(acks, 95) if acks else None,
        "steps_ok": steps_ok,
        "step_problems": problems,
        "lost": lost[:10],
    }
    c.check("throughput replies", total == sum(sent) and not lost,
            f"{total}/{sum(sent)} confirmed; e.g. {lost[:3]}")
    c.check("throughput steps 1..N per assistant", steps_ok, "; ".join(problems[:3]))


# -- 4: memory of the file view -------------------------------------------------------------------
def insert_violations(database_url: str, handle: str, count: int) -> None:
    """``count`` violations in one transaction, straight through the models (no app involved)."""
    engine = create_engine(database_url)
    now = datetime.now(timezone.utc)
    try:
        with Session(engine) as session, session.begin():
            assistant = session.scalars(select(Assistant).where(Assistant.handle == handle)).one()
            for k in range(1, count + 1):
                at = now - timedelta(hours=count - k)
                step = min(k, 4)
                session.add(Violation(
                    assistant_id=assistant.id,
                    source="deadline",
                    tag="deadline",
                    severe=False,
                    step=step,
                    state="awaiting_approval" if step >= 3 else "recorded",
                    note=f"Angebot {k} zu spät abgegeben, Kunde hat zweimal nachgefragt.",
                    logged_by=ADMIN,
                    logged_at=at,
                    logged_on=at.date(),
                ))
    finally:
        engine.dispose()


def open_file_measured(c: Ctx, handle: str) -> dict[str, Any]:
    gc.collect()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    latency, key, ok = c.send(f"akte {handle}")
    reply = c.replies.wait(key, 60)
    took = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    blocks = len(reply.get("blocks") or []) if reply else None
    return {
        "peak_growth_bytes": peak - base,
        "maxrss_growth_kb": rss_after - rss_before,
        "reply_s": took,
        "ack_s": latency,
        "blocks": blocks,
        "ok": ok and reply is not None and "VPA Akte" in str(reply.get("text", "")),
    }


def bench_memory(c: Ctx, repeats: int = 3) -> None:
    c.create("bench.small", "Kleine Akte")
    c.create("bench.big", "Grosse Akte")
    insert_violations(c.bot.settings.database_url, "bench.small", SMALL_FILE)
    insert_violations(c.bot.settings.database_url, "bench.big", BIG_FILE)

    # Measured first without tracemalloc: peak RSS is a high-water mark, so only growth past
    # what the earlier phases already reached shows; informative, not judged.
    rss = {h: open_file_measured(c, h)["maxrss_growth_kb"] for h in ("bench.small", "bench.big")}

    tracemalloc.start()
    try:
        open_file_measured(c, "bench.warm")  # caches (statements, translations) not counted
        runs = {h: [open_file_measured(c, h) for _ in range(repeats)]
                for h in ("bench.small", "bench.big")}
    finally:
        tracemalloc.stop()

    def med(h: str, k: str) -> float:
        return statistics.median(r[k] for r in runs[h])

    small, big = med("bench.small", "peak_growth_bytes"), med("bench.big", "peak_growth_bytes")
    ratio = big / small
    c.results["memory"] = {
        "violations": {"small": SMALL_FILE, "big": BIG_FILE},
        "peak_growth_bytes": {"small": small, "big": big},
        "ratio": ratio,
        "reply_s": {"small": med("bench.small", "reply_s"), "big": med("bench.big", "reply_s")},
        "blocks": {"small": runs["bench.small"][0]["blocks"], "big": runs["bench.big"][0]["blocks"]},
        "maxrss_growth_kb_untraced": {"small": rss["bench.small"], "big": rss["bench.big"]},
        "runs": runs,
    }
    c.check("file memory ratio", ratio < MEMORY_RATIO_TARGET, f"{ratio:.1f} >= {MEMORY_RATIO_TARGET}")
    for h in ("bench.small", "bench.big"):
        b = runs[h][0]["blocks"]
        c.check(f"file blocks ({h})", b is not None and b <= MAX_BLOCKS, f"{b} blocks")
        c.check(f"file opened ({h})", all(r["ok"] for r in runs[h]), "no file reply")


# -- report ---------------------------------------------------------------------------------------
def table(c: Ctx) -> str:
    r = c.results
    ms = lambda s: f"{s * 1000:7.1f} ms"  # noqa: E731
    rows = [("measure", "value", "target", "")]

    def ok(good: bool) -> str:
        return "ok" if good else "FAIL"

    for key, label in (("ack_fast_slack", "fast Slack"), ("ack_slow_slack", "slow Slack (2 s)"),
                       ("ack_slow_db", "DB write-locked")):
        a = r[key]
        rows.append((f"ack {label}: median / p95", f"{ms(a['median_s'])} / {ms(a['p95_s'])}",
                     f"p95 < {ACK_P95_LIMIT_S:.1f} s", ok(a["p95_s"] < ACK_P95_LIMIT_S)))
        rows.append(("  stored / replies confirmed", f"{a['stored']} / {a['replies_logged']} of {a['n']}"
                     f" in {a['drain_s']:.1f} s", "all", ok(a["stored"] == a["replies_logged"] == a["n"])))
    rows.append(("ack p95 ratio slow Slack / fast", f"{r['ack_ratio_slow_slack']:.2f}",
                 f"< {ACK_RATIO_TARGET}", ok(r["ack_ratio_slow_slack"] < ACK_RATIO_TARGET)))
    rows.append(("ack p95 ratio DB locked / fast", f"{r['ack_ratio_slow_db']:.2f}",
                 f"< {ACK_RATIO_TARGET}", ok(r["ack_ratio_slow_db"] < ACK_RATIO_TARGET)))
    t = r["throughput"]
    rows.append((f"throughput, {t['senders']} senders, {t['send_seconds']:g} s",
                 f"{t['violations_per_s']:.1f} violations/s", "(reported)", ""))
    rows.append(("  replies confirmed", f"{t['logged']}/{t['sent']}", "all",
                 ok(t["logged"] == t["sent"] and not t["lost"])))
    rows.append(("  steps per assistant 1,2,3,4,4…", "yes" if t["steps_ok"] else "no", "yes", ok(t["steps_ok"])))
    m = r["memory"]
    g = m["peak_growth_bytes"]
    rows.append((f"file peak memory {BIG_FILE} vs {SMALL_FILE}",
                 f"{g['big'] / 1e6:.2f} MB / {g['small'] / 1e6:.2f} MB = {m['ratio']:.1f}x",
                 f"< {MEMORY_RATIO_TARGET:g}x", ok(m["ratio"] < MEMORY_RATIO_TARGET)))
    rows.append(("  file reply time big / small",
                 f"{ms(m['reply_s']['big'])} / {ms(m['reply_s']['small'])}", "(reported)", ""))
    rows.append(("  blocks in file reply big / small", f"{m['blocks']['big']} / {m['blocks']['small']}",
                 f"<= {MAX_BLOCKS}", ok(max(m['blocks'].values()) <= MAX_BLOCKS)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def code_state() -> dict[str, Any]:
    """Which code was measured: results from a dirty tree are not comparable to a clean one."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [line for line in git("status", "--porcelain", "--", "vpabot").splitlines() if line]
    return {"root": str(ROOT), "commit": git("rev-parse", "HEAD") or None,
            "vpabot_files_changed": len(changed)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, shorter throughput run")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args(argv)
    n = 30 if args.quick else 200
    seconds = 2.0 if args.quick else 5.0
    # The outbox job logs a warning each time a kick finds it still sending; not news here.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    tally = LogTally()
    logging.getLogger().addHandler(tally)  # with a handler, logging's stderr fallback stays quiet

    code = code_state()  # before the run: other people may be editing the tree meanwhile
    workdir = tempfile.mkdtemp(prefix="vpabot-bench-")
    db_path = os.path.join(workdir, "bench.db")
    started = time.time()
    bot = BotUnderTest(f"sqlite:///{db_path}")
    # What `vpabot serve` does too: the outbox dispatcher runs in-process, so a slow
    # chat.postMessage (the manager's DM on an Ermahnung) is really on the path.
    bot.runtime.start_jobs()
    c = Ctx(bot, Replies(bot.fake))
    try:
        bench_ack(c, n, db_path)
        bench_throughput(c, seconds)
        bench_memory(c)
    finally:
        bot.fake.reset()
        bot.close()
        shutil.rmtree(workdir, ignore_errors=True)

    report = {
        "mode": "quick" if args.quick else "full",
        "n_acks": n,
        "started": datetime.fromtimestamp(started, timezone.utc).isoformat(),
        "duration_s": time.time() - started,
        "code": code,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "loadavg_1m": os.getloadavg()[0], "platform": platform.platform()},
        "targets": {"ack_p95_ratio": ACK_RATIO_TARGET, "ack_p95_s": ACK_P95_LIMIT_S,
                    "memory_ratio": MEMORY_RATIO_TARGET, "max_blocks": MAX_BLOCKS},
        "results": c.results,
        "app_errors_logged": {"count": tally.count, "distinct": tally.first},
        "failures": c.failures,
        "passed": not c.failures,
    }
    for key in ("ack_fast_slack", "ack_slow_slack", "ack_slow_db"):
        report["results"][key].pop("latencies", None)
    Path(args.output).write_text(json.dumps(report, indent=2, default=str) + "\n")

    print(table(c))
    print(f"\n{report['mode']} run, {report['duration_s']:.0f} s, load {report['machine']['loadavg_1m']:.2f} "
          f"on {report['machine']['cpus']} CPUs; results in {os.path.relpath(args.output)}")
    if tally.count:
        print(f"\nthe app logged {tally.count} errors:")
        for what, times in list(tally.first.items())[:5]:
            print(f"  {times}x {what}")
    if c.failures:
        print("\nFAILED:")
        for failure in c.failures:
            print(f"  - {failure}")
        return 1
    print("all targets hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
