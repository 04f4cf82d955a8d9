"""VT-Stops end to end by text: set, change, extend, lift and resign, the team announcement
without private details, and the `/vpa stops` list."""

from __future__ import annotations

import time
from datetime import date, timedelta

from tests.e2e.conftest import resign
from tests.e2e.stops_support import (
    PRIVATE_WORDS,
    START,
    assistant_row,
    berlin,
    drain,
    review_dms,
    say,
    snapshot,
    stops,
    sweep_at,
    team_posts,
    written,
)
from tests.e2e.stops_support import clock as clock  # noqa: F401 - the fixture
from vpabot.policy.clock import SettableClock
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render


# == set, change, extend, lift, resign by text ==================================================
def test_set_by_text_replies_stores_and_announces_without_private_details(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    logged = say(anna, "verstoss anna.m deadline deadline Angebot zu spät")
    assert "1. Verstoß – Erinnerung an CGs" in logged

    reply = say(anna, "stop anna.m voll 14 Tage verstoss Kunde sehr verärgert über Verzug")
    assert "VT-Stop für *Anna Müller* (`anna.m`) gesetzt, bis 14.12.2026" in reply
    assert "Das Team wird im Team-Channel informiert" in reply
    assert "offen, wie lange der Stop dauert (bis 14.12.2026)" in reply

    (row,) = stops(anna)
    assert (row.kind, row.until, row.starts_on, row.set_by) == (
        "voll",
        date(2026, 12, 14),
        date(2026, 11, 30),
        ADMIN,
    )
    assert row.reason == "verstoss" and row.note == "Kunde sehr verärgert über Verzug"
    assert row.lifted_at is None
    assert row.review_at == berlin(2026, 12, 14, 9, 0)

    (post,) = team_posts(anna)
    # present: who, which kind and what it means, until when, set by whom, supportive tone
    assert "Anna Müller" in post and "anna.m" in post
    assert "*VT-Stop*" in post and "keine neuen Kunden und keine neuen Aufgaben" in post
    assert "bis 14.12.2026" in post
    assert "Gesetzt von @UADMIN1" in post
    assert "keine Strafe" in post
    # absent: the violation, its note, its tag, the ladder step, the stop's own note
    for private in ("Angebot zu spät", "Kunde sehr verärgert", "Verzug", *PRIVATE_WORDS):
        assert private not in post, (private, post)


def test_english_aliases_and_kunden_kind(anna: BotUnderTest) -> None:
    reply = say(anna, "stop anna.m clients 2w")
    assert "VT-Stop (Kunden) für *Anna Müller* (`anna.m`) gesetzt, bis 14.12.2026" in reply
    (post,) = team_posts(anna)
    assert "*VT-Stop (Kunden)*" in post
    assert "keine neuen Kunden, einzelne zusätzliche Aufgaben sind möglich" in post
    assert "bis 14.12.2026" in post


def test_setting_again_with_another_kind_changes_the_one_stop_and_is_announced(
    anna: BotUnderTest,
) -> None:
    say(anna, "stop anna.m voll 14 Tage")
    reply = say(anna, "stop anna.m kunden 14 Tage", user=ADMIN_2)
    assert (
        "VT-Stop für *Anna Müller* (`anna.m`) geändert: jetzt VT-Stop (Kunden), bis 14.12.2026"
        in reply
    )

    (row,) = stops(anna)  # still one stop: a change, not a second one
    assert (row.kind, row.until, row.set_by) == ("kunden", date(2026, 12, 14), ADMIN_2)

    first, second = team_posts(anna)
    assert "*VT-Stop*" in first
    assert "*geändert*" in second and "jetzt *VT-Stop (Kunden)*" in second
    assert "keine neuen Kunden, einzelne zusätzliche Aufgaben sind möglich" in second
    assert "bis 14.12.2026" in second and "Geändert von @UADMIN2" in second

    # the date alone is a change too
    assert "jetzt VT-Stop (Kunden), bis 21.12.2026" in say(anna, "stop anna.m kunden 21.12.2026")
    assert "bis 21.12.2026" in team_posts(anna)[-1]

    before, rows = written(anna), snapshot(anna)
    same = say(anna, "stop anna.m kunden 21.12.2026")
    assert "schon genau so gesetzt; es wurde nichts geändert" in same
    assert written(anna) == before and snapshot(anna) == rows
    assert len(team_posts(anna)) == 3


def test_extend_moves_the_end_date_and_the_review(anna: BotUnderTest, clock: SettableClock) -> None:
    say(anna, "stop anna.m voll 11.12.2026")
    reply = say(anna, "verlaengern anna.m 23.12.2026")
    assert "VT-Stop für *Anna Müller* (`anna.m`) geändert: jetzt VT-Stop, bis 23.12.2026" in reply
    (row,) = stops(anna)
    assert (row.kind, row.until) == ("voll", date(2026, 12, 23))

    posts = team_posts(anna)
    assert len(posts) == 2
    assert "*verlängert*" in posts[1] and "jetzt bis 23.12.2026" in posts[1] and "Anna Müller" in posts[1]

    assert sweep_at(anna, clock, berlin(2026, 12, 11, 9, 0)) == 0  # the old date no longer counts
    assert review_dms(anna) == []
    assert sweep_at(anna, clock, berlin(2026, 12, 23, 9, 0)) == 1
    assert "bis 23.12.2026" in render(review_dms(anna)[0].args)


def test_extend_refusals_write_nothing(anna: BotUnderTest) -> None:
    before = written(anna)
    assert "gerade kein VT-Stop aktiv" in say(anna, "verlaengern anna.m 23.12.2026")
    assert "So geht's: `/vpa verlaengern <handle> <bis>`" in say(anna, "verlaengern anna.m")
    assert written(anna) == before
    say(anna, "stop anna.m voll 11.12.2026")
    before, rows = written(anna), snapshot(anna)
    assert "schon genau so gesetzt" in say(anna, "verlaengern anna.m 11.12.2026")
    assert written(anna) == before and snapshot(anna) == rows


def test_lift_needs_a_note_and_then_is_announced(anna: BotUnderTest, clock: SettableClock) -> None:
    say(anna, "stop anna.m voll 11.12.2026")
    drain(anna)
    before, rows = written(anna), snapshot(anna)

    refused = say(anna, "aufheben anna.m")
    assert (
        "Bitte schreib kurz dazu, wie die erneute Prüfung der Performance ausgefallen ist"
        in refused
    )
    assert "So geht's: `/vpa aufheben <handle> <notiz …>`" in say(anna, "aufheben")
    time.sleep(0.3)  # a lazy listener would have run by now
    assert written(anna) == before and snapshot(anna) == rows
    assert len(team_posts(anna)) == 1

    clock.set(berlin(2026, 12, 4, 11, 0))
    reply = say(anna, "aufheben anna.m Antwortzeiten wieder im Ziel", user=ADMIN_2)
    assert "VT-Stop für *Anna Müller* (`anna.m`) aufgehoben" in reply

    (row,) = stops(anna)
    assert row.lifted_at == berlin(2026, 12, 4, 11, 0)
    assert row.lifted_by == ADMIN_2 and row.lift_note == "Antwortzeiten wieder im Ziel"

    lifted = team_posts(anna)[-1]
    assert "Anna Müller" in lifted and "*aufgehoben*" in lifted
    assert (
        "wieder neue Kunden und Aufgaben möglich" in lifted and "Aufgehoben von @UADMIN2" in lifted
    )
    assert "Antwortzeiten" not in lifted  # the re-check is for the admin team only

    assert "Zurzeit gibt es keine aktiven VT-Stops" in say(anna, "stops")
    assert sweep_at(anna, clock, berlin(2026, 12, 11, 9, 0)) == 0  # a lifted stop is never reviewed
    assert "gerade kein VT-Stop aktiv" in say(anna, "aufheben anna.m nochmal")


def test_resign_sets_status_and_an_open_ended_stop_that_is_never_reviewed(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    reply = resign(anna, "anna.m")
    assert "Kündigung für *Anna Müller* (`anna.m`) eingetragen" in reply
    assert "Status „gekündigt“ und ein unbefristeter VT-Stop" in reply

    person = assistant_row(anna, "anna.m")
    assert person.status == "gekuendigt" and person.ended_on == date(2026, 11, 30)
    (row,) = stops(anna)
    assert (row.kind, row.until, row.review_at, row.reason) == ("voll", None, None, "gekuendigt")

    (post,) = team_posts(anna)
    assert "Anna Müller" in post and "*VT-Stop*" in post and "unbefristet" in post
    assert "keine neuen Kunden und keine neuen Aufgaben" in post

    listed = say(anna, "stops")
    assert "Anna Müller" in listed and "unbefristet" in listed and "überfällig: 0" in listed

    before, rows = written(anna), snapshot(anna)
    assert "hat kein Enddatum (Zusammenarbeit beendet oder CG-Lesebestätigung fehlt)" in say(
        anna, "verlaengern anna.m 23.12.2026"
    )
    assert "Zusammenarbeit mit Anna Müller ist beendet" in say(anna, "aufheben anna.m wieder gut")
    assert "Zusammenarbeit mit Anna Müller ist beendet" in say(anna, "stop anna.m kunden 14 Tage")
    assert "bereits beendet" in say(anna, "gekuendigt anna.m")
    assert written(anna) == before and snapshot(anna) == rows

    for day in range(0, 400, 7):  # a year of sweeps: an open-ended stop has no review
        assert sweep_at(anna, clock, START + timedelta(days=day)) == 0
    assert review_dms(anna) == []


def test_resigning_during_a_stop_replaces_its_review(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    say(anna, "stop anna.m kunden 11.12.2026")
    resign(anna, "anna.m")
    (row,) = stops(anna)
    assert (row.kind, row.until, row.review_at) == ("voll", None, None)
    first, second = team_posts(anna)
    assert "*geändert*" in second and "jetzt *VT-Stop*" in second and "unbefristet" in second
    assert sweep_at(anna, clock, berlin(2026, 12, 11, 9, 0)) == 0
    assert sweep_at(anna, clock, berlin(2026, 12, 14, 9, 0)) == 0
    assert review_dms(anna) == []


def test_today_is_the_berlin_date_just_after_midnight(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    clock.set(berlin(2026, 12, 1, 0, 30))  # still 30.11. in UTC
    assert "liegt nicht in der Zukunft" in say(anna, "stop anna.m voll 01.12.2026")
    assert "bis 15.12.2026" in say(anna, "stop anna.m voll 14 Tage")
    (row,) = stops(anna)
    assert (row.starts_on, row.until) == (date(2026, 12, 1), date(2026, 12, 15))


# == /vpa stops ===============================================================================
def test_stops_lists_overdue_first_then_by_end_date(
    bot: BotUnderTest, clock: SettableClock
) -> None:
    for handle, name in (
        ("anna.m", "Anna Müller"),
        ("ben.k", "Ben Klein"),
        ("carl.o", "Carl Ott"),
        ("dora.s", "Dora Sommer"),
        ("emil.w", "Emil Weber"),
    ):
        say(bot, f"assistent neu {handle} {name}")
    say(bot, "stop carl.o voll 15.01.2027")
    say(bot, "stop anna.m kunden 18.12.2026")
    say(bot, "stop ben.k voll 04.12.2026", user=ADMIN_2)
    resign(bot, "dora.s")
    say(bot, "stop emil.w voll 10.12.2026")
    say(bot, "aufheben emil.w läuft wieder")
    assert sweep_at(bot, clock, berlin(2026, 12, 7, 10, 0)) == 1  # ben's review, late

    listed = say(bot, "stops")
    assert "Aktive VT-Stops: 4* (davon Prüfung überfällig: 1)" in listed
    lines = [line for line in listed.splitlines() if line.startswith("•") and "gesetzt von" in line]
    assert [
        next(h for h in ("ben.k", "anna.m", "carl.o", "dora.s") if h in line) for line in lines
    ] == ["ben.k", "anna.m", "carl.o", "dora.s"]
    assert (
        "Prüfung überfällig" in lines[0] and "bis 04.12.2026" in lines[0] and "@UADMIN2" in lines[0]
    )
    assert all("überfällig" not in line for line in lines[1:])
    assert "VT-Stop (Kunden) seit 30.11.2026, bis 18.12.2026" in lines[1]
    assert "unbefristet" in lines[3]
    assert all("emil.w" not in line for line in lines)  # lifted: not active

    assert "Aktive VT-Stops" in say(bot, "stops", user=MANAGER)  # managers may read
    assert "nur das Admin-Team" in say(bot, "stops", user=OUTSIDER)
