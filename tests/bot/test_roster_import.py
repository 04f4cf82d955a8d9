"""``vpabot import assistants``: idempotent upsert by handle, dry run, bad rows, audit, progress."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vpabot.bot.cli import assistants as cli_assistants
from vpabot.bot.i18n import Translator
from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.bot.services.assistants import add_assistant
from vpabot.bot.services.roster import BadFile, ImportResult, import_assistants, read_roster
from vpabot.bot.services.stops import resign
from vpabot.policy.ladder import AssistantStatus
from vpabot.storage.models import Assistant, AuditEvent
from vpabot.bot.testing.harness import ADMIN

TODAY = date(2026, 11, 26)  # the ctx clock's day in Berlin
HEADER = "handle,name,slack_id,joined_on,status,cg_accepted_on\n"
ROSTER = (
    HEADER
    + "anna.m,Anna Müller,U0ANNA1,2026-03-01,aktiv,2026-10-01\n"
    + "ben.k,Ben Klein,,01.05.2026,neu,\n"
    + 'carla.s,"Schmidt, Carla",u0carla,2.6.2026,active,15.11.2026\n'
)


def run(ctx: AppContext, text: str, *, dry_run: bool = False) -> ImportResult:
    return import_assistants(ctx, text, dry_run=dry_run)


def problems(ctx: AppContext, text: str) -> list[tuple[int, str]]:
    with pytest.raises(BadFile) as bad:
        run(ctx, text)
    return [(p.line, p.code) for p in bad.value.problems]


def table_counts(ctx: AppContext) -> tuple[int, int]:
    with ctx.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Assistant)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def assistants(ctx: AppContext) -> dict[str, Assistant]:
    with ctx.sessions() as session:
        return {a.handle: a for a in session.scalars(select(Assistant))}


# --- reading (pure) -----------------------------------------------------------------------


def test_reads_iso_and_german_dates_quotes_and_status_words() -> None:
    rows, found = read_roster(ROSTER, today=TODAY)
    assert found == []
    anna, ben, carla = rows
    assert (anna.line, anna.handle, anna.name, anna.slack_id) == (
        2,
        "anna.m",
        "Anna Müller",
        "U0ANNA1",
    )
    assert anna.joined_on == date(2026, 3, 1) and anna.cg_accepted_on == date(2026, 10, 1)
    assert ben.joined_on == date(2026, 5, 1) and ben.slack_id is None and ben.cg_accepted_on is None
    assert ben.status is AssistantStatus.NEW
    assert carla.name == "Schmidt, Carla" and carla.slack_id == "U0CARLA"
    assert carla.joined_on == date(2026, 6, 2) and carla.status is AssistantStatus.ACTIVE


def test_reads_semicolons_a_bom_and_header_case() -> None:
    text = "\ufeffHandle;Name;Joined_On;Status\r\nanna.m;Anna Müller;01.03.2026;aktiv\r\n"
    rows, found = read_roster(text, today=TODAY)
    assert found == [] and [r.handle for r in rows] == ["anna.m"]


def test_reports_bad_rows_with_their_line_numbers() -> None:
    text = (
        HEADER
        + "anna.m,Anna Müller,,2026-03-01,aktiv,\n"  # 2: fine
        + "\n"  # 3: blank lines are skipped but counted
        + "Bad Handle!,Ben,,2026-03-01,aktiv,\n"  # 4
        + "carla.s,,,31.02.2026,aktiv,\n"  # 5: no name, no such date
        + "dora.w,Dora,XYZ,2026-03-01,pausiert,\n"  # 6: slack id, status
        + "anna.m,Anna again,,2026-03-01,aktiv,\n"  # 7: twice
        + "emil.f,Emil,,2026-03-01,neu,2026-12-24\n"  # 8: accepted in the future
        + "fritz.h,Fritz,,,neu,,zu viel\n"  # 9: no joined_on, one cell too many
        + "geloescht-9,Gustav,,2026-03-01,neu,\n"  # 10: reserved
    )
    _rows, found = read_roster(text, today=TODAY)
    assert [(p.line, p.code) for p in found] == [
        (4, "handle_invalid"),
        (5, "name_missing"),
        (5, "date_unreadable"),
        (6, "slack_id_invalid"),
        (6, "status_unknown"),
        (7, "handle_twice"),
        (8, "date_in_future"),
        (9, "too_many_cells"),
        (10, "handle_reserved"),
    ]
    assert found[5].params == {"handle": "anna.m", "first": 2}


def test_reports_header_problems_on_line_1() -> None:
    _rows, found = read_roster("handle,nmae,joined_on\nanna.m,Anna,2026-01-01\n", today=TODAY)
    assert [(p.line, p.code) for p in found] == [(1, "columns_missing"), (1, "columns_unknown")]
    assert found[0].params["columns"] == "name, status"
    assert [(p.line, p.code) for p in read_roster("  \n", today=TODAY)[1]] == [(1, "empty_file")]


def test_duplicate_slack_ids_in_one_file_are_refused() -> None:
    text = HEADER + "anna.m,Anna,U0X1,2026-01-01,neu,\nben.k,Ben,u0x1,2026-01-01,neu,\n"
    assert [(p.line, p.code) for p in read_roster(text, today=TODAY)[1]] == [(3, "slack_id_twice")]


# --- writing --------------------------------------------------------------------------------


def test_import_adds_and_audits_and_a_second_run_changes_nothing(ctx: AppContext) -> None:
    first = run(ctx, ROSTER)
    assert (len(first.new), len(first.changed), first.unchanged, first.written) == (3, 0, 0, True)
    stored = assistants(ctx)
    assert stored["anna.m"].slack_user_id == "U0ANNA1" and stored["anna.m"].status == "aktiv"
    assert stored["carla.s"].cg_accepted_on == date(2026, 11, 15)
    assert {a.created_by for a in stored.values()} == {"import"}
    with ctx.sessions() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.actor, e.action) for e in events] == [("import", "assistant.added")] * 3
    assert (
        events[0].after["name"] == "Anna Müller" and events[0].assistant_id == stored["anna.m"].id
    )

    before = table_counts(ctx)
    second = run(ctx, ROSTER)
    assert (len(second.new), len(second.changed), second.unchanged) == (0, 0, 3)
    assert table_counts(ctx) == before  # idempotent: no rows, no audit events


def test_import_changes_only_what_differs_and_keeps_values_of_empty_optional_cells(
    ctx: AppContext,
) -> None:
    run(ctx, ROSTER)
    changed = (
        HEADER
        + "anna.m,Anna Müller-Berg,,2026-03-01,aktiv,\n"  # renamed; empty cells keep the rest
        + "ben.k,Ben Klein,U0BEN1,01.05.2026,aktiv,\n"  # slack id added, onboarding done
        + 'carla.s,"Schmidt, Carla",u0carla,2.6.2026,active,15.11.2026\n'  # unchanged
        + "dora.w,Dora Weiß,,2026-11-01,neu,\n"  # new
    )
    result = run(ctx, changed)
    assert [c.handle for c in result.new] == ["dora.w"] and result.unchanged == 1
    assert {c.handle: (c.before, c.after) for c in result.changed} == {
        "anna.m": ({"name": "Anna Müller"}, {"name": "Anna Müller-Berg"}),
        "ben.k": (
            {"slack_user_id": None, "status": "neu"},
            {"slack_user_id": "U0BEN1", "status": "aktiv"},
        ),
    }
    stored = assistants(ctx)
    assert stored["anna.m"].slack_user_id == "U0ANNA1" and stored["anna.m"].cg_accepted_on == date(
        2026, 10, 1
    )
    with ctx.sessions() as session:
        updates = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "assistant.updated"))
        )
    assert {(e.actor, e.assistant_id) for e in updates} == {
        ("import", stored["anna.m"].id),
        ("import", stored["ben.k"].id),
    }


def test_dry_run_reports_the_changes_and_writes_nothing(ctx: AppContext) -> None:
    add_assistant(ctx, actor=ADMIN, handle="ben.k", name="Ben Klein")
    before = table_counts(ctx)
    result = run(ctx, ROSTER, dry_run=True)
    assert not result.written
    assert [c.handle for c in result.new] == ["anna.m", "carla.s"]
    assert [c.handle for c in result.changed] == ["ben.k"]  # joined_on differs from today
    assert table_counts(ctx) == before


def test_a_bad_row_means_nothing_of_the_file_is_written(ctx: AppContext) -> None:
    before = table_counts(ctx)
    text = ROSTER + "dora.w,Dora,,kein datum,neu,\n"
    assert problems(ctx, text) == [(5, "date_unreadable")]
    assert table_counts(ctx) == before == (0, 0)


def test_ended_statuses_are_not_changed_or_set_by_an_import(ctx: AppContext) -> None:
    run(ctx, ROSTER)
    resign(ctx, actor=ADMIN, handle="ben.k")
    text = (
        HEADER
        + "anna.m,Anna Müller,,2026-03-01,gekündigt,\n"  # would end the collaboration
        + "ben.k,Ben Klein,,01.05.2026,aktiv,\n"  # resigned: cannot come back by import
    )
    assert problems(ctx, text) == [(2, "status_ending"), (3, "status_ended")]
    same = HEADER + "ben.k,Ben Klein,,01.05.2026,gekuendigt,\n"
    assert run(ctx, same).unchanged == 1  # an unchanged ended status is fine


def test_former_assistants_the_bot_never_had_are_skipped(
    cli_env: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "roster.csv"
    file.write_text(ROSTER + "emil.f,Emil Fuchs,,2025-03-01,gekündigt,\n", encoding="utf-8")
    assert main(["import", "assistants", str(file)]) == 0
    out = capsys.readouterr().out
    assert "- emil.f (Zeile 5): übersprungen, gekündigt und nicht im Bot" in out
    assert "Import abgeschlossen: 3 neu, 0 geändert, 0 unverändert." in out
    assert "1 ehemalige Person übersprungen" in out
    assert "emil.f" not in assistants(cli_env)


def test_a_slack_id_of_another_assistant_is_refused(ctx: AppContext) -> None:
    run(ctx, ROSTER)
    text = HEADER + "dora.w,Dora Weiß,U0ANNA1,2026-11-01,neu,\n"
    assert problems(ctx, text) == [(2, "slack_id_taken")]
    moved = (
        HEADER
        + "anna.m,Anna Müller,U0ANNA2,2026-03-01,aktiv,\ndora.w,Dora Weiß,U0ANNA1,2026-11-01,neu,\n"
    )
    assert len(run(ctx, moved).changes) == 2  # the file moves it away in the same go


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def cli_env(ctx: AppContext, db_url: str, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("VPA_LANGUAGE", raising=False)
    return ctx


def test_cli_prints_a_german_summary_and_is_idempotent(
    cli_env: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "roster.csv"
    file.write_text(ROSTER, encoding="utf-8")
    assert main(["import", "assistants", str(file), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+ anna.m: Anna Müller, aktiv, dabei seit 01.03.2026" in out
    assert "Probelauf (--dry-run), nichts gespeichert: 3 neu, 0 geändert, 0 unverändert." in out
    assert table_counts(cli_env) == (0, 0)

    assert main(["import", "assistants", str(file)]) == 0
    assert "Import abgeschlossen: 3 neu, 0 geändert, 0 unverändert." in capsys.readouterr().out
    assert main(["import", "assistants", str(file)]) == 0
    assert "Import abgeschlossen: 0 neu, 0 geändert, 3 unverändert." in capsys.readouterr().out


def test_cli_prints_names_as_stored_not_escaped_for_slack(
    cli_env: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "roster.csv"
    file.write_text(HEADER + "hex.a,Hex <!channel> & Co,,2026-01-01,aktiv,\n", encoding="utf-8")
    assert main(["import", "assistants", str(file)]) == 0
    out = capsys.readouterr().out
    assert "+ hex.a: Hex <!channel> & Co" in out and "&lt;" not in out and "&amp;" not in out


def test_cli_lists_bad_rows_on_stderr_and_exits_1(
    cli_env: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "roster.csv"
    file.write_bytes(
        (ROSTER + "dora.w,Dora,,2026-13-01,neu,\nemil.f,,,2026-01-01,ruhend,\n").encode("cp1252")
    )
    assert main(["import", "assistants", str(file)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "Zeile 5: joined_on „2026-13-01“ ist kein Datum (2026-12-31 oder 31.12.2026)",
        "Zeile 6: Name fehlt",
        "Zeile 6: unbekannter Status „ruhend“ (neu oder aktiv)",
        "Nichts gespeichert: 2 fehlerhafte Zeilen in roster.csv. Bitte korrigieren und die ganze "
        "Datei erneut importieren.",
    ]
    assert table_counts(cli_env) == (0, 0)


def test_cli_shows_progress_for_long_files_only(
    cli_env: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = tmp_path / "short.csv"
    short.write_text(ROSTER, encoding="utf-8")
    assert main(["import", "assistants", str(short)]) == 0
    assert "Import:" not in capsys.readouterr().err

    long = tmp_path / "long.csv"
    lines = [f"vpa{n:03d},Assistent {n},,2026-01-01,aktiv,\n" for n in range(250)]
    long.write_text(HEADER + "".join(lines), encoding="utf-8")
    assert main(["import", "assistants", str(long)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Import: 25/250 (10 %)" and err[-1] == "Import: 250/250 (100 %)"
    assert len(err) == 10  # not a line per row when stderr is no terminal


def test_progress_line_rewrites_itself_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = cli_assistants.ProgressLine(Translator("de"), stream)
    for done in range(1, 5):
        progress(done, 4)
    assert stream.getvalue() == (
        "\rImport: 1/4 (25 %)\rImport: 2/4 (50 %)\rImport: 3/4 (75 %)\rImport: 4/4 (100 %)\n"
    )


def test_cli_missing_file_is_a_clear_error(
    cli_env: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "assistants", "/nonexistent/roster.csv"]) == 1
    assert "lässt sich nicht lesen" in capsys.readouterr().err


def test_trailing_empty_cells_and_missing_optional_cells_are_fine() -> None:
    text = HEADER + "anna.m,Anna Müller,,2026-03-01,aktiv,,,\nben.k,Ben Klein,,2026-03-01,neu\n"
    rows, found = read_roster(text, today=TODAY)
    assert found == [] and [(r.handle, r.cg_accepted_on) for r in rows] == [
        ("anna.m", None),
        ("ben.k", None),
    ]


def test_a_decomposed_umlaut_is_stored_composed_and_a_reimport_changes_nothing(
    ctx: AppContext,
) -> None:
    # The same roster saved by a Mac spreadsheet: "u" + combining diaeresis.
    decomposed = ROSTER.replace("Müller", "Mu\u0308ller")
    run(ctx, ROSTER)

    again = run(ctx, decomposed)

    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 3)
    fresh = run(ctx, HEADER + "lea.m,Lea Mu\u0308ller,,2026-03-01,aktiv,\n")
    assert len(fresh.new) == 1 and assistants(ctx)["lea.m"].name == "Lea Müller"
