"""Where settings come from, and what an operator sees when they start the bot.

A new admin copies `.env.example` to `.env` in an empty directory and starts vpabot there:
the `.env` of that directory is used (not one found upwards from the installed package), the
environment wins over it, placeholders are refused by name, and no SQLite file appears
silently.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from vpabot.bot.cli import main
from vpabot.bot.config import (
    PLACEHOLDERS,
    ConfigError,
    load_settings,
    masked_url,
    read_environment,
)

REPO = Path(__file__).resolve().parents[2]
FILLED = (
    "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=s\nVPA_ADMIN_IDS=UA\n"
    "VPA_MANAGER_IDS=UM\nVPA_TEAM_CHANNEL=CT\nVPA_TIMEZONE=America/New_York\n"
)


def test_the_env_file_of_the_working_directory_is_used(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(FILLED, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    env = read_environment(environ={}, cwd=tmp_path)
    assert env.env_file == (tmp_path / ".env").resolve()
    assert load_settings(env).bot_token == "xoxb-from-file"
    # Not searched upwards: a sub-directory without its own .env reads none.
    assert read_environment(environ={}, cwd=tmp_path / "sub").env_file is None


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(FILLED, encoding="utf-8")
    env = read_environment(environ={"VPA_TIMEZONE": "Europe/Vienna"}, cwd=tmp_path)
    settings = load_settings(env)
    assert settings.timezone == "Europe/Vienna" and settings.admin_ids == {"UA"}


def test_env_file_option_and_vpa_env_file_name_another_file(tmp_path: Path) -> None:
    elsewhere = tmp_path / "etc" / "vpabot.env"
    elsewhere.parent.mkdir()
    elsewhere.write_text(FILLED.replace("from-file", "from-option"), encoding="utf-8")
    (tmp_path / ".env").write_text(FILLED, encoding="utf-8")  # ignored when a file is named
    by_option = read_environment(elsewhere, environ={}, cwd=tmp_path)
    by_variable = read_environment(environ={"VPA_ENV_FILE": str(elsewhere)}, cwd=tmp_path)
    for env in (by_option, by_variable):
        assert env.env_file == elsewhere.resolve()
        assert load_settings(env).bot_token == "xoxb-from-option"


def test_a_named_file_that_does_not_exist_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="gibt es nicht"):
        read_environment(tmp_path / "tippfehler.env", environ={}, cwd=tmp_path)


def _example_values() -> dict[str, str]:
    """Every setting `.env.example` gives a value, commented out or not."""
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line.lstrip("# ") for line in lines if "=" in line)
    return {k: v for k, v in dotenv_values(stream=__import__("io").StringIO(text)).items() if v}


@pytest.mark.parametrize("name", sorted(PLACEHOLDERS))
def test_every_placeholder_of_env_example_is_refused_by_name(name: str) -> None:
    example = _example_values()
    complete = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_APP_TOKEN": "xapp-1",
        "VPA_ADMIN_IDS": "UA",
        "VPA_MANAGER_IDS": "UM",
        "VPA_TEAM_CHANNEL": "CT",
    }
    assert name in example, f".env.example no longer has {name}: update PLACEHOLDERS"
    with pytest.raises(ConfigError) as caught:
        load_settings({**complete, name: example[name]}, need_app_token=True)
    assert str(caught.value).startswith(f"{name} enthält noch den Platzhalter")


def test_the_copied_example_names_the_first_placeholder(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((REPO / ".env.example").read_text(), encoding="utf-8")
    with pytest.raises(ConfigError, match="^SLACK_BOT_TOKEN enthält noch den Platzhalter"):
        load_settings(read_environment(environ={}, cwd=tmp_path))


def test_the_database_password_is_masked_and_a_relative_file_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert masked_url("postgresql+psycopg://vpabot:geheim@db:5432/vpabot") == (
        "postgresql+psycopg://vpabot:***@db:5432/vpabot"
    )
    monkeypatch.chdir(tmp_path)
    assert masked_url("sqlite:///vpabot.db") == f"sqlite:///{tmp_path / 'vpabot.db'}"


def _cli(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vpabot.bot.cli", *argv],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_db_upgrade_names_its_sources_and_announces_a_new_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///daten/vpabot.db\n", encoding="utf-8")
    (tmp_path / "daten").mkdir()
    first = _cli(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    database = tmp_path / "daten" / "vpabot.db"
    assert first.stderr.splitlines() == [
        f"vpabot: .env: {tmp_path / '.env'} · Datenbank: sqlite:///{database} · "
        "Slack-API: https://slack.com/api/ · Modus: db upgrade",
        f"vpabot: neue Datenbank angelegt: {database}",
    ]
    assert first.stdout.splitlines()[0].startswith("Migrationen angewandt: leer → ")
    again = _cli(tmp_path, "db", "upgrade")
    assert "neue Datenbank" not in again.stderr and "Migrationen angewandt" not in again.stdout
    assert again.stdout.startswith("Datenbank ist auf dem neuesten Stand (Revision ")


def test_commands_that_read_never_create_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for argv in (["export", "stops"], ["report", "--month", "2026-11"], ["doctor"]):
        main(argv)
    assert list(tmp_path.iterdir()) == []
    assert f"Datenbank {tmp_path / 'vpabot.db'} gibt es nicht" in capsys.readouterr().err


def test_env_file_option_works_before_and_after_the_command(tmp_path: Path) -> None:
    settings = tmp_path / "conf" / "bot.env"
    settings.parent.mkdir()
    settings.write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'x.db'}\n", encoding="utf-8")
    for argv in (("--env-file", str(settings), "db", "upgrade"), ("db", "upgrade", "--env-file", str(settings))):
        result = _cli(tmp_path, *argv)
        assert result.returncode == 0, result.stderr
        assert result.stderr.startswith(f"vpabot: .env: {settings} · Datenbank: sqlite:///{tmp_path / 'x.db'}")


def test_a_relative_sqlite_database_lives_next_to_the_env_file_it_came_with(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from vpabot.bot.config import load_core_settings, read_environment

    home = tmp_path / "srv"
    home.mkdir()
    (home / ".env").write_text("VPA_LANGUAGE=de\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    settings = load_core_settings(read_environment(home / ".env", environ={}, cwd=elsewhere))
    assert settings.database_url == f"sqlite:///{home / 'vpabot.db'}"


def test_an_unreadable_database_url_is_one_german_line() -> None:
    import pytest

    from vpabot.bot.config import ConfigError, load_core_settings

    with pytest.raises(ConfigError, match="prozent-kodieren"):
        load_core_settings({"DATABASE_URL": "postgresql+psycopg://vpabot:p@ss:w/rd@127.0.0.1:5432/vpabot"})
