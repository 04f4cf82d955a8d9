"""``vpabot import acceptances FILE.csv``: all or nothing, idempotent, bad rows by line number.

The CLI runs in-process (``main([...])``) against the migrated test database, on SQLite and
PostgreSQL; it reads DATABASE_URL only. "Today" is the real date, so dates are far enough
in the past (or future) not to depend on it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.bot.services.cg_import import Problem, read_acceptances
from vpabot.storage.db import session_scope
from vpabot.storage.models import Assistant, AuditEvent, SalesStop
from vpabot.bot.testing.harness import ADMIN

TODAY = date(2026, 11, 26)


# --- reading the file (pure) --------------------------------------------------------------


def test_reads_iso_and_german_dates_with_comma_or_semicolon_and_a_bom() -> None:
    text = "\ufeffHandle;Accepted_On\nanna.m;01.09.2026\n\n@Ben.K;2026-09-02\n"

    rows, problems = read_acceptances(text, today=TODAY)

    assert problems == []
    assert [(r.line, r.handle, r.accepted_on) for r in rows] == [
        (2, "anna.m", date(2026, 9, 1)),
        (4, "ben.k", date(2026, 9, 2)),  # line numbers count the empty line, as an editor does
    ]


def test_every_bad_row_is_reported_with_its_line_number() -> None:
    text = (
        "handle,accepted_on,comment\n"
        "anna.m,2026-09-01,ok\n"
        ",2026-09-01,no handle\n"
        "ben.k,,no date\n"
        "cara.l,31.02.2026,no such day\n"
        "dora.f,27.11.2026,tomorrow\n"
        "emil.o,14 Tage,a duration\n"
    )

    rows, problems = read_acceptances(text, today=TODAY)

    assert [r.handle for r in rows] == ["anna.m"]
    assert problems == [
        Problem(3, "handle_missing"),
        Problem(4, "date_missing"),
        Problem(5, "date_unreadable", {"text": "31.02.2026"}),
        Problem(6, "date_in_future", {"text": "27.11.2026"}),
        Problem(7, "date_unreadable", {"text": "14 Tage"}),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", Problem(1, "empty_file")),
        ("\n  \n", Problem(1, "empty_file")),
        (
            "handle,date\nanna.m,2026-09-01\n",
            Problem(1, "columns_missing", {"columns": "accepted_on"}),
        ),
        ("name,accepted_on\n", Problem(1, "columns_missing", {"columns": "handle"})),
    ],
)
def test_a_file_without_the_columns_is_refused_at_line_1(text: str, problem: Problem) -> None:
    assert read_acceptances(text, today=TODAY) == ([], [problem])


def test_the_rosters_column_name_works_too() -> None:
    rows, problems = read_acceptances("handle,cg_accepted_on\nanna.m,2026-09-01\n", today=TODAY)
    assert problems == [] and rows[0].accepted_on == date(2026, 9, 1)


# --- the command --------------------------------------------------------------------------


@pytest.fixture
def cli(
    ctx: AppContext, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AppContext:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("VPA_LANGUAGE", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    with session_scope(ctx.sessions) as session:
        for handle, accepted in (
            ("anna.m", None),
            ("ben.k", date(2026, 9, 1)),
            ("cara.l", date(2026, 10, 1)),
        ):
            session.add(
                Assistant(
                    handle=handle,
                    name=handle.title(),
                    cg_accepted_on=accepted,
                    created_at=ctx.now(),
                    created_by=ADMIN,
                )
            )
    return ctx


def run(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    file = tmp_path / "acceptances.csv"
    file.write_text(text, encoding="utf-8")
    code = main(["import", "acceptances", str(file)])
    out, err = capsys.readouterr()
    return code, out, err


def state(ctx: AppContext) -> tuple[dict[str, date | None], int]:
    with ctx.sessions() as session:
        dates = {
            h: d for h, d in session.execute(select(Assistant.handle, Assistant.cg_accepted_on))
        }
        events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return dates, events


GOOD = "handle;accepted_on\nanna.m;15.09.2026\nben.k;2026-10-20\ncara.l;2026-08-01\n"


def test_import_records_newer_dates_skips_older_ones_and_says_so_in_german(
    cli: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(tmp_path, GOOD, capsys)

    assert code == 0, err
    assert out.splitlines()[0] == (
        "3 Zeilen gelesen: 2 Lesebestätigungen eingetragen, 0 waren schon so eingetragen, "
        "1 älter als die gespeicherte (übergangen)."
    )
    dates, _events = state(cli)
    assert dates == {
        "anna.m": date(2026, 9, 15),
        "ben.k": date(2026, 10, 20),
        "cara.l": date(2026, 10, 1),
    }
    with cli.sessions() as session:
        audit = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.actor, e.action, e.before, e.after) for e in audit] == [
        ("import", "cg.accepted", {"cg_accepted_on": None}, {"cg_accepted_on": "2026-09-15"}),
        (
            "import",
            "cg.accepted",
            {"cg_accepted_on": "2026-09-01"},
            {"cg_accepted_on": "2026-10-20"},
        ),
    ]


def test_the_same_file_twice_changes_nothing_the_second_time(
    cli: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, GOOD, capsys)[0] == 0
    after_first = state(cli)

    code, out, _err = run(tmp_path, GOOD, capsys)

    assert code == 0
    assert "0 Lesebestätigungen eingetragen, 2 waren schon so eingetragen, 1 älter" in out
    assert state(cli) == after_first  # same dates, not one more audit event


def test_a_bad_file_writes_nothing_and_names_every_bad_line(
    cli: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = state(cli)
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=2)).date().strftime("%d.%m.%Y")
    text = (
        "handle,accepted_on\n"
        "anna.m,15.09.2026\n"  # fine, but the file as a whole is refused
        "nobody,15.09.2026\n"
        f"ben.k,{tomorrow}\n"
        "cara.l,2026-13-01\n"
        "anna.m,\n"
    )

    code, out, err = run(tmp_path, text, capsys)

    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "Zeile 3: „nobody“ ist kein bekannter Assistent",
        f"Zeile 4: der {tomorrow} liegt in der Zukunft",
        "Zeile 5: „2026-13-01“ ist kein Datum (möglich: 2026-12-31 oder 31.12.2026)",
        "Zeile 6: kein Datum in accepted_on",
        (
            "4 fehlerhafte Zeilen – es wurde nichts eingetragen. Bitte korrigieren und die ganze "
            "Datei noch einmal einlesen."
        ),
    ]
    assert state(cli) == before


def test_a_missing_file_is_refused(
    cli: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "acceptances", str(tmp_path / "nope.csv")]) == 1
    assert "nope.csv lässt sich nicht lesen" in capsys.readouterr().err


def test_a_handle_listed_twice_counts_with_its_latest_date(
    cli: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, _err = run(
        tmp_path, "handle,accepted_on\nanna.m,2026-09-20\nanna.m,2026-09-10\n", capsys
    )
    assert code == 0
    assert state(cli)[0]["anna.m"] == date(2026, 9, 20)


def test_import_points_to_cg_stops_that_may_now_be_lifted(
    cli: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(cli.sessions) as session:
        anna = session.scalars(select(Assistant).where(Assistant.handle == "anna.m")).one()
        session.add(
            SalesStop(
                assistant=anna,
                kind="voll",
                reason="cg",
                starts_on=date(2026, 11, 1),
                set_by=ADMIN,
                set_at=cli.now(),
            )
        )
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()

    code, out, _err = run(tmp_path, f"handle,accepted_on\nanna.m,{yesterday}\n", capsys)

    assert code == 0
    assert "Noch aktiver VT-Stop wegen CG bei: anna.m." in out
