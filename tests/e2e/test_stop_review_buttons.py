"""VT-Stop reviews end to end: the three review buttons (lift, extend, convert), who may click
them, and that a review is decided once."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from typing import Any

import pytest

from tests.e2e.stops_support import (
    berlin,
    block,
    buttons,
    click_answer,
    click_to_modal,
    drain,
    field_errors,
    note,
    reminded_stop,
    review_dms,
    snapshot,
    stops,
    submit_and_wait,
    sweep_at,
    team_posts,
    until,
    view_text,
    written,
)
from tests.e2e.stops_support import clock as clock  # noqa: F401 - the fixture
from vpabot.policy.clock import SettableClock
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.stops import ReviewToken
from vpabot.bot.payloads import StopForm, decode, encode


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
