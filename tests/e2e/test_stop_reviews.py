"""VT-Stop reviews end to end: the reminder on the end date, re-reminders on working days,
the three review buttons, and exactly one reminder across restarts and instances."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, datetime, timezone
from typing import Any

import pytest

from tests.e2e.stops_support import (
    START,
    berlin,
    block,
    buttons,
    click_answer,
    click_to_modal,
    drain,
    field_errors,
    is_review,
    note,
    reminded_stop,
    review_dms,
    review_rows,
    say,
    snapshot,
    stops,
    submit_and_wait,
    sweep_at,
    team_posts,
    until,
    view_text,
    written,
)
from vpabot.policy.clock import SettableClock
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.stops import ReviewToken
from vpabot.bot.payloads import StopForm, decode, encode


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


# == review reminders =========================================================================
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


# == the three review buttons ====================================================================
def test_review_lift_button_asks_for_a_note_and_lifts(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    dm = reminded_stop(anna, clock, "stop anna.m voll 11.12.2026", berlin(2026, 12, 11, 9, 0))
    token = buttons(dm)["review_lift"]["value"]
    clock.set(berlin(2026, 12, 11, 10, 15))

    view = click_to_modal(anna, "review_lift", token)
    assert view["callback_id"] == "lift_modal"
    assert "VT-Stop aufheben" in view_text(view) and "Anna Müller" in view_text(view)
    form = decode(StopForm, view["private_metadata"])
    assert (form.handle, form.review) == ("anna.m", decode(ReviewToken, token))

    before, rows = written(anna), snapshot(anna)
    errors = field_errors(
        anna.slack.submit_view("lift_modal", note("   "), metadata=view["private_metadata"])
    )
    assert errors == {"note": "Bitte ausfüllen."}
    time.sleep(0.3)
    assert written(anna) == before and snapshot(anna) == rows

    answer = submit_and_wait(anna, view, note("Dashlets wieder grün, keine Beschwerden"))
    assert "VT-Stop für *Anna Müller* (`anna.m`) aufgehoben" in answer
    (row,) = stops(anna)
    assert row.lifted_at == berlin(2026, 12, 11, 10, 15) and row.lifted_by == ADMIN
    assert row.lift_note == "Dashlets wieder grün, keine Beschwerden"
    lifted = team_posts(anna)[-1]
    assert "*aufgehoben*" in lifted and "Anna Müller" in lifted and "Dashlets" not in lifted

    assert sweep_at(anna, clock, berlin(2026, 12, 14, 9, 0)) == 0  # decided: no re-reminder
    assert len(review_dms(anna)) == 1


def test_review_extend_button_sets_a_new_date(anna: BotUnderTest, clock: SettableClock) -> None:
    dm = reminded_stop(anna, clock, "stop anna.m voll 11.12.2026", berlin(2026, 12, 11, 9, 0))
    token = buttons(dm)["review_extend"]["value"]
    view = click_to_modal(anna, "review_extend", token, user=ADMIN_2)  # any admin may decide
    assert view["callback_id"] == "extend_modal" and "VT-Stop verlängern" in view_text(view)
    assert block(view, "until")["element"]["initial_date"] == "2026-12-25"

    before, rows = written(anna), snapshot(anna)
    past = field_errors(
        anna.slack.submit_view(
            "extend_modal", until("2026-12-10"), user=ADMIN_2, metadata=view["private_metadata"]
        )
    )
    assert "10.12.2026 liegt nicht in der Zukunft" in past["until"]
    far = field_errors(
        anna.slack.submit_view(
            "extend_modal", until("2028-01-10"), user=ADMIN_2, metadata=view["private_metadata"]
        )
    )
    assert "mehr als ein Jahr entfernt" in far["until"] and "11.12.2027" in far["until"]
    time.sleep(0.3)
    assert written(anna) == before and snapshot(anna) == rows

    answer = submit_and_wait(anna, view, until("2027-01-08"), user=ADMIN_2)
    assert "geändert: jetzt VT-Stop, bis 08.01.2027" in answer
    (row,) = stops(anna)
    assert (row.kind, row.until, row.lifted_at, row.set_by) == (
        "voll",
        date(2027, 1, 8),
        None,
        ADMIN_2,
    )
    post = team_posts(anna)[-1]
    assert "*verlängert*" in post and "bis 08.01.2027" in post and "Anna Müller" in post

    assert sweep_at(anna, clock, berlin(2026, 12, 14, 9, 0)) == 0  # decided: no re-reminder
    assert sweep_at(anna, clock, berlin(2027, 1, 8, 9, 0)) == 1
    latest = review_dms(anna)[-1]
    assert latest.args["channel"] == ADMIN_2
    assert buttons(latest.args)["review_extend"]["value"] == encode(ReviewToken(row.id, date(2027, 1, 8)))

    # the old reminder's buttons are stale now
    stale, _ = click_answer(anna, "review_lift", token)
    assert "Diese Prüfung ist schon erledigt (@UADMIN2" in render(stale)


def test_review_convert_button_switches_full_and_clients_only(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    dm = reminded_stop(anna, clock, "stop anna.m voll 11.12.2026", berlin(2026, 12, 11, 9, 0))
    convert = buttons(dm)["review_convert"]
    assert convert["text"]["text"] == "In VT-Stop (Kunden) umwandeln"
    view = click_to_modal(anna, "review_convert", convert["value"])
    assert view["callback_id"] == "extend_modal"
    text = view_text(view)
    assert "VT-Stop umwandeln" in text and "VT-Stop (Kunden)" in text
    assert "keine neuen Kunden, einzelne zusätzliche Aufgaben sind möglich" in text
    assert json.loads(view["private_metadata"])["kind"] == "kunden"

    answer = submit_and_wait(anna, view, until("2027-01-08"))
    assert "jetzt VT-Stop (Kunden), bis 08.01.2027" in answer
    (row,) = stops(anna)
    assert (row.kind, row.until) == ("kunden", date(2027, 1, 8))
    post = team_posts(anna)[-1]
    assert "jetzt *VT-Stop (Kunden)*" in post and "keine neuen Kunden, einzelne zusätzliche" in post
    assert "bis 08.01.2027" in post

    # and back: clients-only -> full
    assert sweep_at(anna, clock, berlin(2027, 1, 8, 9, 0)) == 1
    back = buttons(review_dms(anna)[-1].args)["review_convert"]
    assert back["text"]["text"] == "In VT-Stop umwandeln"
    view = click_to_modal(anna, "review_convert", back["value"])
    assert json.loads(view["private_metadata"])["kind"] == "voll"
    answer = submit_and_wait(anna, view, until("2027-01-22"))
    assert "jetzt VT-Stop, bis 22.01.2027" in answer
    (row,) = stops(anna)
    assert (row.kind, row.until) == ("voll", date(2027, 1, 22))
    post = team_posts(anna)[-1]
    assert "jetzt *VT-Stop*" in post and "keine neuen Kunden und keine neuen Aufgaben" in post


def test_review_click_by_a_non_admin_is_refused_and_changes_nothing(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    dm = reminded_stop(anna, clock, "stop anna.m voll 11.12.2026", berlin(2026, 12, 11, 9, 0))
    token = buttons(dm)["review_lift"]["value"]
    before, rows = written(anna), snapshot(anna)
    for user in (OUTSIDER, MANAGER):
        for action in ("review_lift", "review_extend", "review_convert"):
            answer, key = click_answer(anna, action, token, user=user)
            assert (
                answer["response_type"] == "ephemeral" and answer.get("replace_original") is False
            )
            assert "Das darf nur das Admin-Team" in render(answer)
            assert not [
                c
                for c in anna.fake.calls_to("views.open")
                if c.args.get("trigger_id") == f"trigger-{key}"
            ]

    # a forged submission of the modal is refused too
    ack = anna.slack.submit_view(
        "lift_modal",
        note("alles gut"),
        user=OUTSIDER,
        metadata=encode(StopForm("anna.m", review=decode(ReviewToken, token))),
    )
    assert "nur das Admin-Team" in field_errors(ack)["note"]
    time.sleep(0.3)
    assert written(anna) == before and snapshot(anna) == rows
    assert anna.fake.calls_to("views.open") == []


def test_second_click_on_a_decided_review_changes_nothing_and_says_who_decided(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    dm = reminded_stop(anna, clock, "stop anna.m voll 11.12.2026", berlin(2026, 12, 11, 9, 0))
    token = buttons(dm)["review_lift"]["value"]
    # both admins open a modal from the same reminder
    extend_view = click_to_modal(anna, "review_extend", token, user=ADMIN)
    clock.set(berlin(2026, 12, 11, 10, 15))
    lift_view = click_to_modal(anna, "review_lift", token, user=ADMIN_2)
    assert "aufgehoben" in submit_and_wait(
        anna, lift_view, note("Performance wieder gut"), user=ADMIN_2
    )
    drain(anna)
    before, rows, posts = written(anna), snapshot(anna), len(team_posts(anna))

    for action in ("review_lift", "review_extend", "review_convert"):
        answer, key = click_answer(anna, action, token, user=ADMIN)
        text = render(answer)
        assert "Diese Prüfung ist schon erledigt (@UADMIN2, 11.12.2026 10:15)" in text
        assert "Es wurde nichts geändert" in text
        assert not [
            c
            for c in anna.fake.calls_to("views.open")
            if c.args.get("trigger_id") == f"trigger-{key}"
        ]

    # the modal opened before the decision is stale as well
    late = submit_and_wait(anna, extend_view, until("2027-01-08"), user=ADMIN)
    assert "schon erledigt (@UADMIN2, 11.12.2026 10:15)" in late
    time.sleep(0.2)
    assert written(anna) == before and snapshot(anna) == rows
    assert len(team_posts(anna)) == posts
    (row,) = stops(anna)
    assert row.lifted_by == ADMIN_2 and row.until == date(2026, 12, 11)


def test_two_admins_deciding_the_same_review_at_once_one_wins(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    dm = reminded_stop(anna, clock, "stop anna.m voll 11.12.2026", berlin(2026, 12, 11, 9, 0))
    token = buttons(dm)["review_lift"]["value"]
    lift_view = click_to_modal(anna, "review_lift", token, user=ADMIN)
    extend_view = click_to_modal(anna, "review_extend", token, user=ADMIN_2)
    drain(anna)
    posts_before = len(team_posts(anna))

    barrier = threading.Barrier(2)
    answers: dict[str, str] = {}

    def decide(user: str, view: dict[str, Any], values: dict[str, Any]) -> None:
        barrier.wait(timeout=10)
        answers[user] = submit_and_wait(anna, view, values, user=user)

    threads = [
        threading.Thread(target=decide, args=(ADMIN, lift_view, note("wieder im Ziel"))),
        threading.Thread(target=decide, args=(ADMIN_2, extend_view, until("2027-01-08"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert set(answers) == {ADMIN, ADMIN_2}
    refused = [user for user, text in answers.items() if "schon erledigt" in text]
    assert len(refused) == 1, answers
    (row,) = stops(anna)
    if refused == [ADMIN_2]:
        assert row.lifted_at is not None and row.until == date(2026, 12, 11)
        assert "@UADMIN1" in answers[ADMIN_2]
    else:
        assert row.lifted_at is None and row.until == date(2027, 1, 8)
        assert "@UADMIN2" in answers[ADMIN]
    assert len(team_posts(anna)) == posts_before + 1


# == exactly once: restarts and two instances ==================================================
def test_restart_between_due_time_and_sweep_sends_exactly_one_reminder(db_url: str) -> None:
    early = SettableClock(START)
    with BotUnderTest(db_url, clock=early) as first:
        say(first, "assistent neu anna.m Anna Müller")
        say(first, "stop anna.m voll 11.12.2026")
        drain(first)
        assert sweep_at(first, early, berlin(2026, 12, 11, 8, 59)) == 0
    # down over 09:00; back at 11:30
    with BotUnderTest(db_url, clock=SettableClock(berlin(2026, 12, 11, 11, 30))) as second:
        second.runtime.sweep()
        second.runtime.sweep()
        assert review_rows(second) == 1
        # ... and gone again before the outbox was sent
    late = SettableClock(berlin(2026, 12, 11, 11, 31))
    with BotUnderTest(db_url, clock=late) as third:
        assert sweep_at(third, late, berlin(2026, 12, 11, 11, 31)) == 0
        (dm,) = review_dms(third)  # the queued reminder survives the restart
        assert dm.args["channel"] == ADMIN and "Prüfung fällig" in render(dm.args)
    afternoon = SettableClock(berlin(2026, 12, 11, 16, 0))
    with BotUnderTest(db_url, clock=afternoon) as fourth:
        assert sweep_at(fourth, afternoon, berlin(2026, 12, 11, 16, 0)) == 0
        assert review_dms(fourth) == []
    monday = SettableClock(berlin(2026, 12, 14, 9, 0))
    with BotUnderTest(db_url, clock=monday) as fifth:
        assert sweep_at(fifth, monday, berlin(2026, 12, 14, 9, 0)) == 1
        (dm,) = review_dms(fifth)
        assert "Prüfung überfällig" in render(dm.args)


def test_two_instances_sweeping_concurrently_send_each_reminder_once(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("several instances need PostgreSQL")
    handles = [f"vpa{i:02d}" for i in range(20)]
    with BotUnderTest(db_url, clock=SettableClock(START)) as setup:
        for handle in handles:
            say(setup, f"assistent neu {handle} Person {handle}")
            say(setup, f"stop {handle} voll 11.12.2026")
        drain(setup)
        stop_ids = {s.id for s in stops(setup)}
    assert len(stop_ids) == len(handles)

    clocks = [SettableClock(START), SettableClock(START)]
    with BotUnderTest(db_url, clock=clocks[0]) as one, BotUnderTest(db_url, clock=clocks[1]) as two:
        instances = [one, two]

        def together(work) -> list[Any]:
            barrier = threading.Barrier(len(instances))
            results: list[Any] = [None] * len(instances)
            errors: list[BaseException] = []

            def run(index: int) -> None:
                try:
                    barrier.wait(timeout=10)
                    results[index] = work(instances[index])
                except BaseException as error:  # noqa: BLE001 - reported below
                    errors.append(error)

            threads = [threading.Thread(target=run, args=(i,)) for i in range(len(instances))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
            return results

        def dispatch_all(bot: BotUnderTest) -> int:
            sent = 0
            while n := bot.dispatch_outbox():
                sent += n
            return sent

        for round_no, due in enumerate(
            (berlin(2026, 12, 11, 9, 0), berlin(2026, 12, 14, 9, 0)), start=1
        ):
            for c in clocks:
                c.set(due)
            before = review_rows(one)
            together(lambda bot: bot.runtime.sweep())
            assert review_rows(one) - before == len(handles)
            together(lambda bot: bot.runtime.sweep())  # nothing left to claim
            assert review_rows(one) - before == len(handles)
            together(dispatch_all)
            dms = [
                c
                for bot in instances
                for c in bot.fake.calls_to("chat.postMessage")
                if is_review(c)
            ]
            assert len(dms) == round_no * len(handles)
            per_stop: dict[int, int] = {}
            for dm in dms:
                stop_id = decode(ReviewToken, buttons(dm.args)["review_lift"]["value"]).stop_id
                per_stop[stop_id] = per_stop.get(stop_id, 0) + 1
            assert set(per_stop) == stop_ids and set(per_stop.values()) == {round_no}


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


@pytest.mark.parametrize("action", ["review_lift", "review_extend", "cg_stop_lift"])
def test_a_button_for_a_stop_that_does_not_exist_says_so_and_writes_nothing(
    anna: BotUnderTest, action: str
) -> None:
    before, rows = written(anna), snapshot(anna)
    answer, _ = click_answer(anna, action, encode(ReviewToken(2147483647, date(9999, 12, 31))))
    text = render(answer)
    assert "Diesen VT-Stop gibt es nicht (mehr). Es wurde nichts geändert." in text
    assert "?" not in text.replace("(mehr)", "")
    assert written(anna) == before and snapshot(anna) == rows
