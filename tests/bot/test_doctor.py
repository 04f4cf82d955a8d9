"""`vpabot doctor` against the fake Slack: all green, then each thing an installation gets wrong.

Every failure names what is wrong and how to fix it, and only an all-green run exits 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from vpabot.bot.cli import main
from vpabot.bot.cli.doctor import REQUIRED_SCOPES
from vpabot.bot.testing.fake_slack import FakeSlack
from vpabot.storage.db import make_engine
from vpabot.storage.migrate import upgrade

REPO = Path(__file__).resolve().parents[2]
TOKEN = "xoxb-doctor"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as running:
        running.channels["CTEAM"] = {"name": "team", "is_member": True}
        running.channels["GADMINS"] = {"name": "admins", "is_member": True}
        yield running


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlack) -> Path:
    """A correct installation: settings in the environment, a migrated SQLite database."""
    database = tmp_path / "vpabot.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": f"sqlite:///{database}",
        "VPA_ADMIN_IDS": "UADMIN1,UADMIN2",
        "VPA_MANAGER_IDS": "UMANAGER1",
        "VPA_TEAM_CHANNEL": "CTEAM",
        "VPA_ADMIN_CHANNEL": "GADMINS",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    return database


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["doctor"])
    return code, capsys.readouterr().out.splitlines()


def failures(lines: list[str]) -> list[str]:
    """Each failed check with its fix, as one string."""
    return [f"{line} {lines[i + 1].strip()}" for i, line in enumerate(lines) if line.startswith("✗")]


def test_the_scopes_it_checks_are_the_manifests() -> None:
    manifest = yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))
    assert set(REQUIRED_SCOPES) == set(manifest["oauth_config"]["scopes"]["bot"])


def test_a_correct_installation_passes(installed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = doctor(capsys)
    assert code == 0, lines
    assert lines[-1] == "Alles in Ordnung."
    assert "✓ Token gültig: Workspace Fake, Bot @vpabot" in lines
    assert "✓ VPA_ADMIN_CHANNEL GADMINS (#admins): Bot ist Mitglied" in lines
    assert "✓ VPA_MANAGER_IDS UMANAGER1: aktive Person" in lines
    assert "✓ Erinnerungen um 09:00, Zeitzone Europe/Berlin" in lines


def test_a_token_slack_refuses(
    installed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    code, lines = doctor(capsys)
    assert code == 1
    found = failures(lines)
    assert found[0].startswith("✗ SLACK_BOT_TOKEN wird von Slack nicht angenommen (invalid_auth)")
    assert "OAuth & Permissions" in found[0]
    assert found[1].startswith("✗ Slack-Prüfungen übersprungen")
    assert any(line.startswith("✓ Datenbank") for line in lines)  # the rest is still checked


def test_slack_unreachable(
    installed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    code, lines = doctor(capsys)
    assert code == 1
    assert failures(lines)[0].startswith("✗ Slack ist unter http://127.0.0.1:9/api/ nicht erreichbar")


def test_a_missing_scope(installed: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str]) -> None:
    fake.scopes = [s for s in fake.scopes if s not in ("files:write", "groups:read")]
    code, lines = doctor(capsys)
    assert code == 1
    assert failures(lines) == [
        "✗ Es fehlen Berechtigungen: files:write, groups:read → manifest.yml in der "
        "App-Konfiguration übernehmen und die App neu installieren (api.slack.com/apps → "
        "Install App → Reinstall)."
    ]


def test_the_bot_is_not_in_the_team_channel(
    installed: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.channels["CTEAM"]["is_member"] = False
    code, lines = doctor(capsys)
    assert code == 1
    assert failures(lines) == [
        "✗ VPA_TEAM_CHANNEL CTEAM (#team): der Bot ist kein Mitglied → im Kanal /invite @vpabot eingeben."
    ]


def test_an_admin_channel_that_does_not_exist(
    installed: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    del fake.channels["GADMINS"]
    code, lines = doctor(capsys)
    assert code == 1
    [found] = failures(lines)
    assert found.startswith("✗ VPA_ADMIN_CHANNEL GADMINS: Kanal nicht gefunden (channel_not_found)")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (None, "✗ VPA_ADMIN_IDS UADMIN2: unbekannt (user_not_found)"),
        ({"deleted": True}, "✗ VPA_ADMIN_IDS UADMIN2: Konto ist deaktiviert"),
        ({"is_bot": True}, "✗ VPA_ADMIN_IDS UADMIN2: ist ein Bot, keine Person"),
    ],
)
def test_an_admin_id_that_is_no_active_person(
    override: dict | None,
    expected: str,
    installed: Path,
    fake: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.users["UADMIN2"] = override
    code, lines = doctor(capsys)
    assert code == 1
    [found] = failures(lines)
    assert found.startswith(expected + " → VPA_ADMIN_IDS prüfen")


def test_a_manager_id_that_does_not_exist(
    installed: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.users["UMANAGER1"] = None
    code, lines = doctor(capsys)
    assert code == 1
    [found] = failures(lines)
    assert found.startswith("✗ VPA_MANAGER_IDS UMANAGER1: unbekannt (user_not_found)")


def test_a_database_that_does_not_exist_is_not_created(
    installed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = installed.with_name("anderswo.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    code, lines = doctor(capsys)
    assert code == 1
    [found] = failures(lines)
    assert found == f"✗ Datenbank sqlite:///{missing} gibt es nicht → DATABASE_URL prüfen oder " \
        "die Datenbank mit `vpabot db upgrade` anlegen."
    assert not missing.exists()


def test_a_database_behind_the_code(installed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(f"sqlite:///{installed}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()
    code, lines = doctor(capsys)
    assert code == 1
    [found] = failures(lines)
    assert ": Stand 0001, erwartet " in found and "`vpabot db upgrade` ausführen" in found


def test_an_unreachable_database(
    installed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://vpabot:geheim@127.0.0.1:9/vpabot")
    code, lines = doctor(capsys)
    assert code == 1
    [found] = failures(lines)
    assert found.startswith("✗ Datenbank postgresql+psycopg://vpabot:***@127.0.0.1:9/vpabot nicht erreichbar")
    assert "geheim" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("name", "value"), [("VPA_REVIEW_TIME", "9 Uhr"), ("VPA_TIMEZONE", "Mars/Olympus")]
)
def test_a_review_time_or_zone_that_does_not_parse(
    name: str,
    value: str,
    installed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["doctor"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"vpabot: {name} ")


def test_a_wrong_app_token_is_reported_when_one_is_set(
    installed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-wrong")
    code, lines = doctor(capsys)
    assert code == 1
    [found] = failures(lines)
    assert found.startswith("✗ SLACK_APP_TOKEN (Socket Mode) wird nicht angenommen → Slack lehnt SLACK_APP_TOKEN ab (invalid_auth)")
