"""Data protection: export everything about one assistant, erase it, retention.

The erase tests scan EVERY text and JSON column of EVERY table in the database (reflected, so
tables added later are scanned too) for the name, the handle, the Slack ID and every free text.
"""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, func, select, update

from tests.conftest import START
from vpabot.bot.cli import main
from vpabot.bot.config import ConfigError, load_settings
from vpabot.bot.context import AppContext
from vpabot.bot.runtime import Runtime
from vpabot.bot.services.approvals import decide
from vpabot.bot.services.consultations import answer_question, ask_manager
from vpabot.bot.services.files import open_file
from vpabot.bot.services.privacy import (
    SUBJECT_TABLE,
    erase_assistant,
    erase_expired,
    export_assistant,
)
from vpabot.bot.services.roster import import_assistants
from vpabot.bot.services.stops import lift_stop, resign, set_stop
from vpabot.bot.services.violations import add_note, log_violation
from vpabot.policy.clock import SettableClock
from vpabot.policy.catalogue import DEFAULT_TAGS, Source
from vpabot.policy.errors import PolicyError
from vpabot.policy.stops import StopKind
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope
from vpabot.storage.models import Assistant, AuditEvent, Note, OutboxMessage, SalesStop, Violation
from vpabot.storage.outbox_claim import Claimed, claim_due, claim_next
from vpabot.storage.outbox_settle import mark_sent
from vpabot.bot.testing.fake_slack import FakeSlack
from vpabot.bot.testing.harness import ADMIN, BOT_TOKEN, MANAGER, demo_settings

ROSTER = (
    "handle,name,slack_id,joined_on,status,cg_accepted_on\n"
    "anna.m,Anna Müller,U0ANNA1,2026-03-01,aktiv,2026-10-01\n"
    "bert.k,Bert Klein,U0BERT1,2026-04-01,aktiv,2026-10-02\n"
)
FREE_TEXTS = [
    "Angebot für die Kundin zu spät geschickt",
    "Tippfehler im Bericht an die Firma Holz & Co",
    "Dritte Beschwerde über <Rechtschreibung>",
    "Kundin hat sich im Datum geirrt",
    "Headset rauscht beim Videocall stark",
    "Soll Anna trotz Urlaub einen VT-Stop bekommen?",
    "Ja, aber bitte nur eine Woche",
    "Pause für Neukunden nach Beschwerden",
    "Leistung wieder stabil, geprüft mit Dashlets",
]
PERSONAL = ["Anna Müller", "anna.m", "U0ANNA1", "Müller", *FREE_TEXTS]
BERT_NOTE = "Bert vergaß die Deadline beim Kunden"


def full_file(ctx: AppContext) -> AppContext:
    """Anna: every kind of row the bot writes about an assistant; Bert: a bystander."""
    import_assistants(ctx, ROSTER)
    deadline, quality = DEFAULT_TAGS.parse("deadline"), DEFAULT_TAGS.parse("qualitaet")
    for note, tag in zip(FREE_TEXTS[:3], (deadline, quality, quality), strict=True):
        log_violation(
            ctx,
            actor=ADMIN,
            handle="anna.m",
            source=Source.COMPLAINT,
            tag=tag,
            severe=False,
            note=note,
        )
    with ctx.sessions() as session:
        third = session.scalars(select(Violation.id).where(Violation.step == 3)).one()
    decide(ctx, actor=MANAGER, violation_id=third, approve=False, reason=FREE_TEXTS[3])
    add_note(ctx, actor=ADMIN, handle="anna.m", text=FREE_TEXTS[4])
    asked = ask_manager(ctx, actor=ADMIN, handle="anna.m", question=FREE_TEXTS[5])
    answer_question(ctx, actor=MANAGER, question_id=asked.question_id, answer=FREE_TEXTS[6])
    set_stop(
        ctx,
        actor=ADMIN,
        handle="anna.m",
        kind=StopKind.CUSTOMERS,
        until=date(2026, 12, 10),
        note=FREE_TEXTS[7],
    )
    lift_stop(ctx, actor=ADMIN, handle="anna.m", note=FREE_TEXTS[8])
    open_file(ctx, actor=ADMIN, handle="anna.m")
    resign(ctx, actor=ADMIN, handle="anna.m")

    log_violation(
        ctx,
        actor=ADMIN,
        handle="bert.k",
        source=Source.COMPLAINT,
        tag=deadline,
        severe=False,
        note=BERT_NOTE,
    )
    with session_scope(ctx.sessions) as session:
        # A message about several assistants (a digest): not linked to Anna's rows by id.
        repo.enqueue(
            session,
            method="chat.postMessage",
            payload={
                "channel": "CADMINS",
                "text": "CG fällig: *Anna Müller* (`anna.m`), *Bert Klein* (`bert.k`)",
            },
            purpose="cg_digest",
            now=ctx.now(),
        )
    # Some messages went out already, the rest is still pending.
    send_all(ctx, now=ctx.now(), limit=4)
    return ctx


def send_all(ctx: AppContext, *, now: datetime, limit: int | None = None) -> list[Claimed]:
    """Claim and mark sent, oldest first, as the dispatcher would; returns what was claimed."""
    sent: list[Claimed] = []
    while (limit is None or len(sent) < limit) and (claimed := claim_next(ctx.sessions, now=now, wall=now)):
        mark_sent(ctx.sessions, claimed, now=now, channel="D1", ts=f"1.{claimed.id}")
        sent.append(claimed)
    return sent


def database_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table that exists in the database (reflected, not from the models)."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {
            name: [dict(row._mapping) for row in conn.execute(select(table))]
            for name, table in metadata.tables.items()
        }


def as_text(value: Any) -> str:
    """A column value as readable text: JSON decoded (no \\u escapes), everything else str()."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False, default=str)


def leaks(engine: Engine, secrets: list[str]) -> list[str]:
    found = []
    for table, rows in database_rows(engine).items():
        for row in rows:
            for column, value in row.items():
                text = as_text(value).lower()
                found += [f"{table}.{column}: {s!r}" for s in secrets if s.lower() in text]
    return found


# --- export -------------------------------------------------------------------------------


def test_export_contains_every_row_of_every_table_about_the_assistant(
    ctx: AppContext, migrated_engine: Engine
) -> None:
    full_file(ctx)
    document = export_assistant(ctx, "anna.m", actor="cli:test")
    json.dumps(document)  # plain JSON
    anna = document["assistant"]
    assert (anna["name"], anna["handle"], anna["slack_user_id"]) == (
        "Anna Müller",
        "anna.m",
        "U0ANNA1",
    )

    rows = database_rows(migrated_engine)
    for table, table_rows in rows.items():
        if (
            table in ("assistants", "audit_events")
            or not table_rows
            or "assistant_id" not in table_rows[0]
        ):
            continue
        if "id" not in table_rows[0]:  # the search index: words, and pairs of words
            column = "word" if "word" in table_rows[0] else "first"
            assert {r[column] for r in document[table]} >= {"anna", "mueller"}, table
            continue
        mine = {r["id"] for r in table_rows if r["assistant_id"] == anna["id"]}
        assert {r["id"] for r in document[table]} == mine, table
    assert {len(document[t]) for t in ("violations", "notes", "sales_stops")} == {3, 2}
    assert {r["id"] for r in document["audit_events"]} >= {
        r["id"] for r in rows["audit_events"] if r["assistant_id"] == anna["id"]
    }
    assert document["audit_events"][-1]["action"] == "assistant.exported"

    exported = {r["id"] for r in document["outbox"]}
    mentioning = {r["id"] for r in rows["outbox"] if "anna.m" in as_text(r["payload"])}
    linked = {
        r["id"]
        for r in rows["outbox"]
        if r["purpose"] in SUBJECT_TABLE
        and r["subject_id"] in {x["id"] for x in document[SUBJECT_TABLE[r["purpose"]]]}
    }
    assert mentioning and mentioning <= exported and linked <= exported
    assert any(r["purpose"] == "cg_digest" for r in document["outbox"])
    assert not any(BERT_NOTE in as_text(r["payload"]) for r in document["outbox"])
    texts = as_text(document)
    assert all(text in texts for text in FREE_TEXTS)


def test_export_command_writes_json_to_a_file_or_stdout(
    ctx: AppContext,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    full_file(ctx)
    out = tmp_path / "anna.json"
    assert main(["export", "assistant", "anna.m", "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["assistant"]["name"] == "Anna Müller"
    assert "Export geschrieben" in capsys.readouterr().err
    assert main(["export", "assistant", "@Anna.M"]) == 0
    assert json.loads(capsys.readouterr().out)["assistant"]["handle"] == "anna.m"
    assert main(["export", "assistant", "niemand"]) == 1
    assert "gibt es nicht" in capsys.readouterr().err


# --- erase --------------------------------------------------------------------------------


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
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
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
            .where(OutboxMessage.status == "cancelled")
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
        original.status = "cancelled"
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
        assert set(session.scalars(select(OutboxMessage.status))) == {"cancelled"}


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


# --- retention ----------------------------------------------------------------------------


def ended(ctx: AppContext, handle: str, on: date) -> None:
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


def test_full_file_helper_really_is_full(ctx: AppContext) -> None:
    """The scan above is only as good as the data: every free text is stored somewhere first."""
    full_file(ctx)
    with ctx.sessions() as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
        purposes = set(session.scalars(select(OutboxMessage.purpose)))
    assert statuses == {"sent", "pending"}
    assert {
        "manager_fyi",
        "approval_request",
        "approval_outcome",
        "approval_admin",
        "consultation",
        "consultation_answer",
        "stop_announcement",
        "cg_digest",
    } <= purposes
