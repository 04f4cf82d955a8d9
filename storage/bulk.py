"""A large, realistic data set in seconds: for the scale tests and ``bench``.

``generate(engine, assistants=10_000, violations=500_000)`` fills an empty, migrated database
with a roster, two years of violations, notes, active and lifted stops with their audit
events, and a few dead outbox rows. Everything grows with the roster except what a test must
keep fixed to compare like with like: the reviews due right now (``due_reviews``) and the dead
messages. The numbers are deterministic (no randomness), so two runs give the same rows.

Rows go in as chunked ``executemany`` on SQLite and ``COPY`` on PostgreSQL; ids are given
explicitly (PostgreSQL sequences are moved past them), so rows refer to each other without
reading anything back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from typing import Any

from sqlalchemy import Engine, Table, text

from vpabot.policy.notes import NoteKind
from vpabot.storage.search_fold import search_key, search_words
from vpabot.storage import rollups, stop_history
from vpabot.storage.models.assistants import search_pairs
from vpabot.storage.models import (
    Assistant,
    Base,
    AssistantSearchPair,
    AssistantSearchWord,
    AuditEvent,
    Note,
    OutboxMessage,
    OutboxStatus,
    SalesStop,
    Violation,
)

FIRST = ("Anna", "Ben", "Jörg", "Lea", "Ömer", "Sabine", "Can", "Zoë", "Lukas", "Mia", "Jonas",
         "Emilia", "Paul", "Sophie", "Finn", "Hannah", "Élodie", "Noah", "Ida", "Malte")
LAST = ("Müller", "Schmidt", "Schäfer", "Özdemir", "Weiß", "Strauß", "Çelik", "Becker", "Hoffmann",
        "Krüger", "Lindström", "Wagner", "Fischer", "Koch", "Bauer", "Richter", "Wolf", "Neumann",
        "Schröder", "Zimmermann", "Braun", "Hartmann", "Lange", "Schmitt", "Werner")
SOURCES = ("response", "deadline", "feedback", "beschwerde", "pruefung", "kontakt", "sonstiges")
TAGS = ("erreichbarkeit", "deadline", "qualitaet", "kommunikation", "technik", "sonstiges")
ADMINS = ("UADMIN1", "UADMIN2")
CHUNK = 10_000
HISTORY_DAYS = 730  # violations are spread over two years


@dataclass(frozen=True)
class DataSet:
    """What ``generate`` wrote (counts per table), for the bench's table and for assertions."""

    assistants: int
    violations: int
    notes: int
    stops: int
    active_stops: int
    due_reviews: int
    audit_events: int


def _ascii(name: str) -> str:
    """'Jörg' -> 'joerg': handles are plain ASCII like the real ones."""
    return search_words(name)[0]


def generate(
    engine: Engine,
    *,
    assistants: int,
    violations: int,
    now: datetime,
    tz: Any = timezone.utc,
    due_reviews: int = 3,
    dead_messages: int = 3,
) -> DataSet:
    """Fill an empty migrated database; ``now`` is the instant the data is "as of".

    Proportions per assistant: 90 % aktiv, 4 % neu, 6 % ended (gekündigt, with an open-ended
    stop); CG acceptance spread over the last four months (a quarter overdue), 3 % never; one in
    ten has an active stop and one in ten a lifted one; 0.2 % of violations await approval.
    Only ``due_reviews`` active stops have a review due at ``now``; the other overdue ones were
    reminded today already (their next reminder is tomorrow), as after a real sweep.
    """
    today = now.astimezone(tz).date()
    per = max(1, violations // max(1, assistants))
    people = list(_assistants(assistants, today, now))
    stops, events, active, due = _stops(people, today, now, due_reviews)
    violation_rows = _violations(people, violations, per, now)
    with engine.begin() as conn:
        _write(conn, Assistant.__table__, people)
        _write(conn, AssistantSearchWord.__table__, _words(people))
        _write(conn, AssistantSearchPair.__table__, search_pairs(
            {p["id"]: search_words(p["name"], p["handle"]) for p in people}
        ))
        _write(conn, Violation.__table__, violation_rows)
        rollups.rebuild(conn)  # the rows above bypassed the ORM events that keep it
        _write(conn, Note.__table__, _notes(people, now))
        _write(conn, SalesStop.__table__, stops)
        _write(conn, AuditEvent.__table__, events)
        stop_history.rebuild(conn)  # stops and trails above bypassed the flush hook too
        _write(conn, OutboxMessage.__table__, _dead(dead_messages, now))
        if conn.dialect.name == "postgresql":
            for table in ("assistants", "violations", "notes", "sales_stops", "audit_events", "outbox"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
                )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # Fresh statistics, as a database that grew to this size would have: without them
        # the planners guess and the views are measured on plans no real database uses.
        # PostgreSQL: VACUUM too, as autovacuum would have done by then. It marks the pages
        # all-visible, without which every "index-only" count (Home's and the digest's CG
        # totals) visits the table once per row it counts.
        if conn.dialect.name == "postgresql":
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"VACUUM ANALYZE {tables}"))
        else:
            conn.execute(text("ANALYZE"))
    return DataSet(
        assistants=len(people),
        violations=violations,
        notes=len(people),
        stops=len(stops),
        active_stops=active,
        due_reviews=due,
        audit_events=len(events),
    )


def _assistants(n: int, today: date, now: datetime) -> Iterator[dict[str, Any]]:
    for i in range(1, n + 1):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        name = f"{first} {last}"
        handle = f"{_ascii(first)}.{_ascii(last)}{i}"
        ended = i % 50 in (7, 23, 41)
        status = "gekuendigt" if ended else ("neu" if i % 25 == 3 else "aktiv")
        accepted = None if i % 33 == 5 else today - timedelta(days=(i * 37) % 122)
        yield {
            "id": i, "handle": handle, "name": name, "status": status, "slack_user_id": None,
            "joined_on": today - timedelta(days=200 + i % 900), "cg_accepted_on": accepted,
            "ended_on": today - timedelta(days=i % 90) if ended else None,
            "created_at": now - timedelta(days=200 + i % 900), "created_by": "import",
            "search_key": search_key(name, handle),
        }


def _words(people: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for p in people:
        for word in search_words(p["name"], p["handle"]):
            yield {"word": word, "assistant_id": p["id"]}


def _violations(
    people: list[dict[str, Any]], total: int, per: int, now: datetime
) -> Iterator[dict[str, Any]]:
    for k in range(total):
        owner = people[k // per % len(people)]
        rank = k % per
        days = (k * 7919 + owner["id"] * 104729) % HISTORY_DAYS
        at = now - timedelta(days=days, minutes=(k * 13) % 600)
        if k % 500 == 17:
            state = "awaiting_approval"
        elif k % 40 == 9:
            state = "withdrawn"
        elif k % 60 == 11:
            state = "rejected"
        else:
            state = "recorded" if rank % 4 < 2 else "approved"
        severe = k % 997 == 3
        yield {
            "id": k + 1, "assistant_id": owner["id"], "source": SOURCES[k % len(SOURCES)],
            "tag": TAGS[(k // 3) % len(TAGS)], "severe": severe,
            "step": None if severe else rank % 4 + 1, "state": state,
            "note": f"Kundenrückmeldung #{k}: Antwort kam verspätet.", "logged_by": ADMINS[k % 2],
            "logged_at": at, "logged_on": at.date(), "decided_by": None, "decided_at": None,
            "decision_reason": None, "communicated_at": None,
            "approval_reminder_at": now + timedelta(hours=20) if state == "awaiting_approval" else None,
        }


def _notes(people: list[dict[str, Any]], now: datetime) -> Iterator[dict[str, Any]]:
    for p in people:
        yield {"id": p["id"], "assistant_id": p["id"], "kind": NoteKind.NOTE,
               "text": "Videocall: Headset ist neu, Verbindung stabil.", "author": ADMINS[p["id"] % 2],
               "created_at": now - timedelta(days=p["id"] % 300)}


def _stops(
    people: list[dict[str, Any]], today: date, now: datetime, due_reviews: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, int]:
    stops: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    active = due = 0
    tomorrow = datetime.combine(today + timedelta(days=1), time(8, 0), tzinfo=timezone.utc)
    for p in people:
        i = p["id"]
        ended = p["ended_on"] is not None
        for lifted in (False, True):
            if not lifted and not (ended or i % 10 == 1):
                continue
            if lifted and i % 10 != 4:
                continue
            starts = today - timedelta(days=(i * 11) % 60 + (90 if lifted else 0))
            until = None if ended and not lifted else starts + timedelta(days=14 + (i * 3) % 40)
            review_at = None
            if not lifted and until is not None:
                review_at = datetime.combine(until, time(8, 0), tzinfo=timezone.utc)
                if review_at <= now:
                    review_at, due = (now - timedelta(hours=1), due + 1) if due < due_reviews else (tomorrow, due)
            set_at = datetime.combine(starts, time(9, 0), tzinfo=timezone.utc)
            stop_id = len(stops) + 1
            stops.append({
                "id": stop_id, "assistant_id": i, "kind": "kunden" if i % 3 == 0 else "voll",
                "reason": "gekuendigt" if ended and not lifted else "verstoss", "violation_id": None,
                "note": "", "starts_on": starts, "until": until, "set_by": ADMINS[i % 2],
                "set_at": set_at, "review_at": review_at, "review_reminders": 0,
                "lifted_at": set_at + timedelta(days=30) if lifted else None,
                "lifted_by": ADMINS[0] if lifted else None,
                "lift_note": "Leistung geprüft, passt wieder." if lifted else None,
            })
            active += not lifted
            events.append({
                "id": len(events) + 1, "at": set_at, "actor": ADMINS[i % 2], "action": "stop.set",
                "assistant_id": i, "subject": "stop", "subject_id": stop_id, "before": None,
                "after": {"kind": stops[-1]["kind"], "until": until.isoformat() if until else None},
            })
    return stops, events, active, due


def _dead(count: int, now: datetime) -> Iterator[dict[str, Any]]:
    for n in range(1, count + 1):
        yield {"id": n, "created_at": now - timedelta(hours=n), "method": "chat.postMessage",
               "payload": {"channel": "C0GONE", "text": "VT-Stop"}, "purpose": "team_announcement",
               "subject_id": None, "updates_id": None, "status": OutboxStatus.DEAD, "attempts": 5,
               "next_attempt_at": now, "sent_at": None, "slack_channel": None, "slack_ts": None,
               "last_error": "channel_not_found"}


def _write(conn: Any, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """``COPY`` on PostgreSQL; on SQLite the driver's executemany with values already in
    SQLAlchemy's storage format (its per-row bind processing would triple the time)."""
    rows = iter(rows)
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
        return
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    cursor = conn.connection.driver_connection.cursor()
    rows = _chain(first, rows)
    while chunk := list(islice(rows, CHUNK)):
        cursor.executemany(statement, [[_sqlite(row[c]) for c in columns] for row in chunk])
    cursor.close()


def _sqlite(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite: naive UTC text, ISO dates, JSON text."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _copy(conn: Any, table: Table, rows: Iterator[dict[str, Any]]) -> None:
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    raw = conn.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in _chain(first, rows):
            copy.write_row(
                [json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c]
                 for c in columns]
            )


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest
