"""VPA_LANGUAGE and VPA_TIMEZONE in the commands that need no Slack tokens: one answer for all.

A value that cannot be used is one German line on stderr and exit code 2, before the command
reads its file or opens the database; never a silent fallback to German or UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from vpabot.bot.cli import main
from vpabot.bot.config import ConfigError, load_core_settings
from vpabot.bot.context import AppContext
from vpabot.policy.clock import SettableClock

BAD_ZONE = "vpabot: VPA_TIMEZONE ist keine bekannte Zeitzone: 'Mars/Olympus'"
BAD_LANGUAGE = "vpabot: VPA_LANGUAGE ist keine bekannte Sprache (de oder en): 'fr'"

# Commands that word their output (VPA_LANGUAGE) and those that also need today (VPA_TIMEZONE).
WITH_TODAY = [
    ["import", "assistants", "roster.csv"],
    ["import", "assistants", "roster.csv", "--dry-run"],
    ["import", "acceptances", "acceptances.csv"],
    ["report", "--month", "2026-11"],
]
WORDED = WITH_TODAY + [
    ["export", "assistant", "anna.m"],
    ["erase", "assistant", "anna.m", "--yes"],
]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Good settings, files to import, and a database URL whose file does not exist yet."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'vpabot.db'}")
    monkeypatch.setenv("VPA_LANGUAGE", "de")
    monkeypatch.setenv("VPA_TIMEZONE", "Europe/Berlin")
    (tmp_path / "roster.csv").write_text(
        "handle,name,joined_on,status\nanna.m,Anna,2026-01-01,aktiv\n", encoding="utf-8"
    )
    (tmp_path / "acceptances.csv").write_text(
        "handle,accepted_on\nanna.m,2026-01-01\n", encoding="utf-8"
    )
    return tmp_path


def refused(argv: list[str], env: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert not (env / "vpabot.db").exists()  # refused before the database was touched
    assert list(env.glob("*.png")) == []
    return err.splitlines()


MESSAGES = {
    "VPA_TIMEZONE": "vpabot: VPA_TIMEZONE ist keine bekannte Zeitzone: {!r}",
    "VPA_LANGUAGE": "vpabot: VPA_LANGUAGE ist keine bekannte Sprache (de oder en): {!r}",
}
BAD_SETTINGS = [
    *[
        ("VPA_TIMEZONE", zone, argv)
        for zone in ("Mars/Olympus", "Europe", "../etc")
        for argv in WITH_TODAY
    ],
    *[("VPA_LANGUAGE", language, argv) for language in ("fr", "DE", "english") for argv in WORDED],
]


@pytest.mark.parametrize(
    ("name", "value", "argv"),
    BAD_SETTINGS,
    ids=[f"{n}={v}-{' '.join(a)}" for n, v, a in BAD_SETTINGS],
)
def test_a_setting_that_cannot_be_used_is_one_german_line_and_exit_2(
    name: str,
    value: str,
    argv: list[str],
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(name, value)
    assert refused(argv, env, capsys) == [MESSAGES[name].format(value)]


def test_the_messages_read_as_documented(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VPA_TIMEZONE", "Mars/Olympus")
    assert refused(["report"], env, capsys) == [BAD_ZONE]
    monkeypatch.setenv("VPA_LANGUAGE", "fr")
    assert refused(["report"], env, capsys) == [BAD_LANGUAGE]  # the language is checked first


@pytest.mark.parametrize("name", ["VPA_LANGUAGE", "VPA_TIMEZONE"])
def test_empty_or_unset_means_the_default(
    name: str, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, "  ")
    settings = load_core_settings()
    assert (settings.language, settings.timezone) == ("de", "Europe/Berlin")
    monkeypatch.delenv(name)
    settings = load_core_settings()
    assert (settings.language, settings.timezone) == ("de", "Europe/Berlin")


def test_today_is_the_day_in_vpa_timezone(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's context answers 'today' like the bot's: in VPA_TIMEZONE, not in UTC."""
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)

    def today() -> date:
        ctx = AppContext(load_core_settings(), sessions=None, clock=SettableClock(new_years_eve))  # type: ignore[arg-type]
        return ctx.today()

    assert today() == date(2027, 1, 1)  # Berlin is ahead of UTC
    monkeypatch.setenv("VPA_TIMEZONE", "America/New_York")
    assert today() == date(2026, 12, 31)
    monkeypatch.setenv("VPA_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError):
        today()


def test_english_output_still_follows_vpa_language(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VPA_LANGUAGE", "en")
    assert main(["export", "assistant", "anna.m"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"vpabot: database {env / 'vpabot.db'} does not exist (check DATABASE_URL)."
    ]
