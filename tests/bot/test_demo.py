"""``vpabot demo`` shows the stop review with its three buttons, whatever day it is run on."""

from __future__ import annotations

from datetime import date

import pytest

from vpabot.bot.demo import demo_start, run_demo

REVIEW_BUTTONS = "[Aufheben] [Verlängern] [In VT-Stop (Kunden) umwandeln]"


def _review_part(transcript: str) -> str:
    heading = "der VT-Stop endet heute"
    assert heading in transcript
    return transcript.split(heading, 1)[1].split("━━", 1)[0]


@pytest.mark.parametrize(
    "today",
    [date(2026, 11, 28), date(2026, 11, 30)],  # a Saturday, a Monday
    ids=["saturday", "monday"],
)
def test_the_demo_shows_the_review_with_its_buttons(
    today: date, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_demo(database_url=f"sqlite:///{tmp_path / 'demo.db'}", today=today) == 0
    review = _review_part(capsys.readouterr().out)
    assert "Prüfung fällig:" in review and "endet heute" in review
    assert REVIEW_BUTTONS in review


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> the coming Monday
        (date(2026, 11, 30), date(2026, 12, 7)),  # Monday -> the next one, never today's past 9:00
        (date(2027, 3, 10), date(2027, 3, 22)),  # 15.03. + 14 days is Ostermontag: skipped
        (date(2027, 3, 24), date(2027, 4, 5)),  # 29.03. is Ostermontag itself: skipped
    ],
)
def test_the_demo_starts_on_a_monday_whose_review_day_is_a_working_day(
    today: date, monday: date
) -> None:
    assert demo_start(today).date() == monday
