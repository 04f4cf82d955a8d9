"""VT-Stops end to end: set, change, extend, lift and resign by text and form, the team
announcements, `/vpa stops`, and bad input that must write nothing."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import count, resign
from tests.e2e.stops_support import (
    PRIVATE_WORDS,
    START,
    assistant_row,
    berlin,
    block,
    buttons,
    click_to_modal,
    drain,
    field_errors,
    note,
    review_dms,
    say,
    snapshot,
    stops,
    sweep_at,
    team_posts,
    until,
    view_text,
    written,
)
from vpabot.policy.clock import SettableClock
from vpabot.storage.models import OutboxMessage, SalesStop
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.bot.payloads import StopOpen, decode


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


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


# == set by modal ================================================================================
def test_violation_reply_offers_a_prefilled_stop_form(anna: BotUnderTest) -> None:
    ack, key = anna.slack.command("verstoss anna.m deadline deadline Angebot zu spät")
    reply = anna.slack.reply(key).args
    stop_button = buttons(reply)["stop_open"]
    assert stop_button["text"]["text"] == "VT-Stop setzen"

    view = click_to_modal(anna, "stop_open", stop_button["value"])
    assert view["callback_id"] == "stop_modal"
    assert block(view, "assistant")["element"]["initial_option"]["value"] == "anna.m"
    assert block(view, "kind")["element"]["initial_option"]["value"] == "voll"
    assert block(view, "reason")["element"]["initial_option"]["value"] == "verstoss"
    assert (
        block(view, "violation")["element"]["initial_option"]["value"]
        == str(decode(StopOpen, stop_button["value"]).violation_id)
    )
    assert block(view, "until")["element"]["initial_date"] == "2026-12-14"
    text = view_text(view)
    assert "offen, wie lange der Stop dauert" in text and "keine Strafe" in text
    assert stops(anna) == []  # opening the form writes nothing


def test_new_assistant_reply_offers_an_onboarding_stop_form(bot: BotUnderTest) -> None:
    ack, key = bot.slack.command("assistent neu ben.k Ben Klein")
    reply = bot.slack.reply(key).args
    stop_button = buttons(reply)["stop_open"]
    assert stop_button["text"]["text"] == "VT-Stop (Kunden) setzen"
    view = click_to_modal(bot, "stop_open", stop_button["value"])
    assert block(view, "assistant")["element"]["initial_option"]["value"] == "ben.k"
    assert block(view, "kind")["element"]["initial_option"]["value"] == "kunden"
    assert block(view, "reason")["element"]["initial_option"]["value"] == "newbie"


def test_stop_without_arguments_opens_the_form(anna: BotUnderTest) -> None:
    ack, key = anna.slack.command("stop")
    assert ack.status == 200 and not ack.body
    (call,) = anna.fake.wait_for(
        "views.open", predicate=lambda c: c.args.get("trigger_id") == f"trigger-{key}"
    )
    view = call.args["view"]
    assert view["callback_id"] == "stop_modal"
    kinds = block(view, "kind")["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in kinds] == [
        ("voll", "VT-Stop"),
        ("kunden", "VT-Stop (Kunden)"),
    ]
    assert [o["description"]["text"] for o in kinds] == [
        "keine neuen Kunden und keine neuen Aufgaben",
        "keine neuen Kunden, einzelne zusätzliche Aufgaben sind möglich",
    ]
    reasons = [o["value"] for o in block(view, "reason")["element"]["options"]]
    assert reasons == ["verstoss", "newbie", "cg", "sonstiges"]
    assert json.loads(view["private_metadata"])["response_url"] == anna.fake.response_url(key)


def test_stop_set_by_modal_submission(anna: BotUnderTest) -> None:
    ack, key = anna.slack.command("verstoss anna.m deadline deadline Angebot zu spät")
    violation_value = buttons(anna.slack.reply(key).args)["stop_open"]["value"]
    violation_id = str(decode(StopOpen, violation_value).violation_id)
    view = click_to_modal(anna, "stop_open", violation_value)

    ack = anna.slack.submit_view(
        "stop_modal",
        {
            "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
            "kind": {"type": "radio_buttons", "selected_option": {"value": "kunden"}},
            **until("2026-12-18"),
            "reason": {"type": "static_select", "selected_option": {"value": "verstoss"}},
            "violation": {"type": "external_select", "selected_option": {"value": violation_id}},
            **note("Zeit zum Aufholen"),
        },
        metadata=view["private_metadata"],
    )
    assert ack.status == 200 and not ack.body, ack.body
    answer = render(
        anna.slack.reply(
            json.loads(view["private_metadata"])["response_url"].rsplit("/", 1)[1]
        ).args
    )
    assert "VT-Stop (Kunden) für *Anna Müller* (`anna.m`) gesetzt, bis 18.12.2026" in answer
    (row,) = stops(anna)
    assert (row.kind, row.until, row.reason, str(row.violation_id), row.note) == (
        "kunden",
        date(2026, 12, 18),
        "verstoss",
        violation_id,
        "Zeit zum Aufholen",
    )
    (post,) = team_posts(anna)
    assert "*VT-Stop (Kunden)*" in post and "bis 18.12.2026" in post
    assert "Zeit zum Aufholen" not in post and "Angebot zu spät" not in post


def test_stop_modal_refuses_a_past_date_next_to_the_field(anna: BotUnderTest) -> None:
    before = written(anna)
    ack = anna.slack.submit_view(
        "stop_modal",
        {
            "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
            "kind": {"type": "radio_buttons", "selected_option": {"value": "voll"}},
            **until("2026-11-29"),
            "reason": {"type": "static_select", "selected_option": {"value": "sonstiges"}},
        },
    )
    errors = field_errors(ack)
    assert set(errors) == {"until"} and "29.11.2026 liegt nicht in der Zukunft" in errors["until"]
    time.sleep(0.3)
    assert written(anna) == before


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


# == bad input =================================================================================
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
