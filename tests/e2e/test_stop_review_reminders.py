"""VT-Stop reviews end to end: the reminder on the end date at nine, re-reminders on working
days (weekends, nationwide and regional holidays, summer time), and where the DM goes."""

from __future__ import annotations

from datetime import date, datetime, timezone

from tests.e2e.stops_support import (
    START,
    berlin,
    buttons,
    drain,
    reminded_stop,
    review_dms,
    say,
    stops,
    sweep_at,
)
from tests.e2e.stops_support import clock as clock  # noqa: F401 - the fixture
from vpabot.policy.clock import SettableClock
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, TEAM_CHANNEL, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.stops import ReviewToken
from vpabot.bot.payloads import encode


def test_review_dm_on_the_due_day_at_nine_to_the_admin_who_set_it(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    clock.set(berlin(2026, 11, 27, 10, 0))
    say(anna, "verstoss anna.m deadline deadline Angebot zu spät")  # before the stop: not listed
    clock.set(START)
    say(anna, "stop anna.m voll 11.12.2026", user=ADMIN_2)
    clock.set(berlin(2026, 12, 3, 14, 0))
    say(anna, "verstoss anna.m beschwerde qualitaet Tippfehler im Angebot")
    say(anna, "notiz anna.m hat ein neues Headset bestellt")
    drain(anna)

    assert sweep_at(anna, clock, berlin(2026, 12, 10, 9, 0)) == 0  # the day before
    assert sweep_at(anna, clock, berlin(2026, 12, 11, 8, 59)) == 0  # a minute early
    assert review_dms(anna) == []

    assert sweep_at(anna, clock, berlin(2026, 12, 11, 9, 0)) == 1
    assert sweep_at(anna, clock, berlin(2026, 12, 11, 9, 1)) == 0
    assert sweep_at(anna, clock, berlin(2026, 12, 11, 17, 0)) == 0
    (dm,) = review_dms(anna)
    assert dm.args["channel"] == ADMIN_2  # the admin who set it, nobody else
    text = render(dm.args)
    assert "Prüfung fällig:* VT-Stop für *Anna Müller* (`anna.m`) endet heute" in text
    assert "Seit 30.11.2026, bis 11.12.2026" in text
    assert "Tippfehler im Angebot" in text and "Ermahnung" in text
    assert "hat ein neues Headset bestellt" in text
    assert "Angebot zu spät" not in text  # logged before the stop began
    assert "[Aufheben] [Verlängern] [In VT-Stop (Kunden) umwandeln]" in text
    (stop_row,) = stops(anna)
    assert {b["value"] for b in buttons(dm.args).values()} == {encode(ReviewToken(stop_row.id, date(2026, 12, 11)))}
    assert set(buttons(dm.args)) == {"review_lift", "review_extend", "review_convert"}


def test_unanswered_review_is_reminded_next_working_day_not_on_the_weekend(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    reminded_stop(anna, clock, "stop anna.m voll 11.12.2026", berlin(2026, 12, 11, 9, 0))  # Friday
    for when in (
        berlin(2026, 12, 12, 9, 0),
        berlin(2026, 12, 12, 18, 0),
        berlin(2026, 12, 13, 9, 0),
        berlin(2026, 12, 14, 8, 59),
    ):
        assert sweep_at(anna, clock, when) == 0, when
    assert sweep_at(anna, clock, berlin(2026, 12, 14, 9, 0)) == 1  # Monday
    assert sweep_at(anna, clock, berlin(2026, 12, 14, 15, 0)) == 0
    first, again = review_dms(anna)
    assert again.args["channel"] == ADMIN
    assert (
        "Prüfung überfällig:* VT-Stop für *Anna Müller* (`anna.m`) – bitte entscheide heute"
        in render(again.args)
    )
    assert (
        buttons(again.args)["review_lift"]["value"] == buttons(first.args)["review_lift"]["value"]
    )

    listed = say(anna, "stops")
    assert "Prüfung überfällig" in listed and "überfällig: 1" in listed
    assert sweep_at(anna, clock, berlin(2026, 12, 15, 9, 0)) == 1  # and every working day after


def test_christmas_reminders_skip_holidays_and_the_sunday(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    clock.set(berlin(2026, 12, 1, 10, 0))
    reminded_stop(
        anna, clock, "stop anna.m voll 23.12.2026", berlin(2026, 12, 23, 9, 0)
    )  # Wednesday
    assert sweep_at(anna, clock, berlin(2026, 12, 23, 16, 0)) == 0
    assert sweep_at(anna, clock, berlin(2026, 12, 24, 8, 59)) == 0
    assert sweep_at(anna, clock, berlin(2026, 12, 24, 9, 0)) == 1  # Heiligabend is a working day
    for day in (25, 26, 27):  # 1. and 2. Weihnachtstag, Sunday
        assert sweep_at(anna, clock, berlin(2026, 12, day, 9, 0)) == 0, day
        assert sweep_at(anna, clock, berlin(2026, 12, day, 20, 0)) == 0, day
    assert sweep_at(anna, clock, berlin(2026, 12, 28, 8, 59)) == 0
    assert sweep_at(anna, clock, berlin(2026, 12, 28, 9, 0)) == 1  # Monday
    assert len(review_dms(anna)) == 3


def test_easter_holidays_and_summer_time(bot: BotUnderTest, clock: SettableClock) -> None:
    clock.set(berlin(2027, 3, 1, 10, 0))
    say(bot, "assistent neu anna.m Anna Müller")
    assert "gesetzt" in say(bot, "stop anna.m kunden 25.03.2027")
    # Thursday before Easter, still winter time: 09:00 Berlin is 08:00 UTC
    assert sweep_at(bot, clock, datetime(2027, 3, 25, 7, 59, tzinfo=timezone.utc)) == 0
    assert sweep_at(bot, clock, datetime(2027, 3, 25, 8, 0, tzinfo=timezone.utc)) == 1
    for day in (26, 27, 28, 29):  # Karfreitag, Saturday, Easter Sunday, Ostermontag
        assert sweep_at(bot, clock, berlin(2027, 3, day, 9, 0)) == 0, day
        assert sweep_at(bot, clock, berlin(2027, 3, day, 23, 0)) == 0, day
    # Tuesday after Easter, summer time: 09:00 Berlin is 07:00 UTC
    assert sweep_at(bot, clock, datetime(2027, 3, 30, 6, 59, tzinfo=timezone.utc)) == 0
    assert sweep_at(bot, clock, datetime(2027, 3, 30, 7, 0, tzinfo=timezone.utc)) == 1
    assert len(review_dms(bot)) == 2


def test_stop_ending_on_a_saturday_is_reviewed_on_monday(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    say(anna, "stop anna.m voll 12.12.2026")
    assert sweep_at(anna, clock, berlin(2026, 12, 12, 9, 0)) == 0  # Saturday
    assert sweep_at(anna, clock, berlin(2026, 12, 13, 9, 0)) == 0  # Sunday
    assert sweep_at(anna, clock, berlin(2026, 12, 14, 9, 0)) == 1  # Monday
    (dm,) = review_dms(anna)
    assert "bis 12.12.2026" in render(dm.args)


def test_weekend_review_does_not_claim_the_stop_ends_today(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    say(anna, "stop anna.m voll 12.12.2026")
    assert sweep_at(anna, clock, berlin(2026, 12, 14, 9, 0)) == 1  # Monday
    (dm,) = review_dms(anna)
    assert "endet heute" not in render(dm.args)


def test_review_goes_to_the_admin_channel_when_the_setter_left_the_admin_team(db_url: str) -> None:
    with BotUnderTest(db_url, clock=SettableClock(START)) as first:
        say(first, "assistent neu anna.m Anna Müller")
        say(first, "stop anna.m voll 11.12.2026", user=ADMIN_2)
        drain(first)
    later = SettableClock(berlin(2026, 12, 11, 9, 0))
    with BotUnderTest(
        db_url, clock=later, admin_ids=frozenset({ADMIN}), admin_channel="CADMINS"
    ) as second:
        assert sweep_at(second, later, berlin(2026, 12, 11, 9, 0)) == 1
        (dm,) = review_dms(second)
        assert dm.args["channel"] == "CADMINS"
        assert "Anna Müller" in render(dm.args)


def test_a_regional_holiday_moves_the_review_to_the_next_working_day(
    db_url: str,
) -> None:
    # Fronleichnam (Thursday 4 June 2026) is a holiday in Bavaria, not nationwide.
    clock = SettableClock(berlin(2026, 5, 20, 10, 0))
    with BotUnderTest(db_url, clock=clock, holiday_region="BY") as bavaria:
        say(bavaria, "assistent neu anna.m Anna Müller")
        say(bavaria, "stop anna.m voll 04.06.2026")
        assert sweep_at(bavaria, clock, berlin(2026, 6, 4, 9, 0)) == 0
        assert sweep_at(bavaria, clock, berlin(2026, 6, 5, 9, 0)) == 1  # Friday
        (dm,) = review_dms(bavaria)
        assert "bis 04.06.2026" in render(dm.args)


def test_without_a_region_only_nationwide_holidays_count(bot: BotUnderTest, clock: SettableClock) -> None:
    clock.set(berlin(2026, 5, 20, 10, 0))
    say(bot, "assistent neu anna.m Anna Müller")
    say(bot, "stop anna.m voll 04.06.2026")
    assert sweep_at(bot, clock, berlin(2026, 6, 4, 9, 0)) == 1  # Fronleichnam is a working day here


def test_the_review_says_why_the_stop_was_set_in_the_admins_words_and_only_to_them(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    clock.set(START)
    say(anna, "stop anna.m voll 11.12.2026 verstoss Zeit zum Neuorganisieren <!channel> *fett*")
    drain(anna)
    assert sweep_at(anna, clock, berlin(2026, 12, 11, 9, 0)) == 1
    (dm,) = review_dms(anna)
    text = render(dm.args)
    assert "Seit 30.11.2026, bis 11.12.2026. Grund: Verstoß – „Zeit zum Neuorganisieren" in text
    raw = str(dm.args)
    assert "<!channel>" not in raw and "&lt;!channel&gt;" in raw  # the admin's text, not a ping
    team = [render(c.args) for c in anna.fake.calls_to("chat.postMessage") if c.args.get("channel") == TEAM_CHANNEL]
    assert team and not any("Neuorganisieren" in t for t in team)  # the team hears the stop, not why


def test_a_stop_set_without_a_reason_is_reviewed_as_sonstiges(anna: BotUnderTest, clock: SettableClock) -> None:
    clock.set(START)
    say(anna, "stop anna.m kunden 11.12.2026")
    drain(anna)
    assert sweep_at(anna, clock, berlin(2026, 12, 11, 9, 0)) == 1
    (dm,) = review_dms(anna)
    assert "Grund: Sonstiges." in render(dm.args)
