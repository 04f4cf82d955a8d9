"""One bench run's database: a private copy of the generated SQLite file, or a fresh
PostgreSQL schema loaded from it (``bench/pg.py``).

The bench reads results back (stored violations, the outbox) through SQLAlchemy Core, so the
same query works on both; each read opens and closes its own connection (``NullPool``): a
SQLite reader kept open would pin an old WAL snapshot, an idle PostgreSQL one costs a backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, pool, text

from bench import dataset as ds
from bench import pg

KINDS = ("sqlite", "postgresql")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class Database:
    """Where a deployment under test keeps its data: ``url`` for its ``DATABASE_URL``."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind, self.url = kind, url
        args = {"timeout": 30} if kind == "sqlite" else {}
        self._engine: Engine = create_engine(url, poolclass=pool.NullPool, connect_args=args)

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def rows(self, sql: str, **params: Any) -> list[Any]:
        """The rows of one read-only statement (``:name`` parameters)."""
        with self._engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def dispose(self) -> None:
        self._engine.dispose()


@contextmanager
def open_database(kind: str, source: Path, workdir: Path) -> Iterator[Database]:
    """``source`` (a cached data set) as a database of ``kind`` for one run.

    SQLite: a copy in ``workdir`` (removed with it). PostgreSQL: a fresh schema on
    ``TEST_DATABASE_URL``'s server, loaded by COPY and dropped when the block ends, also on
    an error or Ctrl-C; stop the processes using it before leaving the block.
    """
    workdir.mkdir(parents=True, exist_ok=True)  # the processes' logs go there either way
    if kind == "sqlite":
        db = Database(kind, ds.copy_to(source, workdir))
        try:
            yield db
        finally:
            db.dispose()
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database {kind!r}")
    with pg.fresh_schema() as url:
        pg.load(source, url)
        db = Database(kind, url)
        try:
            yield db
        finally:
            db.dispose()
