"""Migrations end_dates_1, search_pairs_1 and search_fold_1 fill their tables from the rows
exactly as the app keeps them; months before them are reported as before."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from tests.storage.builders import AT
from vpabot.storage.search_fold import search_words
from vpabot.storage import stop_history
from vpabot.storage.db import make_engine
from vpabot.storage.migrate import upgrade
from vpabot.storage.models import (
    Assistant,
    AssistantSearchPair,
    AssistantSearchWord,
    AuditEvent,
    SalesStop,
    StopEndDate,
)
from vpabot.storage.models.assistants import search_pairs

SET_AT = datetime(2026, 10, 5, 8, 0, tzinfo=timezone.utc)


def _stop(stop_id: int, until: date | None, lifted: datetime | None) -> dict[str, object]:
    return {
        "id": stop_id, "assistant_id": stop_id, "kind": "voll", "reason": "verstoss",
        "note": "", "starts_on": SET_AT.date(), "until": until, "set_by": "UADMIN1",
        "set_at": SET_AT, "review_reminders": stop_id % 3, "lifted_at": lifted,
    }


def _event(stop_id: int, action: str, at: datetime, before: date | None, after: date | None) -> dict:
    return {
        "at": at, "actor": "UADMIN1", "action": action, "assistant_id": stop_id,
        "subject": "stop", "subject_id": stop_id,
        "before": {"until": before.isoformat()} if before else None,
        "after": {"until": after.isoformat() if after else None},
    }


def test_the_migrations_backfill_what_the_app_would_have_kept(db_url: str) -> None:
    engine: Engine = make_engine(db_url)
    try:
        upgrade(engine, "rollup_1")  # the revision before stop_end_dates
        names = {n: (f"Anna Schäfer {n}", f"anna.s{n}") for n in range(1, 7)}
        day = timedelta(days=1)
        with engine.begin() as conn:  # Core: the new tables do not exist yet
            conn.execute(insert(Assistant.__table__), [
                {"id": n, "handle": handle, "name": name, "status": "aktiv", "created_at": AT,
                 "created_by": "UADMIN1", "search_key": ""}
                for n, (name, handle) in names.items()
            ])  # fmt: skip
            conn.execute(insert(AssistantSearchWord.__table__), [
                {"word": w, "assistant_id": n}
                for n, (name, handle) in names.items() for w in search_words(name, handle)
            ])  # fmt: skip
            first, second = date(2026, 10, 19), date(2026, 11, 2)
            conn.execute(insert(SalesStop.__table__), [
                _stop(1, first, None),  # set, never changed
                _stop(2, second, SET_AT + 30 * day),  # extended on review, then lifted
                _stop(3, second, None),  # changed before its end date; no trail for the set
                _stop(4, None, None),  # open-ended
                _stop(5, first, None),  # written without any trail
                _stop(6, first, SET_AT + 3 * day),  # lifted early
            ])  # fmt: skip
            conn.execute(insert(AuditEvent.__table__), [
                _event(1, "stop.set", SET_AT, None, first),
                _event(2, "stop.set", SET_AT, None, first),
                _event(2, "stop.changed", SET_AT + 14 * day, first, second),
                _event(3, "stop.changed", SET_AT + 2 * day, first, second),
                _event(4, "stop.set", SET_AT, None, None),
                _event(6, "stop.set", SET_AT, None, first),
            ])  # fmt: skip
        upgrade(engine)
        with Session(engine) as session:
            e = StopEndDate
            migrated = session.execute(
                select(e.stop_id, e.seq, e.until, e.next_at, e.latest).order_by(e.stop_id, e.seq)
            ).all()
            stop_history.rebuild(session.connection())
            assert session.execute(
                select(e.stop_id, e.seq, e.until, e.next_at, e.latest).order_by(e.stop_id, e.seq)
            ).all() == migrated
            assert [(r.stop_id, r.seq, r.latest) for r in migrated] == [
                (1, 0, True), (2, 0, False), (2, 1, True), (3, 0, False), (3, 1, True),
                (5, 0, True), (6, 0, True),
            ]
            p = AssistantSearchPair
            pairs = session.execute(select(p.first, p.assistant_id, p.second)).all()
            expected = search_pairs({n: search_words(*names[n]) for n in names})
            assert sorted(tuple(r) for r in pairs) == sorted(
                (r["first"], r["assistant_id"], r["second"]) for r in expected
            )
    finally:
        engine.dispose()


def test_names_indexed_before_search_fold_are_found_after_it(db_url: str) -> None:
    """Migration search_fold_1 re-indexes every name as the app now writes new ones: an
    assistant stored under the old folding ("Łukasz" as "ukasz") is found as typed."""
    from vpabot.storage.assistant_search import search_assistants

    engine: Engine = make_engine(db_url)
    try:
        upgrade(engine, "lifted_index_1")
        old = {1: ["nowak", "ukasz"], 2: ["o", "o'brien", "brien", "siobhan"], 3: ["olga.p"],
               4: ["-a", "a", "hostile.cjk"]}
        # 4: what the previous version stored without complaint, and whose words collided
        # once transliterated and cut to 200 characters (the migration failed on it)
        names = {1: ("Łukasz Nowak", "lukasz.n"), 2: ("Siobhán O'Brien", "siobhan.o"),
                 3: ("Ольга Петренко", "olga.p"), 4: ("爽" * 40 + "-a", "hostile.cjk")}
        with engine.begin() as conn:
            conn.execute(insert(Assistant.__table__), [
                {"id": n, "handle": handle, "name": name, "status": "aktiv", "created_at": AT,
                 "created_by": "UADMIN1", "search_key": " " + " ".join(old[n]) + " "}
                for n, (name, handle) in names.items()
            ])  # fmt: skip
            conn.execute(insert(AssistantSearchWord.__table__),
                         [{"word": w, "assistant_id": n} for n, ws in old.items() for w in ws])
            conn.execute(insert(AssistantSearchPair.__table__), [
                {"first": a, "assistant_id": n, "second": b} for n, ws in old.items() for a in ws for b in ws
            ])  # fmt: skip
        with Session(engine) as session:
            assert search_assistants(session, "lukasz") == []  # the report
        upgrade(engine)
        with Session(engine) as session:
            for typed, handle in (("lukasz", "lukasz.n"), ("obrien", "siobhan.o"), ("olga", "olga.p"),
                                  ("ольга петр", "olga.p"), ("nowak", "lukasz.n"),
                                  ("shuang", "hostile.cjk")):
                assert [r.handle for r in search_assistants(session, typed)] == [handle], typed
            w = AssistantSearchWord
            stored = session.execute(select(w.assistant_id, w.word)).all()
            assert sorted(tuple(r) for r in stored) == sorted(
                (n, word) for n in names for word in search_words(*names[n]))
            p = AssistantSearchPair
            pairs = session.execute(select(p.first, p.assistant_id, p.second)).all()
            expected = search_pairs({n: search_words(*names[n]) for n in names})
            assert sorted(tuple(r) for r in pairs) == sorted(
                (r["first"], r["assistant_id"], r["second"]) for r in expected)
            keys = dict(session.execute(select(Assistant.id, Assistant.search_key)).all())
            assert keys[1].startswith(" lukasz ")
    finally:
        engine.dispose()
