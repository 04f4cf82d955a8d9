"""Migration rollup_1 counts the violations already there exactly as the app keeps counting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from tests.storage.builders import AT
from vpabot.storage.db import make_engine
from vpabot.storage.migrate import upgrade
from vpabot.storage.models import Assistant, Violation
from vpabot.storage import rollups


def test_the_migration_backfills_what_the_app_would_have_counted(db_url: str) -> None:
    engine: Engine = make_engine(db_url)
    try:
        upgrade(engine, "threads_1")  # the revision before the rollup
        # Core inserts: the rollup table does not exist yet, nothing may try to keep it.
        with engine.begin() as conn:
            conn.execute(
                insert(Assistant.__table__).values(
                    id=1, handle="anna", name="Anna", status="aktiv", created_at=AT,
                    created_by="UADMIN1", search_key=" anna ",
                )
            )
            start = datetime(2026, 10, 31, 22, 59, tzinfo=timezone.utc)
            conn.execute(
                insert(Violation.__table__),
                [
                    {
                        "assistant_id": 1, "source": ("response", "kontakt")[n % 2],
                        "tag": "qualitaet", "severe": n % 5 == 0,
                        "step": None if n % 7 == 0 else n % 4 + 1,
                        "state": ("recorded", "withdrawn", "approved")[n % 3], "note": "n",
                        "logged_by": "UADMIN1", "logged_at": start + timedelta(hours=7 * n),
                        "logged_on": (start + timedelta(hours=7 * n)).date(),
                    }
                    for n in range(300)  # 87 days across three month boundaries
                ],
            )
        upgrade(engine)
        with Session(engine) as session:
            assert rollups.drift(session) == {}
            assert sum(n for *_key, n in rollups.month_counts(session, "2026-11")) > 0
    finally:
        engine.dispose()
