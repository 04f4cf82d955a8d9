"""CG re-acceptance end to end: ``/vpa cg``, the flag and stop offer, lifting, the daily digest.

Everything goes over signed HTTP into the real app and out through the fake Slack Web API.
Time is a SettableClock starting Thursday 26.11.2026, 10:00 Berlin: an acceptance recorded
today is due again on 26.02.2027; one of 25.08.2026 was due on 25.11.2026 and is overdue.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from vpabot.policy.clock import SettableClock
from vpabot.storage.models import Assistant, AuditEvent, SalesStop
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, OUTSIDER, TEAM_CHANNEL, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.bot.payloads import HandleRef, encode

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)


# -- helpers -----------------------------------------------------------------------------------
def ask(bot: BotUnderTest, text: str, user: str = ADMIN) -> dict[str, Any]:
    """Type a command; the payload the user sees (the ack's answer or the later reply)."""
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    return ack.json() if ack.body else bot.slack.reply(key).args


def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    return render(ask(bot, text, user))


def click(bot: BotUnderTest, action_id: str, value: str, user: str = ADMIN) -> str:
    """Click a button; what the clicking user is answered."""
    result, key = bot.slack.click(action_id, value, user=user)
    assert result.status == 200
    return render(bot.slack.reply(key).args)


def buttons(payload: dict[str, Any]) -> dict[str, list[str]]:
    """action_id -> values of every button, in actions blocks and as section accessories."""
    found: dict[str, list[str]] = {}
    for block in payload.get("blocks") or []:
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], []).append(element["value"])
    return found


def query(bot: BotUnderTest, statement: Any) -> list[Any]:
    """Read what is really committed, through a connection of its own."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(statement))
    finally:
        engine.dispose()


def accepted_on(bot: BotUnderTest, handle: str = "anna.m") -> date | None:
    return query(bot, select(Assistant.cg_accepted_on).where(Assistant.handle == handle))[0]


def audit_count(bot: BotUnderTest) -> int:
    return query(bot, select(func.count()).select_from(AuditEvent))[0]


def stops(bot: BotUnderTest) -> list[SalesStop]:
    return query(bot, select(SalesStop).order_by(SalesStop.id))


def drain(bot: BotUnderTest) -> None:
    while bot.dispatch_outbox():
        pass


def posts(bot: BotUnderTest, channel: str) -> list[str]:
    drain(bot)
    return [
        render(c.args)
        for c in bot.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == channel
    ]


def set_cg_stop(bot: BotUnderTest) -> None:
    (value,) = buttons(ask(bot, "akte anna.m"))["cg_stop_set"]
    assert "gesetzt" in click(bot, "cg_stop_set", value)


# -- recording an acceptance -----------------------------------------------------------------------
def test_acceptance_today_is_recorded_audited_and_names_the_next_due_date(
    anna: BotUnderTest,
) -> None:
    reply = say(anna, "cg anna.m")

    assert (
        "Lesebestätigung für *Anna Müller* (`anna.m`) eingetragen: CGs akzeptiert am 26.11.2026"
        in reply
    )
    assert "Die nächste ist am 26.02.2027 fällig." in reply
    assert accepted_on(anna) == date(2026, 11, 26)
    (event,) = query(anna, select(AuditEvent).where(AuditEvent.action == "cg.accepted"))
    assert (event.actor, event.before, event.after) == (
        ADMIN,
        {"cg_accepted_on": None},
        {"cg_accepted_on": "2026-11-26"},
    )
    file = say(anna, "akte anna.m")
    assert "CGs akzeptiert am 26.11.2026 · nächste Lesebestätigung fällig am 26.02.2027" in file
    assert "CG-Lesebestätigung eingetragen" in file  # the audit line
    assert "Zusammenarbeit nicht möglich" not in file


@pytest.mark.parametrize(
    ("typed", "stored", "due"),
    [
        ("31.08.2026", date(2026, 8, 31), "30.11.2026"),  # month end clamps
        ("2026-09-01", date(2026, 9, 1), "01.12.2026"),
    ],
)
def test_german_and_iso_dates(anna: BotUnderTest, typed: str, stored: date, due: str) -> None:
    reply = say(anna, f"cg anna.m {typed}")
    assert f"Die nächste ist am {due} fällig." in reply
    assert accepted_on(anna) == stored


@pytest.mark.parametrize(
    ("text", "user", "answer"),
    [
        ("cg anna.m 27.11.2026", ADMIN, "liegt in der Zukunft"),
        ("cg anna.m 2027-01-01", ADMIN, "liegt in der Zukunft"),
        (
            "cg anna.m 30.09.2026",
            ADMIN,
            "liegt vor der zuletzt eingetragenen Lesebestätigung vom 01.10.2026",
        ),
        ("cg anna.m 31.02.2026", ADMIN, "ist kein lesbares Datum"),
        ("cg anna.m 14 Tage", ADMIN, "So geht's: `/vpa cg <handle> [datum]`"),
        ("cg", ADMIN, "So geht's: `/vpa cg <handle> [datum]`"),
        ("cg nobody", ADMIN, "gibt es nicht"),
        ("cg anna.m", MANAGER, "nur das Admin-Team"),
        ("cg anna.m", OUTSIDER, "nur das Admin-Team"),
    ],
)
def test_refusals_write_nothing(anna: BotUnderTest, text: str, user: str, answer: str) -> None:
    say(anna, "cg anna.m 01.10.2026")
    events = audit_count(anna)

    assert answer in say(anna, text, user=user)

    assert accepted_on(anna) == date(2026, 10, 1)
    assert audit_count(anna) == events


def test_the_same_date_again_changes_nothing(anna: BotUnderTest) -> None:
    say(anna, "cg anna.m 01.10.2026")
    events = audit_count(anna)

    reply = say(anna, "cg anna.m 2026-10-01")

    assert (
        "Die Lesebestätigung vom 01.10.2026 für *Anna Müller* (`anna.m`) war schon eingetragen"
        in reply
    )
    assert audit_count(anna) == events


def test_english(db_url: str, clock: SettableClock) -> None:
    with BotUnderTest(db_url, clock=clock, language="en") as bot:
        say(bot, "assistant new anna.m Anna Müller")
        reply = say(bot, "cg anna.m 2026-10-01")
        assert "CGs accepted on Oct 1, 2026. The next one is due on Jan 1, 2027." in reply
        assert "`/vpa cg <handle> [date]`" in say(bot, "help")
        say(bot, "assistant new ben.k Ben Krüger")
        assert (
            "CG read confirmation still missing – please get it before the first client assignment."
            in say(bot, "file ben.k")
        )


# -- overdue: flagged, with a stop offer ---------------------------------------------------------------
def test_overdue_assistant_is_flagged_in_the_file_with_a_stop_offer(anna: BotUnderTest) -> None:
    payload = ask(anna, "akte anna.m")
    text = render(payload)

    # never accepted, a minute after creation: a to-do, not an alarm (issue 12)
    assert "CG-Lesebestätigung fehlt noch – bitte vor dem ersten Kundeneinsatz einholen" in text
    assert "Zusammenarbeit nicht möglich" not in text
    assert buttons(payload)["cg_stop_set"] == [encode(HandleRef("anna.m"))]
    assert len(payload["blocks"]) <= 50

    say(anna, "cg anna.m 25.08.2026")  # due 25.11.: still overdue
    text = say(anna, "akte anna.m")
    assert (
        "Zusammenarbeit nicht möglich* – die CG-Lesebestätigung ist seit dem 25.11.2026 fällig" in text
    )


def test_stops_list_has_a_section_for_overdue_acceptances_after_the_stops(
    anna: BotUnderTest,
) -> None:
    say(anna, "assistent neu ben.k Ben Krüger")
    say(anna, "cg ben.k")
    say(anna, "assistent neu cara.l Cara Lang")
    say(anna, "cg cara.l 20.08.2026")
    say(anna, "stop ben.k kunden 14 Tage newbie")

    payload = ask(anna, "stops")
    text = render(payload)

    assert text.index("Aktive VT-Stops: 1") < text.index(
        "CG-Lesebestätigung einholen (ohne sie keine Zusammenarbeit): 2"
    )
    cg_part = text.split("ohne sie keine Zusammenarbeit): 2")[1]
    assert "*Anna Müller* (`anna.m`) · noch keine Lesebestätigung eingetragen" in cg_part
    assert "*Cara Lang* (`cara.l`) · fällig seit 20.11.2026" in cg_part
    assert "ben.k" not in cg_part
    assert buttons(payload)["cg_stop_set"] == [encode(HandleRef(h)) for h in ("anna.m", "cara.l")]
    # managers may read the list; the buttons are for admins
    for_manager = ask(anna, "stops", user=MANAGER)
    assert "ohne sie keine Zusammenarbeit): 2" in render(for_manager)
    assert "cg_stop_set" not in buttons(for_manager)


def test_stops_list_without_stops_still_shows_overdue_acceptances(anna: BotUnderTest) -> None:
    text = say(anna, "stops")
    assert "Zurzeit gibt es keine aktiven VT-Stops." in text
    assert "CG-Lesebestätigung einholen (ohne sie keine Zusammenarbeit): 1" in text


def test_stops_list_stays_within_the_block_limit(anna: BotUnderTest) -> None:
    for n in range(60):
        say(anna, f"assistent neu late{n:02} Spät {n}")
    payload = ask(anna, "stops")
    assert len(payload["blocks"]) <= 50
    assert "ohne sie keine Zusammenarbeit): 61" in render(payload)
    # the rest is not lost behind a count: the message says where all of them are
    assert "weitere Personen – alle seitenweise auf der App-Startseite" in render(payload)


def test_stop_button_sets_a_full_open_ended_cg_stop_for_admins_only(anna: BotUnderTest) -> None:
    for user in (MANAGER, OUTSIDER):
        assert "nur das Admin-Team" in click(anna, "cg_stop_set", encode(HandleRef("anna.m")), user=user)
    assert stops(anna) == []

    reply = click(anna, "cg_stop_set", encode(HandleRef("anna.m")))

    assert "VT-Stop für *Anna Müller* (`anna.m`) gesetzt, unbefristet" in reply
    (stop,) = stops(anna)
    assert (stop.kind, stop.until, stop.reason, stop.review_at, stop.set_by) == (
        "voll",
        None,
        "cg",
        None,
        ADMIN,
    )
    (announcement,) = posts(anna, TEAM_CHANNEL)
    assert "Anna Müller" in announcement and "unbefristet" in announcement
    # the flag stays, the offer becomes the stop
    file = ask(anna, "akte anna.m")
    assert "Ein VT-Stop bis zur Lesebestätigung ist gesetzt" in render(file)
    assert "cg_stop_set" not in buttons(file)
    listed = ask(anna, "stops")
    assert "(`anna.m`) · noch keine Lesebestätigung eingetragen · VT-Stop gesetzt" in render(listed)
    assert "cg_stop_set" not in buttons(listed)
    # a second click changes nothing and announces nothing
    assert "schon genau so gesetzt" in click(anna, "cg_stop_set", encode(HandleRef("anna.m")), user=ADMIN_2)
    assert len(stops(anna)) == 1 and len(posts(anna, TEAM_CHANNEL)) == 1


def test_a_stale_stop_button_after_the_acceptance_changes_nothing(anna: BotUnderTest) -> None:
    say(anna, "cg anna.m")
    answer = click(anna, "cg_stop_set", encode(HandleRef("anna.m")))
    assert "ein VT-Stop wegen CG ist nicht nötig" in answer
    assert stops(anna) == []


def test_stop_button_leaves_a_running_stop_alone(anna: BotUnderTest) -> None:
    """A running stop keeps its kind, end date and review: the CG button doesn't swallow it."""
    say(anna, "stop anna.m kunden 14 Tage newbie")
    assert "hat schon einen laufenden VT-Stop" in click(anna, "cg_stop_set", encode(HandleRef("anna.m")))
    (stop,) = stops(anna)
    assert (stop.kind, stop.until, stop.reason) == ("kunden", date(2026, 12, 10), "newbie")
    assert "hat schon einen VT-Stop" in say(anna, "stops")


# -- acceptance offers to lift the CG stop -----------------------------------------------------------
def test_acceptance_offers_to_lift_the_cg_stop_and_the_lift_is_announced(
    anna: BotUnderTest,
) -> None:
    set_cg_stop(anna)

    reply = ask(anna, "cg anna.m")
    assert "noch der VT-Stop wegen nicht akzeptierter CGs aktiv" in render(reply)
    (value,) = buttons(reply)["cg_stop_lift"]
    assert "[VT-Stop aufheben]" in render(reply)

    assert "nur das Admin-Team" in click(anna, "cg_stop_lift", value, user=MANAGER)
    assert stops(anna)[0].lifted_at is None

    assert "VT-Stop für *Anna Müller* (`anna.m`) aufgehoben" in click(anna, "cg_stop_lift", value)
    (stop,) = stops(anna)
    assert stop.lifted_at is not None and stop.lifted_by == ADMIN
    assert stop.lift_note == "CG akzeptiert am 26.11.2026"
    announcements = posts(anna, TEAM_CHANNEL)
    assert len(announcements) == 2 and "aufgehoben" in announcements[1]
    assert "Zusammenarbeit nicht möglich" not in say(anna, "akte anna.m")

    # the other admin's late click changes nothing
    assert "schon jemand gekümmert" in click(anna, "cg_stop_lift", value, user=ADMIN_2)
    assert len(posts(anna, TEAM_CHANNEL)) == 2


def test_an_acceptance_that_is_still_overdue_offers_no_lift(anna: BotUnderTest) -> None:
    set_cg_stop(anna)

    reply = ask(anna, "cg anna.m 01.08.2026")  # due 01.11.2026: still overdue

    assert "Bis dahin ist keine Zusammenarbeit möglich." in render(reply)
    assert "cg_stop_lift" not in buttons(reply)
    assert stops(anna)[0].lifted_at is None


def test_no_lift_offer_for_a_stop_with_another_reason(anna: BotUnderTest) -> None:
    say(anna, "stop anna.m voll 14 Tage sonstiges Einarbeitung pausiert")
    reply = ask(anna, "cg anna.m")
    assert "cg_stop_lift" not in buttons(reply)


# -- the digest over Slack -------------------------------------------------------------------------
def test_digest_reaches_every_admin_on_working_days(
    anna: BotUnderTest, clock: SettableClock
) -> None:
    say(anna, "assistent neu ben.k Ben Krüger")
    say(anna, "cg ben.k 10.09.2026")  # due 10.12.: within 14 days of Friday 27.11.
    drain(anna)

    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN))  # Friday
    anna.runtime.cg_digest()
    digest = {user: posts(anna, user) for user in (ADMIN, ADMIN_2)}
    for received in digest.values():
        (text,) = [p for p in received if "CG-Lesebestätigungen am 27.11.2026" in p]
        assert text.index("anna.m") < text.index("ben.k")
        assert "*Ben Krüger* (`ben.k`) · fällig am 10.12.2026" in text

    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=BERLIN))  # Saturday
    anna.runtime.cg_digest()
    assert all(len(posts(anna, user)) == len(digest[user]) for user in (ADMIN, ADMIN_2))


def test_two_instances_send_one_digest(
    anna: BotUnderTest, db_url: str, clock: SettableClock
) -> None:
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN))
    with BotUnderTest(db_url, clock=clock) as second:
        barrier = threading.Barrier(2)

        def sweep(instance: BotUnderTest) -> None:
            barrier.wait()
            instance.runtime.cg_digest()

        threads = [threading.Thread(target=sweep, args=(b,)) for b in (anna, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent = [
            p
            for b in (anna, second)
            for user in (ADMIN, ADMIN_2)
            for p in posts(b, user)
            if "CG-Lesebest" in p
        ]
    assert len(sent) == 2  # one per admin, from whichever instance claimed the day
