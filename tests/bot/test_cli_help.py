"""``vpabot --help`` speaks VPA_LANGUAGE, argparse's own words included."""

from __future__ import annotations

import pytest

from vpabot.bot.cli import main


def help_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as leaving:
        main([*argv, "--help"])
    assert leaving.value.code == 0
    return capsys.readouterr().out


def test_german_by_default(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("VPA_LANGUAGE", raising=False)
    text = help_of([], capsys)
    assert text.startswith("Aufruf: vpabot")
    assert "Optionen:" in text and "diese Hilfe zeigen und beenden" in text
    assert "mit Slack über Socket Mode verbinden" in text
    for english in ("usage:", "options:", "show this help", "connect to Slack"):
        assert english not in text
    sub = help_of(["export", "assistant"], capsys)
    assert "--output DATEI" in sub and "Art. 15 DSGVO" in sub


def test_english_when_configured(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VPA_LANGUAGE", "en")
    text = help_of(["report"], capsys)
    assert text.startswith("usage: vpabot report")
    assert "calendar month in local time" in text and "--month YYYY-MM" in text
    assert "Aufruf" not in text


def test_a_bad_language_still_gets_help_and_then_the_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VPA_LANGUAGE", "fr")
    assert help_of([], capsys).startswith("Aufruf: vpabot")
    assert main(["report"]) == 2
    assert "VPA_LANGUAGE" in capsys.readouterr().err


def test_a_usage_error_is_worded_in_the_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VPA_LANGUAGE", raising=False)
    with pytest.raises(SystemExit):
        main(["exprt"])
    assert "vpabot: Fehler:" in capsys.readouterr().err
