"""The benchmark's data set, written by bulk SQL into a migrated SQLite file and cached.

Large: 10,000 assistants and 500,000 violations (issue 9); small (``--quick``): 100 / 5,000.
The schema comes from vpabot's own migrations (``vpabot db upgrade``); the rows are plain
``executemany`` inserts, so the large set takes seconds, not the hours the app would need.
The cache key hashes the migrations, this file and the code that writes the rows and the
search index, so a schema or folding change builds a fresh set.

Who is in it: assistants ``bench.0000`` … ``bench.0299`` (no history: the benchmark logs its
violations for them), the rest with ~50 violations each over two years, 5 % on an active
VT-Stop (a tenth of those overdue), 1 % with a case awaiting approval, CG acceptances spread
so that some are overdue or due soon — so App Home, the file and the search have work to do.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench.common import ROOT, serve_env, vpabot_command
from bench.payloads import ADMIN

CACHE = ROOT / "bench" / ".cache"
MIGRATIONS = ROOT / "storage" / "migrations"
FRESH = 300  # assistants without history, for the writes


@dataclass(frozen=True)
class Size:
    assistants: int
    violations: int

    @property
    def label(self) -> str:
        return f"{self.assistants:,} assistants / {self.violations:,} violations"


LARGE = Size(10_000, 500_000)
SMALL = Size(400, 5_000)

FIRST = ["Anna", "Lena", "Jonas", "Mia", "Paul", "Emma", "Lukas", "Sophie", "Leon", "Marie",
         "Felix", "Hannah", "Noah", "Lea", "Elias", "Clara", "Ben", "Ida", "Finn", "Greta"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
        "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Özdemir"]
SOURCES = ["response", "deadline", "feedback", "beschwerde", "pruefung", "kontakt", "sonstiges"]
TAGS = ["erreichbarkeit", "deadline", "qualitaet", "kommunikation", "technik", "sonstiges"]


def fresh_handle(i: int) -> str:
    return f"bench.{i:04d}"


def handle(i: int) -> str:
    """Handles of the assistants with history (i >= FRESH)."""
    return fresh_handle(i) if i < FRESH else f"{LAST[i % len(LAST)][:4].lower()}.{i:05d}"


def cache_key(size: Size) -> str:
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(f"{size.assistants}/{size.violations}".encode())
    # bulk.py writes the rows, search_fold.py the search index's words
    extra = [p for p in (ROOT / "storage" / "bulk.py", ROOT / "storage" / "search_fold.py") if p.exists()]
    for path in [*sorted(MIGRATIONS.rglob("*.py")), *extra]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def dataset(size: Size, log=print) -> Path:  # type: ignore[no-untyped-def]
    """The cached SQLite file for ``size``; built first if missing. Copy it before use."""
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"data-{size.assistants}-{size.violations}-{cache_key(size)}.db"
    if target.exists():
        return target
    for old in CACHE.glob(f"data-{size.assistants}-{size.violations}-*.db"):
        old.unlink()  # an older schema's set
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = datetime.now()
    subprocess.run([*vpabot_command(), "db", "upgrade"], check=True, cwd=CACHE,
                   env=serve_env(f"sqlite:///{partial}", "http://127.0.0.1:9/api/"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    how = _build(partial, size)
    partial.rename(target)
    log(f"data set built by {how}: {size.label} in "
        f"{(datetime.now() - started).total_seconds():.1f} s (cached as {target.relative_to(ROOT)})")
    return target


def _build(path: Path, size: Size) -> str:
    """The project's own bulk generator when it has one (``vpabot.storage.bulk``, which also
    fills whatever index tables the views need), else the plain fallback below. Either way the
    ``FRESH`` bench assistants without history are added for the writes."""
    try:
        from vpabot.storage.bulk import generate
    except ImportError:
        _fill(path, size)
        return "bench/dataset.py"
    from vpabot.storage.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    try:
        generate(engine, assistants=size.assistants - FRESH, violations=size.violations,
                 now=datetime.now(timezone.utc))
    finally:
        engine.dispose()
    from vpabot.storage.search_fold import search_key
    from vpabot.storage.models.assistants import write_search_words

    conn = sqlite3.connect(path)
    with conn:
        top = conn.execute("SELECT coalesce(max(id), 0) FROM assistants").fetchone()[0]
        now, today = datetime.now(timezone.utc), date.today()
        fresh = [(top + 1 + i, fresh_handle(i), f"Bench Neu {i:04d}") for i in range(FRESH)]
        # Folded and indexed like every assistant the app adds: else the first violation of
        # each re-indexes its name inside the timed write (a cost real data never has).
        _insert(conn, "assistants", [
            (id_, handle, name, "aktiv", None, (today - timedelta(days=60)).isoformat(),
             today.isoformat(), None, _ts(now), ADMIN, search_key(name, handle))
            for id_, handle, name in fresh],
            ["id", "handle", "name", "status", "slack_user_id", "joined_on", "cg_accepted_on",
             "ended_on", "created_at", "created_by", "search_key"])
    conn.close()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:  # the search index tables, as the app keeps them
            write_search_words(connection, {id_: (name, handle) for id_, handle, name in fresh})
    finally:
        engine.dispose()
    return "vpabot.storage.bulk.generate"


def old_handles(path: Path, limit: int = 3000) -> list[str]:
    """Handles of current assistants with a history: the files the reads open."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute(
            "SELECT a.handle FROM assistants a WHERE a.handle NOT LIKE 'bench.%' "
            "AND a.ended_on IS NULL AND EXISTS (SELECT 1 FROM violations v "
            "WHERE v.assistant_id = a.id) ORDER BY a.id LIMIT ?", (limit,))]
    finally:
        conn.close()


def _columns(conn: sqlite3.Connection, table: str) -> dict[str, tuple[bool, bool]]:
    """name -> (NOT NULL, has a default), to fill columns added by later migrations."""
    return {row[1]: (bool(row[3]), row[4] is not None or bool(row[5]))
            for row in conn.execute(f"PRAGMA table_info({table})")}


def _insert(conn: sqlite3.Connection, table: str, rows, known: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Insert ``rows`` (tuples in ``known`` order). A NOT NULL column without default that this
    file does not know yet gets a neutral value: '' or 0; a folded search column gets the
    folded name (see ``fold``)."""
    cols = _columns(conn, table)
    extra = [c for c, (notnull, default) in cols.items() if c not in known and notnull and not default]
    fold_cols = [c for c in cols if c not in known and ("fold" in c or c.startswith("search"))]
    extra = [c for c in extra if c not in fold_cols]
    names = [c for c in known if c in cols]
    idx = [known.index(c) for c in names]
    name_pos = known.index("name") if "name" in known else None
    sql = (f"INSERT INTO {table} ({', '.join(names + fold_cols + extra)}) VALUES "
           f"({', '.join('?' * (len(names) + len(fold_cols) + len(extra)))})")

    def shaped():  # type: ignore[no-untyped-def]
        for row in rows:
            folded = [fold(row[name_pos] if name_pos is not None else "")] * len(fold_cols)
            yield [row[i] for i in idx] + folded + [""] * len(extra)

    conn.executemany(sql, shaped())


def fold(text: str) -> str:
    """Case, umlauts, ß and accents folded, as issue 10 item 8 asks of the search column."""
    import unicodedata

    text = text.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _ts(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _fill(path: Path, size: Size) -> None:
    rnd = random.Random(9)
    now = datetime.now(timezone.utc)
    today = now.date()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        assistants = []
        for i in range(size.assistants):
            name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}"
            cg = None if i % 50 == 7 else today - timedelta(days=rnd.randrange(0, 100))
            joined = today - timedelta(days=rnd.randrange(30, 1500))
            assistants.append((i + 1, handle(i), name, "aktiv", None, joined.isoformat(),
                               cg.isoformat() if cg else None, None, _ts(now - timedelta(days=400)),
                               ADMIN))
        _insert(conn, "assistants", assistants,
                ["id", "handle", "name", "status", "slack_user_id", "joined_on",
                 "cg_accepted_on", "ended_on", "created_at", "created_by"])

        with_history = list(range(FRESH, size.assistants)) or [0]
        per = size.violations // len(with_history)
        rest = size.violations - per * len(with_history)
        pending = set(with_history[::100])

        def violations():  # type: ignore[no-untyped-def]
            vid = 0
            for k, i in enumerate(with_history):
                count = per + (1 if k < rest else 0)
                for n in range(count):
                    vid += 1
                    at = now - timedelta(minutes=rnd.randrange(0, 2 * 365 * 24 * 60))
                    last = n == count - 1
                    state = "awaiting_approval" if last and i in pending else "recorded"
                    yield (vid, i + 1, SOURCES[vid % 7], TAGS[vid % 6], 0, min(n + 1, 4), state,
                           f"Notiz {vid}", ADMIN, _ts(at), at.date().isoformat(), None, None,
                           None, None, None)

        _insert(conn, "violations", violations(),
                ["id", "assistant_id", "source", "tag", "severe", "step", "state", "note",
                 "logged_by", "logged_at", "logged_on", "decided_by", "decided_at",
                 "decision_reason", "communicated_at", "approval_reminder_at"])
        # Raw rows skip the ORM events that keep the report's rollup: count them as
        # vpabot.storage.rollups.rebuild does (SQLite holds instants as UTC text).
        conn.execute(
            "INSERT INTO violation_month_counts (month, source, tag, rung, state, count) "
            "SELECT substr(logged_at, 1, 7), source, tag, "
            "CASE WHEN severe OR step IS NULL THEN 0 ELSE step END, state, count(*) "
            "FROM violations GROUP BY 1, 2, 3, 4, 5"
        )

        stops = []
        for n, i in enumerate(with_history[::20]):
            overdue = n % 10 == 0
            until = today - timedelta(days=3) if overdue else today + timedelta(days=rnd.randrange(2, 90))
            review = datetime.combine(max(until, today + timedelta(days=1)),
                                      datetime.min.time(), timezone.utc) + timedelta(hours=8)
            stops.append((i + 1, "voll" if n % 2 else "kunden", "verstoss", None, "",
                          (until - timedelta(days=14)).isoformat(), until.isoformat(), ADMIN,
                          _ts(now - timedelta(days=14)), _ts(review), 1 if overdue else 0,
                          None, None, None))
        _insert(conn, "sales_stops", stops,
                ["assistant_id", "kind", "reason", "violation_id", "note", "starts_on", "until",
                 "set_by", "set_at", "review_at", "review_reminders", "lifted_at", "lifted_by",
                 "lift_note"])
        # Set without a trail and never changed: one end date each, as stop_history keeps it.
        conn.execute(
            "INSERT INTO stop_end_dates (stop_id, seq, until, next_at, latest) "
            "SELECT id, 0, until, NULL, 1 FROM sales_stops WHERE until IS NOT NULL"
        )
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def copy_to(src: Path, workdir: Path) -> str:
    """A private copy for one run; returns its database URL."""
    import shutil

    workdir.mkdir(parents=True, exist_ok=True)
    dst = workdir / "vpabot.db"
    shutil.copyfile(src, dst)
    return f"sqlite:///{dst}"


def today() -> date:
    return date.today()
