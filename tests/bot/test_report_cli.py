"""``vpabot report``: the monthly report on the command line, with its chart file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.bot.report_support import BERLIN, assert_png
from tests.bot.report_support import seeded as seeded  # noqa: F401 - the fixture
from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.policy.reports import Month


@pytest.fixture
def cli_env(
    seeded: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str
) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env from the repository; the default chart lands here
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VPA_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("VPA_LANGUAGE", "de")
    return tmp_path


def test_cli_prints_the_report_and_writes_the_chart(cli_env: Path, capsys: Any) -> None:
    assert main(["report", "--month", "2026-11"]) == 0

    out, err = capsys.readouterr()
    assert out.startswith("VPA-Monatsbericht November 2026")
    assert "Verstöße: 6" in out and "  • überfällig: 3" in out
    assert_png((cli_env / "vpabot-report-2026-11.png").read_bytes())
    assert "vpabot-report-2026-11.png" in err


def test_cli_writes_the_chart_where_asked(cli_env: Path, capsys: Any) -> None:
    assert main(["report", "--month", "12.2026", "--chart", "dez.png"]) == 0
    assert "VPA-Monatsbericht Dezember 2026" in capsys.readouterr().out
    assert_png((cli_env / "dez.png").read_bytes())
    assert not (cli_env / "vpabot-report-2026-12.png").exists()


@pytest.mark.parametrize("month", ["2026-13", "Nov", "2026/11", ""])
def test_cli_refuses_a_bad_month_in_one_german_line(cli_env: Path, capsys: Any, month: str) -> None:
    assert main(["report", "--month", month]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"vpabot: Monat „{month}“ ist nicht lesbar: bitte als JJJJ-MM angeben, z. B. 2026-11."
    ]
    assert list(cli_env.glob("*.png")) == []


def test_cli_without_a_database_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    assert main(["report", "--month", "2026-11"]) == 1
    assert "gibt es nicht" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_cli_without_a_month_reports_last_month(cli_env: Path, capsys: Any) -> None:
    last = Month.of(datetime.now(BERLIN).date()).previous()
    assert main(["report"]) == 0
    assert (cli_env / f"vpabot-report-{last}.png").exists()
    assert capsys.readouterr().out.startswith("VPA-Monatsbericht ")
