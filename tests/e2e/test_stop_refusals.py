"""VT-Stops end to end: bad dates, unknown handles and non-admins get a clear answer and
nothing is written."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import count
from tests.e2e.stops_support import drain, say, snapshot, team_posts, written
from tests.e2e.stops_support import clock as clock  # noqa: F401 - the fixture
from vpabot.storage.models import OutboxMessage, SalesStop
from vpabot.bot.testing.harness import MANAGER, OUTSIDER, BotUnderTest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stop anna.m voll gestern", "„gestern“ ist kein lesbares Datum"),
        ("stop anna.m voll 31.02.2027", "„31.02.2027“ ist kein lesbares Datum"),
        ("stop anna.m voll 2027-02-30", "„2027-02-30“ ist kein lesbares Datum"),
        ("stop anna.m voll 01.11.2026", "Der 01.11.2026 liegt nicht in der Zukunft"),
        ("stop anna.m voll 30.11.2026", "Der 30.11.2026 liegt nicht in der Zukunft"),
        ("stop anna.m voll 0 Tage", "liegt nicht in der Zukunft"),
        (
            "stop anna.m voll 2027-12-31",
            "Der 31.12.2027 liegt mehr als ein Jahr entfernt. "
            "Bitte wähle spätestens den 30.11.2027",
        ),
        ("stop anna.m voll 400 Tage", "mehr als ein Jahr entfernt"),
        ("stop anna.m voll 60w", "mehr als ein Jahr entfernt"),
        ("stop anna.m voll", "So geht's: `/vpa stop <handle> voll|kunden <bis>"),
        ("stop anna.m sofort 14 Tage", "„sofort“ ist keine Stop-Art"),
        ("verlaengern anna.m gestern", "„gestern“ ist kein lesbares Datum"),
        ("verlaengern anna.m 31.02.2027", "„31.02.2027“ ist kein lesbares Datum"),
        ("verlaengern anna.m 29.11.2026", "liegt nicht in der Zukunft"),
        ("verlaengern anna.m 2028-01-01", "mehr als ein Jahr entfernt"),
        ("stop ana.m voll 14 Tage", "„ana.m“ gibt es nicht. Meintest du:"),
        ("verlaengern ana.m 31.12.2026", "„ana.m“ gibt es nicht"),
        ("aufheben ana.m alles wieder gut", "„ana.m“ gibt es nicht"),
        ("gekuendigt ana.m", "„ana.m“ gibt es nicht"),
        ("stop niemand voll 14 Tage", "„niemand“ gibt es nicht"),
    ],
)
def test_bad_dates_and_unknown_handles_get_clear_messages_and_write_nothing(
    anna: BotUnderTest, text: str, expected: str
) -> None:
    say(anna, "stop anna.m kunden 11.12.2026")  # so that verlaengern has something to move
    drain(anna)
    before, rows = written(anna), snapshot(anna)
    answer = say(anna, text)
    assert expected in answer, answer
    time.sleep(0.3)  # a lazy listener would have run by now
    assert written(anna) == before and snapshot(anna) == rows
    assert len(team_posts(anna)) == 1


def test_unknown_handle_suggests_the_close_one(anna: BotUnderTest) -> None:
    answer = say(anna, "stop ana.m voll 14 Tage")
    assert "Einen Assistenten mit dem Handle „ana.m“ gibt es nicht" in answer and "anna.m" in answer
    assert count(anna, SalesStop) == 0 and count(anna, OutboxMessage) == 0


def test_non_admin_cannot_set_or_lift(anna: BotUnderTest) -> None:
    say(anna, "stop anna.m voll 11.12.2026")
    drain(anna)
    before, rows = written(anna), snapshot(anna)
    for text in (
        "stop anna.m kunden 14 Tage",
        "verlaengern anna.m 23.12.2026",
        "aufheben anna.m gut",
        "gekuendigt anna.m",
    ):
        for user in (OUTSIDER, MANAGER):
            assert "nur das Admin-Team" in say(anna, text, user=user)
    time.sleep(0.3)
    assert written(anna) == before and snapshot(anna) == rows
