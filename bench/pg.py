"""The bench's data set on PostgreSQL: a fresh schema, migrated by vpabot's own Alembic
upgrade, filled from the generated SQLite file with ``COPY ... FROM STDIN``.

Generating 500,000 violations through the app would take hours, and a second generator for
PostgreSQL would drift from ``bench/dataset.py``; copying the cached SQLite file row for row
keeps both databases on the very same data. The large set loads in well under a minute.

``TEST_DATABASE_URL`` names the server (default below, the same as ``bench.reliability.world``).
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, pool, text

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Tables the migration fills itself, and SQLite's planner statistics (ANALYZE makes its own).
SKIP = {"alembic_version", "sqlite_stat1", "sqlite_sequence"}


def server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or PG_DEFAULT


def schema_url(base: str, schema: str) -> str:
    """``base`` with every connection's ``search_path`` pinned to ``schema``."""
    url = make_url(base)
    existing = url.query.get("options")
    if isinstance(existing, tuple):
        existing = " ".join(existing)
    flags = f"{existing + ' ' if existing else ''}-csearch_path={schema}"
    return url.update_query_dict({"options": flags}).render_as_string(hide_password=False)


@contextmanager
def fresh_schema(base: str | None = None, prefix: str = "bench_acks") -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; the schema is dropped on the way
    out, also after a failure or Ctrl-C. Stop every process using it first: ``DROP SCHEMA``
    waits for their locks (at most ``lock_timeout``, 30 s, then it gives up loudly)."""
    base = base or server_url()
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, poolclass=pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield schema_url(base, schema)
    finally:
        try:
            with admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '30s'"))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()


def _psycopg_conninfo(url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string, for psycopg's own connection."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def load(sqlite_file: Path, url: str, *, log=print) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Migrate the schema at ``url`` to head, then copy every table of ``sqlite_file`` into it.

    Tables go in foreign-key order (parents first, as SQLAlchemy sorts the reflected schema),
    each with one ``COPY`` in text format: PostgreSQL parses SQLite's values as their text
    (``1``/``0`` as booleans, ``2026-01-02 03:04:05.000000`` as timestamps, read in UTC as the
    app stored them, JSON as JSON). Then every serial/identity sequence is set past the
    highest id so the app's inserts do not collide, and ``ANALYZE`` gives the planner real
    statistics. Returns rows copied per table.
    """
    import psycopg
    from sqlalchemy import MetaData

    from vpabot.storage.migrate import upgrade

    started = time.monotonic()
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        upgrade(engine)
        meta = MetaData()
        meta.reflect(engine)
        tables = [t for t in meta.sorted_tables if t.name not in SKIP]
    finally:
        engine.dispose()
    source = sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)
    counts: dict[str, int] = {}
    try:
        present = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        with psycopg.connect(_psycopg_conninfo(url)) as pg:
            pg.execute("SET TIME ZONE 'UTC'")  # SQLite holds UTC timestamps without an offset
            for table in tables:
                if table.name not in present:
                    continue
                have = {r[1] for r in source.execute(f'PRAGMA table_info("{table.name}")')}
                columns = [c.name for c in table.columns if c.name in have]
                counts[table.name] = _copy(source, pg, table.name, columns)
            for table in tables:
                _reset_sequences(pg, table.name, [c.name for c in table.columns])
            pg.commit()
            pg.autocommit = True  # ANALYZE wants no open transaction around it
            pg.execute("ANALYZE")
    finally:
        source.close()
    log(f"postgresql: {sum(counts.values()):,} rows copied into a fresh schema in "
        f"{time.monotonic() - started:.1f} s")
    return counts


def _copy(source: sqlite3.Connection, pg, table: str, columns: list[str]) -> int:  # type: ignore[no-untyped-def]
    names = ", ".join(f'"{c}"' for c in columns)
    rows = source.execute(f'SELECT {names} FROM "{table}"')
    n = 0
    with pg.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        while batch := rows.fetchmany(10_000):
            for row in batch:
                copy.write_row(row)
            n += len(batch)
    return n


def _reset_sequences(pg, table: str, columns: list[str]) -> None:  # type: ignore[no-untyped-def]
    """``setval`` each sequence owned by a column of ``table`` to its highest value (an empty
    table: the next value is 1)."""
    for column in columns:
        seq = pg.execute("SELECT pg_get_serial_sequence(%s, %s)", (f'"{table}"', column)).fetchone()[0]
        if seq:
            pg.execute(f'SELECT setval(%s, coalesce(max("{column}"), 1), max("{column}") IS NOT NULL) '
                       f'FROM "{table}"', (seq,))
