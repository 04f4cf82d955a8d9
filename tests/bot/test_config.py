"""Start-up settings: what an operator sees when something is missing or wrong."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from vpabot.bot.config import ConfigError, load_settings
from vpabot.bot.testing.fake_slack import FakeSlack

COMPLETE = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "secret",
    "VPA_ADMIN_IDS": "U1, U2",
    "VPA_MANAGER_IDS": "U3",
    "VPA_TEAM_CHANNEL": "CTEAM",
}


def test_every_missing_setting_is_named_in_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"VPA_ADMIN_IDS": "U1"})
    message = str(caught.value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "VPA_MANAGER_IDS", "VPA_TEAM_CHANNEL"):
        assert name in message
    assert "VPA_ADMIN_IDS" not in message and "\n" not in message


def test_socket_mode_needs_the_app_token_too() -> None:
    load_settings(COMPLETE)  # HTTP mode is complete without it
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        load_settings(COMPLETE, need_app_token=True)


@pytest.mark.parametrize(
    ("name", "value"),
    [("VPA_LANGUAGE", "fr"), ("VPA_TIMEZONE", "Mars/Olympus"), ("VPA_REVIEW_TIME", "9 Uhr")],
)
def test_a_wrong_value_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({**COMPLETE, name: value})


def test_ids_are_split_and_trimmed() -> None:
    settings = load_settings(COMPLETE)
    assert settings.admin_ids == {"U1", "U2"} and settings.is_staff("U3")
    assert not settings.is_staff("U9")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_without_settings_stops_with_one_clear_line(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vpabot.bot.cli", "serve"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("vpabot: Es fehlen Einstellungen: SLACK_BOT_TOKEN")
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_answers_health_checks_and_leaves_cleanly_on_sigterm(tmp_path) -> None:
    """A redeploy sends SIGTERM: the process must go through its shutdown, not be cut off."""
    port = _free_port()
    with FakeSlack(token="xoxb-test") as fake:
        env = {
            **COMPLETE,
            "PATH": os.environ.get("PATH", ""),
            "SLACK_API_URL": fake.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "vpabot.bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                        assert r.status == 200
                        break
                except OSError:
                    assert time.monotonic() < deadline, process.stderr.read() if process.poll() else "no answer"
                    time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
            # One start line saying where everything comes from; no warning on a normal start
            # (Bolt's "`token` will be unused" used to appear on every one).
            database = tmp_path / "bot.db"
            assert process.stderr.read().splitlines() == [
                f"vpabot: .env: keine (nur Umgebungsvariablen) · Datenbank: sqlite:///{database} · "
                f"Slack-API: {fake.base_url} · Modus: HTTP (vpabot serve) auf "
                f"http://127.0.0.1:{port}/slack/events",
                f"vpabot: neue Datenbank angelegt: {database}",
            ]
        finally:
            if process.poll() is None:
                process.kill()


def test_run_with_an_app_token_slack_refuses_stops_with_one_line(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to loop forever logging "'NoneType' object has no attribute 'strip'"."""
    from vpabot.bot.cli import main

    monkeypatch.chdir(tmp_path)
    with FakeSlack(token="xoxb-test") as fake:
        for name, value in {**COMPLETE, "SLACK_API_URL": fake.base_url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
        monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-revoked")
        assert main(["run"]) == 2
        err = capsys.readouterr().err.splitlines()
        assert err[0].startswith("vpabot: .env: keine") and "Modus: Socket Mode (vpabot run)" in err[0]
        assert err[1:] == [
            "vpabot: Slack lehnt SLACK_APP_TOKEN ab (invalid_auth): ein App-Level-Token (xapp-…) "
            "mit connections:write unter api.slack.com/apps → Basic Information → App-Level "
            "Tokens anlegen."
        ]
        assert not (tmp_path / "bot.db").exists()  # refused before anything was created
        monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-your-app-token")
        assert main(["run"]) == 2
        assert capsys.readouterr().err.startswith(
            "vpabot: SLACK_APP_TOKEN enthält noch den Platzhalter aus .env.example"
        )


def test_serve_on_a_port_in_use_stops_with_one_line(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vpabot.bot.cli import main

    monkeypatch.chdir(tmp_path)
    with FakeSlack(token="xoxb-test") as fake, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for name, value in {**COMPLETE, "SLACK_API_URL": fake.base_url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
        assert main(["serve", "--host", "127.0.0.1", "--port", str(port)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith(f"vpabot: Port {port} auf 127.0.0.1 ist nicht verfügbar (")
    assert err[-1].endswith("– --port ändern.")
    assert "Traceback" not in "\n".join(err)
