"""Views cost the same on 10,000 assistants as on 100: same SQL statements, no whole tables.

Timings live in ``bench/views.py``; here the properties behind them are checked on both
databases: each view issues exactly as many statements on the large roster as on the small
one (nothing per row or per assistant), and its peak memory does not grow with the roster
(a whole table read into Python would show up as megabytes).
"""

from __future__ import annotations

import os
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, func, pool, select, text, update

from tests.conftest import START, UNREACHABLE_API, with_pg_options
from vpabot.bot.blocks.cg import build_cg_digest
from vpabot.bot.blocks.home import build_home
from vpabot.bot.blocks.manager import build_pending_list
from vpabot.bot.blocks.reviews import build_stops_list
from vpabot.bot.blocks import notices
from vpabot.bot.context import AppContext
from vpabot.bot.services.approvals import pending
from vpabot.bot.services.cg import cg_overview
from vpabot.bot.services.files import open_file
from vpabot.bot.services.home import load_home
from vpabot.bot.services.reports import build_report
from vpabot.bot.services.reviews import active_stops, sweep_reviews
from vpabot.bot.testing.harness import ADMIN, MANAGER, demo_settings
from vpabot.policy.clock import SettableClock
from vpabot.policy.reports import Month
from vpabot.storage import repositories as repo
from vpabot.storage.bulk import generate
from vpabot.storage.db import make_engine, make_read_session_factory, make_session_factory
from vpabot.storage.migrate import upgrade
from vpabot.storage.models import SalesStop

SMALL, LARGE = 100, 10_000
VIOLATIONS_PER_ASSISTANT = 3  # the file's length is not what this test varies
MEMORY_SLACK = 256 * 1024  # bytes a view may allocate beyond the small roster's peak


@dataclass
class Roster:
    ctx: AppContext
    engine: Engine
    statements: int = 0


def roster(url: str, size: int, *, due_reviews: int) -> Roster:
    engine = make_engine(url)
    upgrade(engine)
    generate(
        engine, assistants=size, violations=size * VIOLATIONS_PER_ASSISTANT, now=START,
        due_reviews=due_reviews,
    )
    ctx = AppContext(
        settings=demo_settings(url, UNREACHABLE_API),
        sessions=make_session_factory(engine),
        reads=make_read_session_factory(engine),
        clock=SettableClock(START),
        render=notices.render,
    )
    made = Roster(ctx, engine)

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        made.statements += 1

    return made


@pytest.fixture(params=["sqlite", "postgresql"])
def rosters(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[Roster, Roster]]:  # type: ignore[no-untyped-def]
    """The same data set generated for 100 and for 10,000 assistants."""
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path / f'{n}.db'}" for n in (SMALL, LARGE)]
        schemas: list[str] = []
    else:
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip("TEST_DATABASE_URL not set")
        schemas = [f"test_{uuid.uuid4().hex[:12]}" for _ in range(2)]
        admin = create_engine(base, poolclass=pool.NullPool)
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        urls = [with_pg_options(base, f"search_path={schema}") for schema in schemas]
    # More reviews due on the large roster: the sweep must not cost a statement per stop.
    made = (roster(urls[0], SMALL, due_reviews=2), roster(urls[1], LARGE, due_reviews=10))
    try:
        yield made
    finally:
        for r in made:
            r.engine.dispose()
        if schemas:
            with admin.begin() as conn:
                for schema in schemas:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


# Later pages of every Home list: a page is a LIMIT from an offset, as cheap deep in the list.
LATER = {"approvals": 5, "overdue": 10, "dead": 5, "cg": 40, "upcoming": 10, "stops": 40, "violations": 10}


def _home(ctx: AppContext, viewer: str, offsets: dict[str, int] | None = None) -> Any:
    home = load_home(ctx, viewer=viewer, offsets=offsets)
    return build_home(ctx.t, home, tz=ctx.settings.tz, now=ctx.now(), admin_channel=None)


def _stops(ctx: AppContext, offset: int = 0) -> Any:
    overdue, _soon = cg_overview(ctx)
    stops = active_stops(ctx, limit=20, offset=offset)
    return build_stops_list(ctx.t, stops, cg_overdue=overdue, with_buttons=True, page_size=20)


def _digest(ctx: AppContext) -> Any:
    overdue, soon = cg_overview(ctx)
    return build_cg_digest(ctx.t, overdue=overdue, due_soon=soon, today=ctx.today())


def _search(ctx: AppContext, typed: str) -> Any:
    with ctx.read() as session:
        return [(a.handle, a.name) for a in repo.search_assistants(session, typed, limit=100)]


def _report(ctx: AppContext) -> Any:
    with ctx.read() as session:
        month = Month.of(ctx.today()).previous()
        return build_report(session, month, tz=ctx.settings.timezone, today=ctx.today(), holidays=ctx.holidays)


def _sweep(ctx: AppContext) -> int:
    return sweep_reviews(ctx)


VIEWS: dict[str, Callable[[AppContext], Any]] = {
    "Home (admin)": lambda ctx: _home(ctx, ADMIN),
    "Home (manager)": lambda ctx: _home(ctx, MANAGER),
    "Home (admin), later pages": lambda ctx: _home(ctx, ADMIN, LATER),
    "/vpa stops": _stops,
    "/vpa stops, page 3": lambda ctx: _stops(ctx, 40),
    "/vpa offen": lambda ctx: build_pending_list(ctx.t, pending(ctx), with_buttons=True),
    "CG digest": _digest,
    "search 'mueller'": lambda ctx: _search(ctx, "mueller"),
    "search 'Anna Schä'": lambda ctx: _search(ctx, "Anna Schä"),
    "file view": lambda ctx: open_file(ctx, actor=ADMIN, handle="lea.mueller3"),
    "review sweep": _sweep,
    "monthly report": _report,
}


def cost(made: Roster, view: Callable[[AppContext], Any]) -> tuple[int, int]:
    """(SQL statements, peak bytes allocated) of one call, after a warm-up call."""
    view(made.ctx)
    with made.engine.begin() as conn:  # the sweep has moved them on: due again
        conn.execute(
            update(SalesStop).where(SalesStop.review_reminders > 0).values(review_at=START - timedelta(hours=1))
        )
    before = made.statements
    tracemalloc.start()
    view(made.ctx)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return made.statements - before, peak


def test_each_view_costs_the_same_on_10000_assistants_as_on_100(
    rosters: tuple[Roster, Roster],
) -> None:
    small, large = rosters
    assert _sweep(small.ctx) < _sweep(large.ctx)  # more reviews due: still no more statements
    found = {}
    for name, view in VIEWS.items():
        (few, small_peak), (many, large_peak) = cost(small, view), cost(large, view)
        found[name] = (few, many, small_peak // 1024, large_peak // 1024)
    statements = {name: (few, many) for name, (few, many, _, _) in found.items()}
    assert statements == {name: (few, few) for name, (few, _) in statements.items()}
    grown = {
        name: (small_kib, large_kib)
        for name, (_, _, small_kib, large_kib) in found.items()
        if large_kib * 1024 > small_kib * 1024 * 1.5 + MEMORY_SLACK
    }
    assert grown == {}, "peak KiB (100 vs 10,000 assistants)"


def test_the_large_home_counts_every_active_stop_and_lists_the_first(
    rosters: tuple[Roster, Roster],
) -> None:
    _small, large = rosters
    view = _home(large.ctx, ADMIN)
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    texts = " ".join(str(block) for block in view["blocks"])
    with large.ctx.read() as session:
        active = session.scalar(
            select(func.count()).select_from(SalesStop).where(SalesStop.lifted_at.is_(None))
        )

    assert any(h.startswith(f"Aktive VT-Stops ({active},") for h in headers)
    assert f"Einträge 1–5 von {active}" in texts and "Weitere anzeigen" in texts
    assert len(view["blocks"]) <= 100
