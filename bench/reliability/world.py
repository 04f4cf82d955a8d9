"""The world the reliability scenarios run in and how they score it: a ``Row`` per scenario and
its table, a ``vpabot serve`` process with its database and log (``Server``), a fresh
PostgreSQL schema per scenario (``pg_schema``) and the due reviews the two-instance scenario
starts from (``insert_due_reviews``).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.common import Client, FakeSlackProcess, Result, start_vpabot
from bench.payloads import ADMIN, Req

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"



@dataclass
class Row:
    scenario: str
    tried: int = 0
    refused_ok: str = "–"  # "x/y": refused (or escaped) as they should be
    expected: int | str = "–"
    delivered: int | str = "–"
    duplicated: int | str = 0
    lost: int | str = 0
    dead: int | str = "–"
    five_xx: int = 0
    tracebacks: int = 0
    note: str = ""

    def ok(self) -> bool | None:
        if self.note.startswith("n/a"):
            return None
        refused = self.refused_ok
        refused_all = refused == "–" or refused.split("/")[0] == refused.split("/")[1]
        return (self.duplicated in (0, "–") and self.lost in (0, "–") and self.five_xx == 0
                and self.tracebacks == 0 and refused_all)


def table(rows: list[Row]) -> str:
    head = ("| scenario | tried | refused as they should | expected | delivered | duplicated "
            "| lost | dead | 5xx | tracebacks | verdict |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        verdict = {None: "n/a", True: "PASS", False: "FAIL"}[r.ok()]
        name = r.scenario + (f" ({r.note})" if r.note else "")
        lines.append(f"| {name} | {r.tried} | {r.refused_ok} | {r.expected} | {r.delivered} | "
                     f"{r.duplicated} | {r.lost} | {r.dead} | {r.five_xx} | {r.tracebacks} | {verdict} |")
    return "\n".join(lines)


# -- the world: fake Slack, a server, its database ------------------------------------------------
class Server:
    """One ``vpabot serve`` plus what the scenarios read: its database and its log's new part."""

    def __init__(self, workdir: Path, fake: FakeSlackProcess, database_url: str, name: str,
                 **env: str) -> None:
        self.workdir, self.fake, self.url, self.name, self.env = workdir, fake, database_url, name, env
        self.proc = start_vpabot(workdir, database_url, fake.api_url, name=name, **env)
        self.client = Client(self.proc.port)
        self._log_at = 0

    def restart(self) -> None:
        self.client.close()
        self.proc = start_vpabot(self.workdir, self.url, self.fake.api_url, name=self.name, **self.env)
        self.client = Client(self.proc.port)

    def send(self, req: Req, **kw: Any) -> Result:
        return self.client.send(req, **kw)

    def log_size(self) -> int:
        return len(self.proc.log.read_text(errors="replace"))

    def first_error(self, since: int = 0) -> str:
        """The first ERROR line of the log after ``since`` (message part, shortened), or ''."""
        for line in self.proc.log.read_text(errors="replace")[since:].splitlines():
            if " ERROR " in line:
                return line.split(" ERROR ", 1)[1][:90]
        return ""

    def new_tracebacks(self) -> int:
        """Tracebacks logged since the last call (the log survives restarts: it is appended)."""
        text = self.proc.log.read_text(errors="replace")
        found = text[self._log_at:].count("Traceback (most recent call last)")
        self._log_at = len(text)
        return found

    def close(self) -> None:
        self.client.close()
        self.proc.stop()

    # database reads, through SQLAlchemy Core so SQLite and PostgreSQL read the same way
    def scalar(self, sql: str, **params: Any) -> Any:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        finally:
            engine.dispose()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params))
        finally:
            engine.dispose()

    def violations(self, note_like: str) -> int:
        return int(self.scalar("SELECT count(*) FROM violations WHERE note LIKE :n", n=note_like))


def wait_until(check: Callable[[], bool], timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()


def five_xx(results: list[Result]) -> int:
    return sum(r.status >= 500 or r.status == 0 for r in results)


def posts_mentioning(fake: FakeSlackProcess, needle: str, since: int = 0,
                     channel: str | None = None) -> list[dict[str, Any]]:
    return [c for c in fake.calls("chat.postMessage", since=since)
            if needle in json.dumps(c["args"], ensure_ascii=False)
            and (channel is None or c["args"].get("channel") == channel)]


# -- PostgreSQL ------------------------------------------------------------------------------------
@contextmanager
def pg_schema() -> Iterator[str | None]:
    """A URL whose connections see only a fresh schema; None when no server answers."""
    from sqlalchemy import create_engine, make_url, pool, text

    base = os.environ.get("TEST_DATABASE_URL") or PG_DEFAULT
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(base, poolclass=pool.NullPool)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception:  # no server: the PostgreSQL rows say n/a
        yield None
        return
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def insert_due_reviews(url: str, n: int, admins: list[str]) -> None:
    """``n`` assistants on a VT-Stop whose review was due yesterday, set in turn by ``admins``."""
    from sqlalchemy import MetaData, create_engine, select

    from vpabot.storage import stop_history

    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=["assistants", "sales_stops"])
        now = datetime.now(timezone.utc)
        today = date.today()
        with engine.begin() as conn:
            conn.execute(meta.tables["assistants"].insert(), [
                {"id": 100_000 + k, "handle": f"review.{k:04d}", "name": f"Pruefling {k:04d}",
                 "status": "aktiv", "created_at": now, "created_by": ADMIN} for k in range(n)])
            conn.execute(meta.tables["sales_stops"].insert(), [
                {"assistant_id": 100_000 + k, "kind": "voll", "reason": "verstoss", "note": "",
                 # A week back: the review moves to the next workday (a Sunday's to Monday
                 # 09:00), so "yesterday" would not yet be due on a Monday morning.
                 "starts_on": today - timedelta(days=21), "until": today - timedelta(days=7),
                 "set_by": admins[k % len(admins)], "set_at": now - timedelta(days=15),
                 "review_at": now - timedelta(hours=20), "review_reminders": 0} for k in range(n)])
            # Written past the ORM: keep the report's end-date table as a stop write would.
            stop_ids = conn.execute(
                select(meta.tables["sales_stops"].c.id)
                .where(meta.tables["sales_stops"].c.assistant_id >= 100_000)).scalars().all()
            stop_history.refresh(conn, stop_ids)
    finally:
        engine.dispose()
