"""Data protection: retention anonymises assistants whose collaboration ended long enough ago."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine, select, update

from tests.conftest import START
from tests.bot.privacy_support import PERSONAL, full_file, leaks
from vpabot.bot.config import ConfigError, load_settings
from vpabot.bot.context import AppContext
from vpabot.bot.runtime import Runtime
from vpabot.bot.services.privacy import erase_expired
from vpabot.bot.services.roster import import_assistants
from vpabot.policy.clock import SettableClock
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope
from vpabot.storage.models import Assistant, AuditEvent
from vpabot.bot.testing.fake_slack import FakeSlack
from vpabot.bot.testing.harness import BOT_TOKEN, demo_settings


def ended(ctx: AppContext, handle: str, on: date) -> None:
    """The collaboration with ``handle`` ended ``on`` that day."""
    with session_scope(ctx.sessions) as session:
        session.execute(
            update(Assistant)
            .where(Assistant.handle == handle)
            .values(status="gekuendigt", ended_on=on)
        )


def test_retention_anonymises_only_collaborations_that_ended_long_enough_ago(
    ctx: AppContext, migrated_engine: Engine
) -> None:
    full_file(ctx)
    ended(ctx, "anna.m", date(2024, 11, 25))  # 24 months and a day before 26.11.2026
    ended(ctx, "bert.k", date(2024, 11, 26))  # exactly 24 months: not longer ago
    assert erase_expired(ctx, months=24) == 1
    assert leaks(migrated_engine, PERSONAL) == []
    assert leaks(migrated_engine, ["Bert Klein"])
    assert (
        erase_expired(ctx, months=24) == 0
    )  # idempotent
    with ctx.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "assistant.erased")
        ).one()
        assert (event.actor, event.after["reason"]) == ("retention", "retention")


def test_retention_is_done_once_when_several_instances_run_it_at_the_same_time(
    ctx: AppContext, migrated_engine: Engine
) -> None:
    lines = "".join(f"vpa{n},Assistent {n} Beispiel,,2020-01-01,aktiv,\n" for n in range(6))
    import_assistants(ctx, "handle,name,slack_id,joined_on,status,cg_accepted_on\n" + lines)
    for n in range(6):
        ended(ctx, f"vpa{n}", date(2020, 6, 1))
    with session_scope(ctx.sessions) as session:  # one row every instance must scrub
        everyone = ", ".join(f"Assistent {n} Beispiel (`vpa{n}`)" for n in range(6))
        repo.enqueue(
            session,
            method="chat.postMessage",
            payload={"channel": "CADMINS", "text": f"Alle: {everyone}"},
            purpose="digest",
            now=ctx.now(),
        )
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def instance() -> None:
        barrier.wait()
        try:
            results.append(
                erase_expired(ctx, months=12, limit=2)
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=instance) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sum(results) == 6
    with ctx.sessions() as session:
        erased = session.scalars(
            select(AuditEvent.assistant_id).where(AuditEvent.action == "assistant.erased")
        ).all()
        names = set(session.scalars(select(Assistant.name)))
    assert sorted(erased) == sorted(set(erased)) and len(erased) == 6
    assert all(name.startswith("Gelöscht #") for name in names)
    assert leaks(migrated_engine, ["Beispiel", *(f"vpa{n}" for n in range(6))]) == []


def test_runtime_job_uses_the_setting(ctx: AppContext, db_url: str) -> None:
    full_file(ctx)
    ended(ctx, "anna.m", date(2020, 1, 1))
    fake = FakeSlack(token=BOT_TOKEN).start()
    try:
        keep = Runtime(demo_settings(db_url, fake.base_url), clock=SettableClock(START))
        assert keep.retention() == 0  # unset: keep
        keep.stop()
        runtime = Runtime(
            demo_settings(db_url, fake.base_url, retention_months=24), clock=SettableClock(START)
        )
        try:
            assert runtime.retention() == 1
            assert runtime.retention() == 0
            runtime.start_jobs()
            job = runtime.scheduler.get_job("retention") if runtime.scheduler else None
            assert job is not None and "hour='3'" in str(job.trigger)
        finally:
            runtime.stop()
    finally:
        fake.stop()


def test_retention_setting_is_read_and_checked() -> None:
    env = {
        "SLACK_BOT_TOKEN": "x",
        "SLACK_SIGNING_SECRET": "y",
        "VPA_ADMIN_IDS": "U1",
        "VPA_MANAGER_IDS": "U2",
        "VPA_TEAM_CHANNEL": "C1",
    }
    assert load_settings(env).retention_months is None
    assert load_settings({**env, "VPA_RETENTION_MONTHS": "24"}).retention_months == 24
    with pytest.raises(ConfigError, match="VPA_RETENTION_MONTHS"):
        load_settings({**env, "VPA_RETENTION_MONTHS": "zwei Jahre"})
