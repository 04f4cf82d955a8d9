"""App Home end to end: signed events and clicks in, ``views.publish`` to the fake Slack out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from vpabot.policy.clock import SettableClock
from vpabot.policy.ladder import ViolationState
from vpabot.storage.models import (
    Assistant,
    AuditEvent,
    OutboxMessage,
    OutboxStatus,
    SalesStop,
    Violation,
)
from vpabot.bot.testing.harness import ADMIN, ADMIN_2, MANAGER, OUTSIDER, TEAM_CHANNEL, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.bot.payloads import CaseRef, HandleRef, MessageRef, encode

THURSDAY_MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 26)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(THURSDAY_MORNING)


@pytest.fixture
def bot(db_url: str, clock: SettableClock) -> Iterator[BotUnderTest]:
    with BotUnderTest(db_url, clock=clock) as running:
        yield running


def say(bot: BotUnderTest, text: str, user: str = ADMIN, *, changes: bool = True) -> str:
    """Type a command; one that changes something is done once the typist's Home is refreshed."""
    before = len(publishes(bot, user))
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    answer = render(ack.json()) if ack.body else render(bot.slack.reply(key).args)
    if changes:
        bot.fake.wait_for("views.publish", count=before + 1, predicate=lambda c: c.args.get("user_id") == user)
    return answer


def publishes(bot: BotUnderTest, user: str) -> list[dict[str, Any]]:
    return [c.args["view"] for c in bot.fake.calls_to("views.publish") if c.args.get("user_id") == user]


def next_publish(bot: BotUnderTest, user: str, action: Callable[[], Any]) -> dict[str, Any]:
    """Do ``action`` and return the Home view published for ``user`` after it."""
    before = len(publishes(bot, user))
    action()
    found = bot.fake.wait_for(
        "views.publish", count=before + 1, timeout=10, predicate=lambda c: c.args.get("user_id") == user
    )
    view = found[-1].args["view"]
    assert view["type"] == "home"
    return view


def open_home(bot: BotUnderTest, user: str) -> dict[str, Any]:
    def opened() -> None:
        assert bot.slack.open_home(user).status == 200

    return next_publish(bot, user, opened)


def text(view: dict[str, Any]) -> str:
    return render(view)


def headers(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def rows(bot: BotUnderTest, model: type, **where: object) -> list[Any]:
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return list(session.scalars(select(model).filter_by(**where)))
    finally:
        engine.dispose()


def eventually(probe: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            assert found, "the expected effect never happened"
            return found
        time.sleep(0.05)


# --- per role -------------------------------------------------------------------------------


def test_anyone_else_sees_one_friendly_paragraph_and_no_names(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    say(bot, "stop anna.m voll 14 Tage")
    view = open_home(bot, OUTSIDER)
    assert len(view["blocks"]) == 1 and view["blocks"][0]["type"] == "section"
    shown = view["blocks"][0]["text"]["text"]
    assert "Das ist der VPA-Bot" in shown and "Admin-Team" in shown
    for personal in ("Anna", "anna.m", "<@", "VT-Stop (", "Verstoß"):
        assert personal not in shown


def test_the_messages_tab_publishes_nothing(bot: BotUnderTest) -> None:
    event = {"type": "app_home_opened", "user": ADMIN, "channel": "DADMIN", "tab": "messages"}
    assert bot.slack.event(event).status == 200
    time.sleep(0.5)
    assert publishes(bot, ADMIN) == []


def test_an_admin_sees_their_overdue_review_first(bot: BotUnderTest, clock: SettableClock) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    say(bot, "assistent neu ben.k Ben Krüger")
    say(bot, "stop anna.m voll 30.11.2026")
    say(bot, "stop ben.k kunden 14 Tage", user=ADMIN_2)
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc))  # Anna's review is due since 30.11.
    view = open_home(bot, ADMIN)
    blocks = view["blocks"]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "VPA-Bot – deine Übersicht"
    assert blocks[2]["accessory"]["action_id"] == "home_file_search"  # the file search on top
    assert blocks[3]["text"]["text"] == "Deine überfälligen Prüfungen (1)"
    first = blocks[4]["text"]["text"]
    assert "Anna Müller" in first and "Prüfung überfällig" in first
    assert headers(view)[1] == "Deine überfälligen Prüfungen (1)"
    # Ben's stop was set by the other admin: in the shared list, not among mine.
    assert "Aktive VT-Stops (2, davon mit überfälliger Prüfung: 1)" in text(view)
    assert "Deine Prüfungen in den nächsten 14 Tagen (0)" in text(view)
    assert "CG-Lesebestätigungen fällig (2, davon 2 überfällig)" in text(view)


def test_a_manager_sees_pending_approvals_first_with_the_buttons(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    for n in range(1, 4):
        say(bot, f"verstoss anna.m deadline deadline Verspätung Nummer {n}")
    (case,) = rows(bot, Violation, state=ViolationState.AWAITING_APPROVAL.value)
    view = open_home(bot, MANAGER)
    blocks = view["blocks"]
    assert blocks[3]["text"]["text"] == "Warten auf deine Freigabe (1)"
    assert "Anna Müller" in blocks[4]["text"]["text"] and "Abmahnung" in blocks[4]["text"]["text"]
    assert blocks[5]["type"] == "actions"
    assert {e["action_id"]: e["value"] for e in blocks[5]["elements"]} == {
        "approval_approve": encode(CaseRef(case.id)),
        "approval_reject": encode(CaseRef(case.id)),
        "open_file": encode(HandleRef("anna.m")),
    }
    assert headers(view)[2:] == [  # then the admin view, without "my reviews": managers set no stops
        "Nicht zugestellte Nachrichten (0)",
        "CG-Lesebestätigungen fällig (1, davon 1 überfällig)",
        "Aktive VT-Stops (0, davon mit überfälliger Prüfung: 0)",
        "Verstöße diese Woche (3)",
    ]

    # Approving right on Home: decided once, and the manager's Home shows it is done.
    after = next_publish(bot, MANAGER, lambda: bot.slack.home_click("approval_approve", encode(CaseRef(case.id)), user=MANAGER))
    assert "Warten auf deine Freigabe (0)" in text(after)
    (decided,) = rows(bot, Violation, id=case.id)
    assert decided.state == ViolationState.APPROVED.value and decided.decided_by == MANAGER


def test_500_active_stops_stay_within_the_block_limit(db_url: str, clock: SettableClock) -> None:
    """The worst case: an admin who is also a manager, and every list longer than it may show."""
    with BotUnderTest(db_url, clock=clock, manager_ids=frozenset({MANAGER, ADMIN})) as bot:
        now = clock.now()
        engine = create_engine(bot.settings.database_url)
        try:
            with Session(engine) as session, session.begin():
                for n in range(500):
                    assistant = Assistant(handle=f"vpa{n:03}", name=f"Assistent {n:03}", status="aktiv", created_by=ADMIN)
                    overdue = n < 250
                    until = TODAY - timedelta(days=1) if overdue else TODAY + timedelta(days=7)
                    session.add(
                        SalesStop(
                            assistant=assistant,
                            kind="voll",
                            reason="verstoss",
                            starts_on=TODAY - timedelta(days=14),
                            until=until,
                            set_by=ADMIN,
                            set_at=now - timedelta(days=14),
                            review_at=now - timedelta(hours=1) if overdue else now + timedelta(days=7),
                            review_reminders=1 if overdue else 0,
                        )
                    )
                    if n < 15:
                        session.add(
                            Violation(
                                assistant=assistant,
                                source="deadline",
                                tag="deadline",
                                step=3,
                                state="awaiting_approval" if n < 12 else "recorded",
                                note="Frist verpasst",
                                logged_by=ADMIN_2,
                                logged_at=now,
                                logged_on=TODAY,
                            )
                        )
                for n in range(20):
                    session.add(
                        OutboxMessage(
                            method="chat.postMessage",
                            payload={"channel": TEAM_CHANNEL, "text": f"Ankündigung {n}"},
                            purpose="stop_announcement",
                            status=OutboxStatus.DEAD,
                            attempts=1,
                            last_error="channel_not_found",
                            created_at=now,
                            next_attempt_at=now,
                        )
                    )
        finally:
            engine.dispose()

        view = open_home(bot, ADMIN)
        # title 2 + search 1 + approvals, my overdue reviews, upcoming and stops 1+5·2+2+1
        # + CG (all have a stop: no offer, one block a row) and dead messages 1+5+2+1
        # + violations 1+5+2
        assert len(view["blocks"]) == 3 + 4 * 14 + 2 * 9 + 8 == 85
        shown = text(view)
        assert headers(view)[1:] == [
            "Warten auf deine Freigabe (12)",
            "Deine überfälligen Prüfungen (250)",
            "Nicht zugestellte Nachrichten (20)",
            "CG-Lesebestätigungen fällig (500, davon 500 überfällig)",
            "Deine Prüfungen in den nächsten 14 Tagen (250)",
            "Aktive VT-Stops (500, davon mit überfälliger Prüfung: 250)",
            "Verstöße diese Woche (15)",
        ]
        for where in ("Einträge 1–5 von 12", "1–5 von 250", "1–5 von 20", "1–5 von 500", "1–5 von 15"):
            assert where in shown


# --- dead messages ------------------------------------------------------------------------


@pytest.fixture
def dead_announcement(bot: BotUnderTest) -> OutboxMessage:
    """A team announcement Slack refused for good (the bot is not in the channel)."""
    say(bot, "assistent neu anna.m Anna Müller")
    say(bot, "stop anna.m voll 14 Tage")
    bot.fake.fail("chat.postMessage", error="channel_not_found")
    bot.dispatch_outbox()
    (dead,) = rows(bot, OutboxMessage, status=OutboxStatus.DEAD)
    assert dead.purpose == "stop_announcement"
    bot.fake.reset()
    return dead


def test_a_dead_message_is_listed_and_sent_again_on_retry(bot: BotUnderTest, dead_announcement: OutboxMessage) -> None:
    view = open_home(bot, ADMIN)
    (row,) = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "outbox_retry"]
    assert row["accessory"]["value"] == encode(MessageRef(dead_announcement.id))
    line = row["text"]["text"]
    assert "Team-Ankündigung VT-Stop" in line and f"<#{TEAM_CHANNEL}>" in line and "channel_not_found" in line
    assert "26.11.2026 11:00" in line  # when, in Berlin time
    assert "Nicht zugestellte Nachrichten (1)" in headers(view)
    # and what to do about it, in words instead of the error code alone
    assert "Was tun:" in line and "`/invite @vpabot`" in line

    after = next_publish(bot, ADMIN, lambda: bot.slack.home_click("outbox_retry", row["accessory"]["value"]))
    assert "Nicht zugestellte Nachrichten (0)" in headers(after)
    (retried,) = rows(bot, OutboxMessage, id=dead_announcement.id)
    assert (retried.status, retried.attempts) == (OutboxStatus.PENDING, 0)
    (event,) = rows(bot, AuditEvent, action="outbox.retried")
    assert event.actor == ADMIN and event.before["status"] == "dead" and event.after["status"] == "pending"

    assert bot.dispatch_outbox() == 1
    (sent,) = [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == TEAM_CHANNEL]
    assert "Anna Müller" in render(sent.args)
    assert rows(bot, OutboxMessage, id=dead_announcement.id)[0].status == OutboxStatus.SENT


def test_an_announcement_overtaken_by_a_newer_one_is_not_sent_again(
    bot: BotUnderTest, dead_announcement: OutboxMessage
) -> None:
    say(bot, "aufheben anna.m passt wieder")  # the lift reaches the team
    bot.dispatch_outbox()
    bot.slack.home_click("outbox_retry", encode(MessageRef(dead_announcement.id)))
    refusal = eventually(
        lambda: [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == ADMIN]
    )
    assert "Diese Nachricht ist überholt" in render(refusal[-1].args)
    assert rows(bot, OutboxMessage, id=dead_announcement.id)[0].status == OutboxStatus.DEAD
    assert rows(bot, AuditEvent, action="outbox.retried") == []


@pytest.mark.parametrize("clicker", [OUTSIDER, MANAGER])
def test_only_admins_may_send_again(bot: BotUnderTest, dead_announcement: OutboxMessage, clicker: str) -> None:
    manager_view = open_home(bot, MANAGER)
    assert "Nicht zugestellte Nachrichten (1)" in headers(manager_view)
    assert "outbox_retry" not in str(manager_view)  # managers see the row, without the button

    assert bot.slack.home_click("outbox_retry", encode(MessageRef(dead_announcement.id)), user=clicker).status == 200
    refusal = eventually(
        lambda: [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == clicker]
    )
    assert "Admin-Team" in render(refusal[0].args)
    assert rows(bot, OutboxMessage, id=dead_announcement.id)[0].status == OutboxStatus.DEAD
    assert rows(bot, AuditEvent, action="outbox.retried") == []


# --- refresh after a change -----------------------------------------------------------------


def test_home_is_published_again_after_the_admin_logs_a_violation(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    assert "Verstöße diese Woche (0)" in headers(open_home(bot, ADMIN))
    view = next_publish(bot, ADMIN, lambda: say(bot, "verstoss anna.m deadline deadline Frist verpasst"))
    assert "Verstöße diese Woche (1)" in headers(view)
    assert "Anna Müller" in text(view).split("Verstöße diese Woche (1)")[1]


def test_a_failing_publish_does_not_fail_the_admins_action(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    bot.fake.fail("views.publish", error="internal_error", times=5)
    reply = say(bot, "verstoss anna.m deadline deadline Frist verpasst")  # waits for the refused publish
    assert "Anna Müller" in reply
    assert len(rows(bot, Violation)) == 1
    assert "Anna Müller" in say(bot, "akte anna.m", changes=False)  # and the bot carries on


def test_cg_overdue_offers_the_stop_right_on_home(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    view = open_home(bot, ADMIN)
    blocks = view["blocks"]
    (at,) = [n for n, b in enumerate(blocks) if b["type"] == "actions"
             and any(e["action_id"] == "cg_stop_set" for e in b["elements"])]
    row, offer = blocks[at - 1], {e["action_id"]: e for e in blocks[at]["elements"]}
    assert "Anna Müller" in row["text"]["text"] and "CG-Lesebestätigung fehlt noch" in row["text"]["text"]
    assert set(offer) == {"cg_stop_set", "open_file"}
    assert "cg_stop_set" not in str(open_home(bot, MANAGER))  # stops are the admins' to set

    after = next_publish(bot, ADMIN, lambda: bot.slack.home_click("cg_stop_set", offer["cg_stop_set"]["value"]))
    assert "Aktive VT-Stops (1, davon mit überfälliger Prüfung: 0)" in headers(after)
    assert "cg_stop_set" not in str(after)  # the stop is set: no second offer
    (stop,) = rows(bot, SalesStop)
    assert stop.reason == "cg" and stop.until is None
