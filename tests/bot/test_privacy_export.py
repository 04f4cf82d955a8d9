"""Data protection: exporting everything the bot stores about one assistant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.bot.privacy_support import BERT_NOTE, FREE_TEXTS, as_text, database_rows, full_file
from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.bot.services.privacy import SUBJECT_TABLE, export_assistant
from vpabot.storage.models import OutboxMessage, OutboxStatus


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


def test_full_file_helper_really_is_full(ctx: AppContext) -> None:
    """The export and erase scans are only as good as the data: every free text is stored somewhere first."""
    full_file(ctx)
    with ctx.sessions() as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
        purposes = set(session.scalars(select(OutboxMessage.purpose)))
    assert statuses == {OutboxStatus.SENT, OutboxStatus.PENDING}
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
