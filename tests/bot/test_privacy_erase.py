"""Data protection: erasing (anonymising) one assistant on request, by service and by command."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tests.bot.privacy_support import PERSONAL, full_file, leaks, send_all
from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.bot.services.privacy import erase_assistant, export_assistant
from vpabot.policy.errors import PolicyError
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope
from vpabot.storage.models import (
    Assistant,
    AuditEvent,
    Note,
    OutboxMessage,
    OutboxStatus,
    SalesStop,
    Violation,
)
from vpabot.storage.outbox_claim import claim_due


def test_erase_leaves_no_personal_text_in_any_table(
    ctx: AppContext, migrated_engine: Engine
) -> None:
    full_file(ctx)
    assert leaks(migrated_engine, PERSONAL)  # the scan finds them before
    bert_before = export_assistant(ctx, "bert.k", actor="cli:test")

    erased = erase_assistant(ctx, "anna.m", actor="cli:test")

    assert leaks(migrated_engine, PERSONAL) == []
    assert erased.handle == f"geloescht-{erased.assistant_id}"
    with ctx.sessions() as session:
        anna = session.get_one(Assistant, erased.assistant_id)
        assert (anna.name, anna.handle, anna.slack_user_id) == (
            f"Gelöscht #{anna.id}",
            erased.handle,
            None,
        )
        assert anna.status == "gekuendigt" and anna.ended_on == date(2026, 11, 26)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "assistant.erased")
        ).one()
        assert event.actor == "cli:test" and event.assistant_id == anna.id
        assert event.after["reason"] == "request"

    # Bert and the digest's mention of Bert are untouched.
    bert_after = export_assistant(ctx, "bert.k", actor="cli:test")
    for table in ("assistant", "violations", "notes", "sales_stops"):
        assert bert_after[table] == bert_before[table]
    (digest,) = [r for r in bert_after["outbox"] if r["purpose"] == "cg_digest"]
    assert digest["payload"]["text"] == (
        f"CG fällig: *Gelöscht #{anna.id}* (`{erased.handle}`), *Bert Klein* (`bert.k`)"
    )


def test_erase_keeps_the_anonymous_counts_for_reports(ctx: AppContext) -> None:
    full_file(ctx)

    def shape(session: Any) -> tuple[Any, ...]:
        violations = session.execute(
            select(
                Violation.source,
                Violation.tag,
                Violation.step,
                Violation.state,
                Violation.logged_on,
                Violation.logged_at,
            ).order_by(Violation.id)
        ).all()
        stops = session.execute(
            select(
                SalesStop.kind,
                SalesStop.reason,
                SalesStop.starts_on,
                SalesStop.until,
                SalesStop.lifted_at,
            ).order_by(SalesStop.id)
        ).all()
        notes = session.execute(select(Note.kind, Note.created_at).order_by(Note.id)).all()
        events = session.execute(
            select(AuditEvent.action, AuditEvent.at).order_by(AuditEvent.id)
        ).all()
        statuses = [
            (e.before or {}).get("status")
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
        return violations, stops, notes, events, statuses

    with ctx.sessions() as session:
        before = shape(session)
    erase_assistant(ctx, "anna.m", actor="cli:test")
    with ctx.sessions() as session:
        violations, stops, notes, events, statuses = shape(session)
        assert set(session.scalars(select(Violation.note).where(Violation.assistant_id == 1))) == {
            "[gelöscht]"
        }
    assert (violations, stops, notes, statuses[:-1]) == before[:3] + (before[4],)
    assert events[:-1] == before[3] and events[-1][0] == "assistant.erased"


def test_messages_about_the_erased_assistant_are_not_sent_later(ctx: AppContext) -> None:
    full_file(ctx)
    with ctx.sessions() as session:
        pending_before = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
        )
    erase_assistant(ctx, "anna.m", actor="cli:test")
    claimed = send_all(ctx, now=ctx.now() + timedelta(hours=1))
    assert [
        c.payload.get("text", "")
        for c in claimed
        if "Gelöscht" in json.dumps(c.payload, ensure_ascii=False)
    ] == ["CG fällig: *Gelöscht #1* (`geloescht-1`), *Bert Klein* (`bert.k`)"]
    with ctx.sessions() as session:
        cancelled = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.CANCELLED)
        )
    assert cancelled and len(claimed) + cancelled == pending_before


def test_an_update_of_a_cancelled_message_is_cancelled_too(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as session:
        original = repo.enqueue(
            session,
            method="chat.postMessage",
            payload={"channel": "C1", "text": "x"},
            purpose="p",
            now=ctx.now(),
        )
        session.flush()
        original.status = OutboxStatus.CANCELLED
        repo.enqueue(
            session,
            method="chat.update",
            payload={"text": "y"},
            purpose="p",
            now=ctx.now(),
            updates=original,
        )
    assert claim_due(ctx.sessions, now=ctx.now()) == []
    with ctx.sessions() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {OutboxStatus.CANCELLED}


def test_erasing_twice_or_an_unknown_handle_is_refused(ctx: AppContext) -> None:
    full_file(ctx)
    erased = erase_assistant(ctx, "anna.m", actor="cli:test")
    for handle in ("anna.m", erased.handle):
        with pytest.raises(PolicyError) as caught:
            erase_assistant(ctx, handle, actor="cli:test")
        assert caught.value.code in ("unknown_assistant", "privacy_already_erased")


def test_erase_command_asks_for_the_handle(
    ctx: AppContext,
    db_url: str,
    migrated_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    monkeypatch.setenv("DATABASE_URL", db_url)
    full_file(ctx)
    monkeypatch.setattr("sys.stdin", io.StringIO("bert.k\n"))
    assert main(["erase", "assistant", "anna.m"]) == 1
    err = capsys.readouterr().err
    assert (
        "Anonymisieren: Anna Müller (anna.m), Status gekündigt – 3 Verstöße, 3 Notizen, 2 VT-Stops"
        in err
    )
    assert "Abgebrochen, nichts geändert." in err
    assert leaks(migrated_engine, ["Anna Müller"])

    monkeypatch.setattr("sys.stdin", io.StringIO("anna.m\n"))
    assert main(["erase", "assistant", "anna.m"]) == 0
    assert "„anna.m“ ist anonymisiert und heißt jetzt „geloescht-1“." in capsys.readouterr().out
    assert leaks(migrated_engine, PERSONAL) == []
    with ctx.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "assistant.erased")
        ).one()
        assert event.actor.startswith("cli:")

    assert main(["erase", "assistant", "geloescht-1", "--yes"]) == 1
    assert "schon anonymisiert" in capsys.readouterr().err


def test_erase_command_yes_skips_the_question(
    ctx: AppContext, db_url: str, migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    full_file(ctx)
    monkeypatch.setattr("sys.stdin", None)  # reading would fail
    assert main(["erase", "assistant", "anna.m", "--yes"]) == 0
    assert leaks(migrated_engine, PERSONAL) == []
