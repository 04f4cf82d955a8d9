"""VT-Stops end to end: set, change, extend, lift, resign; team announcements; reviews.

Everything goes over signed HTTP into the real app and out through the fake Slack Web API.
Time is a SettableClock: reviews are driven by moving it, never by sleeping.

Dates used (2026): Mon 30.11. is "today" at the start; Fri 11.12. -> re-reminder Mon 14.12.;
Wed 23.12. -> Thu 24.12. (a working day) -> Mon 28.12. (25./26. holidays, 27. Sunday).
2027: Easter Sunday is 28.03., so Karfreitag 26.03. and Ostermontag 29.03. are holidays, and
summer time starts on 28.03. (09:00 Berlin is 08:00 UTC before, 07:00 UTC after).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.e2e.conftest import count
from vpabot.clock import SettableClock
from vpabot.storage.models import Assistant, AuditEvent, OutboxMessage, SalesStop
from vpabot.testing.fake_slack import Call
from vpabot.testing.harness import (
    ADMIN,
    ADMIN_2,
    MANAGER,
    OUTSIDER,
    TEAM_CHANNEL,
    BotUnderTest,
    HttpResult,
)
from vpabot.testing.transcript import render

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


START = berlin(2026, 11, 30, 10, 0)  # Monday morning

# Words of the ladder and of the file that must never reach the whole team.
PRIVATE_WORDS = ("Erinnerung", "Ermahnung", "Abmahnung", "Verstoß", "verstoss", "Deadline")


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture
def anna(bot: BotUnderTest) -> BotUnderTest:
    assert "angelegt" in say(bot, "assistent neu anna.m Anna Müller")
    return bot


# -- helpers: what users do and see --------------------------------------------------------------
def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    """Type a command; return what the user sees (the ack's answer or the later reply)."""
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    if ack.body:
        return render(ack.json())
    return render(bot.slack.reply(key).args)


def drain(bot: BotUnderTest) -> None:
    """Send everything the outbox holds right now."""
    while bot.dispatch_outbox():
        pass


def is_review(call: Call) -> bool:
    return str(call.args.get("text", "")).startswith("VT-Stop-Prüfung")


def team_posts(bot: BotUnderTest) -> list[str]:
    drain(bot)
    return [
        render(c.args)
        for c in bot.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == TEAM_CHANNEL
    ]


def review_dms(bot: BotUnderTest) -> list[Call]:
    drain(bot)
    return [c for c in bot.fake.calls_to("chat.postMessage") if is_review(c)]


def review_rows(bot: BotUnderTest) -> int:
    """Review reminders ever queued in the outbox (sent or not), via a separate connection."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            query = (
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.purpose == "stop_review")
            )
            return session.scalar(query) or 0
    finally:
        engine.dispose()


def sweep_at(bot: BotUnderTest, clock: SettableClock, when: datetime) -> int:
    """Move the clock, run the app's sweep, send what it queued; return the reminders it queued.

    (The sweep also runs other jobs, such as the CG digest; only review reminders count here.)
    """
    clock.set(when)
    before = review_rows(bot)
    bot.runtime.sweep()
    queued = review_rows(bot) - before
    drain(bot)
    return queued


def buttons(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """action_id -> button element, for every button in the message."""
    found: dict[str, dict[str, Any]] = {}
    for block in payload.get("blocks") or []:
        if block.get("type") == "actions":
            for element in block["elements"]:
                found[element["action_id"]] = element
    return found


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    (found,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return found


def view_text(view: dict[str, Any]) -> str:
    return render({"blocks": view["blocks"]}) + "\n" + view["title"]["text"]


def click_to_modal(
    bot: BotUnderTest, action_id: str, value: str, user: str = ADMIN
) -> dict[str, Any]:
    """Click a button that opens a modal; return the view Slack was asked to open."""
    ack, key = bot.slack.click(action_id, value, user=user)
    assert ack.status == 200, ack
    calls = bot.fake.wait_for(
        "views.open", predicate=lambda c: c.args.get("trigger_id") == f"trigger-{key}"
    )
    return calls[0].args["view"]


def click_answer(
    bot: BotUnderTest, action_id: str, value: str, user: str = ADMIN
) -> tuple[dict[str, Any], str]:
    """Click a button that answers on its response_url (a refusal); returns (args, key)."""
    ack, key = bot.slack.click(action_id, value, user=user)
    assert ack.status == 200, ack
    return bot.slack.reply(key).args, key


def answers_to(bot: BotUnderTest, user: str) -> list[Call]:
    """DMs to ``user`` that are answers after a modal (not review reminders)."""
    return [
        c
        for c in bot.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == user and not is_review(c)
    ]


def submit_and_wait(
    bot: BotUnderTest, view: dict[str, Any], values: dict[str, Any], user: str = ADMIN
) -> str:
    """Submit an opened review modal; return the answer DM'd to the user afterwards."""
    before = len(answers_to(bot, user))
    ack = bot.slack.submit_view(
        view["callback_id"], values, user=user, metadata=view["private_metadata"]
    )
    assert ack.status == 200 and not ack.body, ack
    calls = bot.fake.wait_for(
        "chat.postMessage",
        count=before + 1,
        predicate=lambda c: c.args.get("channel") == user and not is_review(c),
    )
    return render(calls[before].args)


def field_errors(ack: HttpResult) -> dict[str, str]:
    assert ack.status == 200, ack
    body = ack.json() or {}
    assert body.get("response_action") == "errors", body
    return body["errors"]


def note(text: str) -> dict[str, Any]:
    return {"note": {"type": "plain_text_input", "value": text}}


def until(day: str) -> dict[str, Any]:
    return {"until": {"type": "datepicker", "selected_date": day}}


# -- helpers: what is stored ------------------------------------------------------------------
def stops(bot: BotUnderTest) -> list[SalesStop]:
    """Every sales_stops row, read through a separate connection."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return list(session.scalars(select(SalesStop).order_by(SalesStop.id)))
    finally:
        engine.dispose()


def assistant_row(bot: BotUnderTest, handle: str) -> Assistant:
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return session.scalars(select(Assistant).where(Assistant.handle == handle)).one()
    finally:
        engine.dispose()


def written(bot: BotUnderTest) -> tuple[int, int, int]:
    return count(bot, SalesStop), count(bot, OutboxMessage), count(bot, AuditEvent)


def snapshot(bot: BotUnderTest) -> list[tuple[Any, ...]]:
    return [
        (s.id, s.kind, s.until, s.set_by, s.review_at, s.review_reminders, s.lifted_at, s.lift_note)
        for s in stops(bot)
    ]


def reminded_stop(
    bot: BotUnderTest, clock: SettableClock, text: str, due: datetime, user: str = ADMIN
) -> dict[str, Any]:
    """Set a stop with ``text``, move to its due time and return the review DM's args."""
    assert "gesetzt" in say(bot, text, user=user)
    drain(bot)
    before = len(review_dms(bot))
    assert sweep_at(bot, clock, due) == 1
    dms = review_dms(bot)
    assert len(dms) == before + 1
    return dms[-1].args


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
    assert "*geändert*" in posts[1] and "bis 23.12.2026" in posts[1] and "Anna Müller" in posts[1]

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
    reply = say(anna, "gekuendigt anna.m")
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
    say(anna, "gekuendigt anna.m")
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
        == stop_button["value"].split(":")[1]
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
    violation_id = violation_value.split(":")[1]
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
    assert {b["value"] for b in buttons(dm.args).values()} == {f"{stop_row.id}:2026-12-11"}
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
    assert json.loads(view["private_metadata"]) == {"handle": "anna.m", "review": token}

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
    assert "mehr als ein Jahr entfernt" in far["until"] and "12.12.2027" in far["until"]
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
    assert "*geändert*" in post and "bis 08.01.2027" in post and "Anna Müller" in post

    assert sweep_at(anna, clock, berlin(2026, 12, 14, 9, 0)) == 0  # decided: no re-reminder
    assert sweep_at(anna, clock, berlin(2027, 1, 8, 9, 0)) == 1
    latest = review_dms(anna)[-1]
    assert latest.args["channel"] == ADMIN_2
    assert buttons(latest.args)["review_extend"]["value"] == f"{row.id}:2027-01-08"

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
        metadata=json.dumps({"handle": "anna.m", "review": token}),
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
                stop_id = int(buttons(dm.args)["review_lift"]["value"].split(":")[0])
                per_stop[stop_id] = per_stop.get(stop_id, 0) + 1
            assert set(per_stop) == stop_ids and set(per_stop.values()) == {round_no}


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
    say(bot, "gekuendigt dora.s")
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
        ("stop anna.m voll gestern", "„gestern“ kann ich nicht als Datum lesen"),
        ("stop anna.m voll 31.02.2027", "„31.02.2027“ kann ich nicht als Datum lesen"),
        ("stop anna.m voll 2027-02-30", "„2027-02-30“ kann ich nicht als Datum lesen"),
        ("stop anna.m voll 01.11.2026", "Der 01.11.2026 liegt nicht in der Zukunft"),
        ("stop anna.m voll 30.11.2026", "Der 30.11.2026 liegt nicht in der Zukunft"),
        ("stop anna.m voll 0 Tage", "liegt nicht in der Zukunft"),
        (
            "stop anna.m voll 2027-12-31",
            "Der 31.12.2027 liegt mehr als ein Jahr entfernt. "
            "Bitte wähle spätestens den 01.12.2027",
        ),
        ("stop anna.m voll 400 Tage", "mehr als ein Jahr entfernt"),
        ("stop anna.m voll 60w", "mehr als ein Jahr entfernt"),
        ("stop anna.m voll", "So geht's: `/vpa stop <handle> voll|kunden <bis>"),
        ("stop anna.m sofort 14 Tage", "„sofort“ ist keine Stop-Art"),
        ("verlaengern anna.m gestern", "„gestern“ kann ich nicht als Datum lesen"),
        ("verlaengern anna.m 31.02.2027", "„31.02.2027“ kann ich nicht als Datum lesen"),
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
