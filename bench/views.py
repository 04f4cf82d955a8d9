"""Views that scale: each view on 100 vs 10,000 assistants (5,000 vs 500,000 violations).

Run: ``python bench/views.py [--db sqlite|postgresql|both] [--quick]``; PostgreSQL needs
``TEST_DATABASE_URL`` (or ``--pg-url``). ``bench`` may call ``run(...)`` and print ``table(...)``.

Both data sets come from ``vpabot.storage.bulk.generate`` and are cached between runs (SQLite
files under ``--cache``, PostgreSQL schemas ``bench_views_<n>_<version>``; the version is a hash
of the migrations and the generator), so only the first run pays
the ~30 s for the large one. Each view runs on the small and the large database in turn (A/B
interleaved, ``--repeat`` times); the table shows the medians, their ratio (target <= 1.5),
the time spent in the database driver (small/large: where the wall-clock ratio comes from), the
SQL statements one call issues on each (they must be equal: nothing per row), and the peak
Python memory one call allocates on the large set (tracemalloc).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, event, func, or_, select, text, update  # noqa: E402

from vpabot.bot.blocks.cg import build_cg_digest  # noqa: E402
from vpabot.bot.blocks.file import build_file  # noqa: E402
from vpabot.bot.blocks.home import build_home  # noqa: E402
from vpabot.bot.blocks.manager import build_pending_list  # noqa: E402
from vpabot.bot.blocks.modals import build_assistant_choices  # noqa: E402
from vpabot.bot.listeners.options import PICKER_LIMIT  # noqa: E402
from vpabot.bot.blocks.reviews import build_stops_list  # noqa: E402
from vpabot.bot.blocks import notices  # noqa: E402
from vpabot.bot.context import AppContext  # noqa: E402
from vpabot.bot.services.approvals import pending  # noqa: E402
from vpabot.bot.services.cg import cg_overview  # noqa: E402
from vpabot.bot.services.files import open_file  # noqa: E402
from vpabot.bot.services.home import load_home  # noqa: E402
from vpabot.bot.services.report_cg import remember_previous_month  # noqa: E402
from vpabot.bot.services.reports import build_report  # noqa: E402
from vpabot.bot.services.reviews import active_stops, sweep_reviews  # noqa: E402
from vpabot.bot.testing.harness import ADMIN, MANAGER, demo_settings  # noqa: E402
from vpabot.policy.clock import SettableClock  # noqa: E402
from vpabot.policy.reports import Month  # noqa: E402
from vpabot.storage import repositories as repo  # noqa: E402
from vpabot.storage.bulk import generate  # noqa: E402
from vpabot.storage.db import make_engine, make_read_session_factory, make_session_factory  # noqa: E402
from vpabot.storage.migrate import upgrade  # noqa: E402
from vpabot.storage.models import Assistant, SalesStop  # noqa: E402

# Thursday 10:00 in Berlin: the instant the data is "as of" and the clock stands at.
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
VIOLATIONS_PER_ASSISTANT = 50
TARGET_RATIO = 1.5


@dataclass
class Database:
    """One generated data set and what the views need to run on it."""

    size: int
    engine: Engine
    ctx: AppContext
    statements: int = 0
    sql_seconds: float = 0.0  # time spent inside the database driver, all statements
    due_stop_ids: tuple[int, ...] = ()


def open_database(url: str, size: int) -> Database:
    """The data set of ``size`` assistants at ``url``, generated unless already there."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        have = conn.scalar(select(func.count()).select_from(Assistant))
    if not have:
        generate(engine, assistants=size, violations=size * VIOLATIONS_PER_ASSISTANT, now=NOW)
    elif have != size:
        raise SystemExit(f"{url} holds {have} assistants, not {size}: remove it first")
    clock = SettableClock(NOW)
    ctx = AppContext(
        settings=demo_settings(url, "http://127.0.0.1:9/api/"),
        sessions=make_session_factory(engine),
        reads=make_read_session_factory(engine),
        clock=clock,
        render=notices.render,
    )
    # The monthly report's sweep stores the closed month's CG figures (bot/services/report_cg):
    # on a running bot it has, so the views are measured in that steady state.
    remember_previous_month(ctx)
    db = Database(size, engine, ctx)

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn: Any, *_args: Any) -> None:
        db.statements += 1
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _time(conn: Any, *_args: Any) -> None:
        db.sql_seconds += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())

    with engine.connect() as conn:
        db.due_stop_ids = tuple(
            conn.scalars(
                # Due as generated, or reminded by an earlier run of this bench (then reset).
                select(SalesStop.id).where(
                    SalesStop.lifted_at.is_(None),
                    or_(SalesStop.review_at <= NOW, SalesStop.review_reminders > 0),
                )
            )
        )
    return db


def _reset_reviews(db: Database) -> None:
    """The sweep moves what it reminded to tomorrow: make the same stops due again."""
    with db.engine.begin() as conn:
        conn.execute(
            update(SalesStop)
            .where(SalesStop.id.in_(db.due_stop_ids))
            .values(review_at=NOW - timedelta(hours=1), review_reminders=0)
        )


def _search(db: Database, term: str) -> Any:
    # What the picker's ack does (bot/listeners/options.py): its page size, its answer.
    with db.ctx.read() as session:
        found = repo.find_assistants(session, term, limit=PICKER_LIMIT)
    return build_assistant_choices(db.ctx.t, [(a.handle, a.name) for a in found.rows], more=found.more)


def _stops(db: Database) -> Any:
    overdue, _soon = cg_overview(db.ctx)
    return build_stops_list(db.ctx.t, active_stops(db.ctx), cg_overdue=overdue, with_buttons=True)


def _digest(db: Database) -> Any:
    overdue, soon = cg_overview(db.ctx)
    return build_cg_digest(db.ctx.t, overdue=overdue, due_soon=soon, today=db.ctx.today())


def _home(db: Database, viewer: str) -> Any:
    ctx = db.ctx
    home = load_home(ctx, viewer=viewer)
    return build_home(ctx.t, home, tz=ctx.settings.tz, now=ctx.now(), admin_channel=None)


def _file(db: Database) -> Any:
    ctx = db.ctx
    with ctx.read() as session:
        handle = session.scalar(select(Assistant.handle).where(Assistant.id == db.size // 2))
    file = open_file(ctx, actor=ADMIN, handle=handle or "")
    return build_file(ctx.t, file, tags=ctx.tags, tz=ctx.settings.tz)


def _report(db: Database) -> Any:
    ctx = db.ctx
    with ctx.read() as session:
        return build_report(
            session, Month.of(ctx.today()).previous(), tz=ctx.settings.timezone, today=ctx.today(),
            holidays=ctx.holidays,
        )


VIEWS: dict[str, tuple[Callable[[Database], Any], Callable[[Database], None] | None]] = {
    "home (admin)": (lambda db: _home(db, ADMIN), None),
    "home (manager)": (lambda db: _home(db, MANAGER), None),
    "/vpa stops": (_stops, None),
    "/vpa offen": (lambda db: build_pending_list(db.ctx.t, pending(db.ctx), with_buttons=True), None),
    "cg digest": (_digest, None),
    "search 'mueller'": (lambda db: _search(db, "mueller"), None),
    "search 'anna sch'": (lambda db: _search(db, "anna sch"), None),
    # As many matches on both rosters (1 vs 2): the cost of the search, not of its results.
    "search 1 match": (lambda db: _search(db, "anna.schaefer40"), None),
    "file view": (_file, None),
    "review sweep": (lambda db: sweep_reviews(db.ctx), _reset_reviews),
    "monthly report": (_report, None),
}


@dataclass
class Result:
    db: str
    view: str
    small_ms: float
    large_ms: float
    small_statements: int
    large_statements: int
    large_peak_kib: float
    small_sql_ms: float = 0.0  # median time in the driver (fetching rows excluded)
    large_sql_ms: float = 0.0

    @property
    def ratio(self) -> float:
        return self.large_ms / self.small_ms if self.small_ms else float("inf")

    @property
    def ok(self) -> bool:
        return self.ratio <= TARGET_RATIO and self.small_statements == self.large_statements


def _once(
    db: Database, view: Callable[[Database], Any], reset: Callable[[Database], None] | None
) -> tuple[float, float]:
    """(wall ms, ms inside the database driver) of one call."""
    if reset is not None:
        reset(db)
    sql_before = db.sql_seconds
    start = time.perf_counter()
    view(db)
    return (time.perf_counter() - start) * 1000, (db.sql_seconds - sql_before) * 1000


def _measure(db: Database, view: Callable[[Database], Any], reset: Any) -> tuple[int, float]:
    """Statements and peak Python allocation (KiB) of one call."""
    if reset is not None:
        reset(db)
    before = db.statements
    tracemalloc.start()
    view(db)
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return db.statements - before, peak / 1024


def measure(kind: str, small: Database, large: Database, *, repeat: int) -> list[Result]:
    """Every view on both data sets, A/B interleaved; medians of ``repeat`` calls each."""
    results = []
    for name, (view, reset) in VIEWS.items():
        for db in (small, large):  # warm caches and compiled statements first
            _once(db, view, reset)
        times: dict[int, list[float]] = {small.size: [], large.size: []}
        sql: dict[int, list[float]] = {small.size: [], large.size: []}
        for _ in range(repeat):
            for db in (small, large):
                wall, in_sql = _once(db, view, reset)
                times[db.size].append(wall)
                sql[db.size].append(in_sql)
        small_statements, _ = _measure(small, view, reset)
        large_statements, peak = _measure(large, view, reset)
        results.append(
            Result(
                kind, name, statistics.median(times[small.size]), statistics.median(times[large.size]),
                small_statements, large_statements, peak,
                statistics.median(sql[small.size]), statistics.median(sql[large.size]),
            )
        )
    return results


def table(results: list[Result], small: int, large: int) -> str:
    """The results as a fixed-width table, one row per view and database."""
    head = (
        f"{'db':<10} {'view':<18} {f'{small} ms':>9} {f'{large} ms':>10} {'ratio':>6} "
        f"{'sql ms':>13} {'stmts':>9} {'peak KiB':>9}  target ratio<={TARGET_RATIO}, equal stmts"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.db:<10} {r.view:<18} {r.small_ms:9.2f} {r.large_ms:10.2f} {r.ratio:6.2f} "
            f"{f'{r.small_sql_ms:.1f}/{r.large_sql_ms:.1f}':>13} "
            f"{f'{r.small_statements}/{r.large_statements}':>9} {r.large_peak_kib:9.0f}  "
            f"{'ok' if r.ok else 'MISSED'}"
        )
    return "\n".join(lines)


def data_version() -> str:
    """Changes with the schema and the generator, so a cached data set is never stale."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "storage" / "migrations" / "versions").glob("*.py")) + [
        ROOT / "storage" / "bulk.py"
    ]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def _pg_schema_url(base: str, schema: str) -> str:
    from tests.conftest import with_pg_options  # one way to pin search_path, shared with tests

    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return with_pg_options(base, f"search_path={schema}")


def run(
    *, dbs: tuple[str, ...], small: int, large: int, repeat: int, cache: Path, pg_url: str | None
) -> list[Result]:
    """Generate (or reuse) both data sets per database and measure every view on them."""
    results: list[Result] = []
    for kind in dbs:
        if kind == "sqlite":
            cache.mkdir(parents=True, exist_ok=True)
            urls = [f"sqlite:///{cache / f'views-{n}-{data_version()}.db'}" for n in (small, large)]
        else:
            if not pg_url:
                print("postgresql: skipped (set TEST_DATABASE_URL or --pg-url)", file=sys.stderr)
                continue
            urls = [_pg_schema_url(pg_url, f"bench_views_{n}_{data_version()}") for n in (small, large)]
        started = time.perf_counter()
        a, b = open_database(urls[0], small), open_database(urls[1], large)
        print(f"{kind}: data ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results += measure(kind, a, b, repeat=repeat)
        a.engine.dispose()
        b.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="100 vs 2,000 assistants, 5 rounds")
    parser.add_argument("--cache", type=Path, default=ROOT / ".bench-cache")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args(argv)
    if args.quick:
        args.large, args.repeat = 2_000, 5
    dbs = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = run(
        dbs=dbs, small=args.small, large=args.large, repeat=args.repeat, cache=args.cache,
        pg_url=args.pg_url,
    )
    print(table(results, args.small, args.large))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
