"""Public holidays from the ``holidays`` package: nationwide by default, a state when configured."""

from __future__ import annotations

from datetime import date

import pytest

from vpabot.bot.config import ConfigError, load_settings
from vpabot.bot.workdays import check_region, holiday_calendar
from vpabot.policy.dates import is_working_day

NATIONWIDE_2026 = {
    date(2026, 1, 1),  # Neujahr
    date(2026, 4, 3),  # Karfreitag
    date(2026, 4, 6),  # Ostermontag
    date(2026, 5, 1),  # Tag der Arbeit
    date(2026, 5, 14),  # Christi Himmelfahrt
    date(2026, 5, 25),  # Pfingstmontag
    date(2026, 10, 3),  # Tag der Deutschen Einheit
    date(2026, 12, 25),
    date(2026, 12, 26),
}
SETTINGS = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "secret",
    "VPA_ADMIN_IDS": "U1",
    "VPA_MANAGER_IDS": "U3",
    "VPA_TEAM_CHANNEL": "CTEAM",
}


def test_unset_region_means_the_nationwide_holidays_only() -> None:
    calendar = holiday_calendar(None)
    assert set(calendar.names(2026)) == NATIONWIDE_2026
    assert all(day in calendar for day in NATIONWIDE_2026)
    assert date(2026, 6, 4) not in calendar  # Fronleichnam: regional only
    assert date(2026, 12, 24) not in calendar  # Heiligabend is no public holiday


@pytest.mark.parametrize(
    ("region", "day"),
    [
        ("BY", date(2026, 1, 6)),  # Heilige Drei Könige
        ("BY", date(2026, 6, 4)),  # Fronleichnam
        ("NW", date(2026, 6, 4)),
        ("NW", date(2027, 11, 1)),  # Allerheiligen, a Monday
        ("SN", date(2026, 11, 18)),  # Buß- und Bettag
        ("BE", date(2027, 3, 8)),  # Internationaler Frauentag, a Monday
    ],
)
def test_a_state_adds_its_own_holidays(region: str, day: date) -> None:
    assert day in holiday_calendar(region)
    assert not is_working_day(day, holidays=holiday_calendar(region))
    assert is_working_day(day, holidays=holiday_calendar(None))


def test_easter_moves_every_year() -> None:
    calendar = holiday_calendar(None)
    for easter in (date(2027, 3, 28), date(2038, 4, 25)):
        for offset in (-2, 1, 39, 50):  # Karfreitag, Ostermontag, Himmelfahrt, Pfingstmontag
            assert date.fromordinal(easter.toordinal() + offset) in calendar


def test_the_setting_is_read_and_checked() -> None:
    assert load_settings(SETTINGS).holiday_region is None
    assert load_settings({**SETTINGS, "VPA_HOLIDAY_REGION": "by"}).holiday_region == "BY"
    with pytest.raises(ConfigError, match="VPA_HOLIDAY_REGION"):
        load_settings({**SETTINGS, "VPA_HOLIDAY_REGION": "Bayern"})
    assert check_region("  ") is None


def test_cli_commands_refuse_an_unknown_region(
    ctx, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vpabot.bot.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VPA_HOLIDAY_REGION", "Bayern")
    assert main(["export", "stops"]) == 2
    assert "VPA_HOLIDAY_REGION" in capsys.readouterr().err
    monkeypatch.setenv("VPA_HOLIDAY_REGION", "BY")
    assert main(["export", "stops"]) == 0
