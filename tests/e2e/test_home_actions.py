"""App Home that acts, and long lists that page (issue 12): signed clicks on the Home's rows,
"Weitere anzeigen" on Home, `/vpa stops` and `/vpa offen`, the Home's file search."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.e2e.stops_support import START, drain, note, say, stops, submit_and_wait
from tests.e2e.test_home import headers, next_publish, open_home, text
from vpabot.bot.testing.harness import ADMIN, MANAGER, OUTSIDER, TEAM_CHANNEL, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.clock import SettableClock
from vpabot.storage.models import Assistant, SalesStop, Violation


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)  # Monday 30.11.2026, 10:00 in Berlin


def row_buttons(view: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """The buttons of the first row that names ``name``: beside its text or in the block below."""
    blocks = view["blocks"]
    for n, block in enumerate(blocks):
        if block["type"] == "section" and name in block["text"]["text"]:
            found = {}
            if block.get("accessory", {}).get("type") == "button":
                found[block["accessory"]["action_id"]] = block["accessory"]
            if n + 1 < len(blocks) and blocks[n + 1]["type"] == "actions":
                found.update({e["action_id"]: e for e in blocks[n + 1]["elements"]})
            return found
    raise AssertionError(f"no row names {name!r}")


def part(view: dict[str, Any], title: str) -> dict[str, Any]:
    """The blocks of one Home list, from its header to the next one, as a view."""
    blocks = view["blocks"]
    start = next(n for n, b in enumerate(blocks) if b["type"] == "header" and b["text"]["text"].startswith(title))
    end = next((n for n, b in enumerate(blocks) if n > start and b["type"] == "header"), len(blocks))
    return {"blocks": blocks[start:end]}


def home_showing(bot: BotUnderTest, user: str, expected: str, timeout: float = 10.0) -> dict[str, Any]:
    """The user's Home once it shows ``expected``: a write's refresh may still be on its way
    (Home renders at most every two seconds per user), so open it until it is current."""
    deadline = time.monotonic() + timeout
    while True:
        view = open_home(bot, user)
        if expected in render(view) or time.monotonic() > deadline:
            assert expected in render(view), render(view)
            return view


def nav(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The paging buttons of a list (the actions block after "Einträge … von …")."""
    blocks = view["blocks"]
    for n, block in enumerate(blocks):
        if block["type"] == "context" and "Einträge" in render({"blocks": [block]}):
            return {e["action_id"]: e for e in blocks[n + 1]["elements"]}
    raise AssertionError("the list does not page")


def home_click_opens(bot: BotUnderTest, action_id: str, value: str, user: str = ADMIN) -> dict[str, Any]:
    """Click a Home button that opens a modal; the modal Slack was asked to open."""
    before = len(bot.fake.calls_to("views.open"))
    assert bot.slack.home_click(action_id, value, user=user).status == 200
    return bot.fake.wait_for("views.open", count=before + 1)[-1].args["view"]


def dms_to(bot: BotUnderTest, user: str) -> list[str]:
    return [render(c.args) for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def add_stops(bot: BotUnderTest, count: int, *, until: str = "21.12.2026") -> None:
    for n in range(count):
        say(bot, f"assistent neu vpa{n:02} Assistenz {n:02}")
        say(bot, f"stop vpa{n:02} voll {until}")


# --- rows that act ------------------------------------------------------------------------------


def test_akte_oeffnen_on_a_home_row_opens_the_file_over_the_home(anna: BotUnderTest) -> None:
    say(anna, "stop anna.m voll 21.12.2026")
    view = home_showing(anna, ADMIN, "Aktive VT-Stops (1")
    buttons = row_buttons(part(view, "Aktive VT-Stops"), "Anna Müller")
    assert buttons["open_file"]["text"]["text"] == "Akte öffnen"

    modal = home_click_opens(anna, "open_file", buttons["open_file"]["value"])
    assert modal["type"] == "modal" and modal["title"]["text"] == "VPA Akte"
    shown = render(modal)
    assert "Anna Müller" in shown and "*VT-Stop:* voll – keine neuen Kunden und Aufgaben, bis 21.12.2026" in shown


def test_the_file_search_on_home_finds_and_opens_the_assistants_file(anna: BotUnderTest) -> None:
    view = open_home(anna, MANAGER)  # managers read files too
    search = view["blocks"][2]["accessory"]
    assert search["type"] == "external_select" and search["action_id"] == "home_file_search"

    options = anna.slack.options("home_file_search", "müll", user=MANAGER).json()["options"]
    assert [o["value"] for o in options] == ["anna.m"]
    assert anna.slack.options("home_file_search", "müll", user=OUTSIDER).json()["options"] == []

    before = len(anna.fake.calls_to("views.open"))
    picked = {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": MANAGER},
        "trigger_id": "trigger-search", "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "callback_id": "", "private_metadata": ""},
        "actions": [{"action_id": "home_file_search", "block_id": "b", "type": "external_select",
                     "selected_option": options[0], "action_ts": f"{time.time():.6f}"}],
    }
    assert anna.slack.interaction(picked).status == 200
    modal = anna.fake.wait_for("views.open", count=before + 1)[-1].args["view"]
    assert "Anna Müller" in render(modal) and modal["title"]["text"] == "VPA Akte"


def test_a_due_review_on_home_has_the_reminders_three_buttons(anna: BotUnderTest, clock: SettableClock) -> None:
    say(anna, "stop anna.m voll 14 Tage")
    clock.set(START + timedelta(days=14))  # the end date: the review is due today
    view = home_showing(anna, ADMIN, "Deine Prüfungen in den nächsten 14 Tagen (1)")
    buttons = row_buttons(part(view, "Deine Prüfungen"), "Anna Müller")
    assert set(buttons) == {"review_lift", "review_extend", "review_convert", "open_file"}
    assert buttons["review_convert"]["text"]["text"] == "In VT-Stop (Kunden) umwandeln"

    modal = home_click_opens(anna, "review_extend", buttons["review_extend"]["value"])
    assert modal["callback_id"] == "extend_modal" and "Anna Müller" in render(modal)
    # A manager sees the row, but no decision that is the admins' to make.
    as_manager = home_showing(anna, MANAGER, "Aktive VT-Stops (1")
    assert set(row_buttons(part(as_manager, "Aktive VT-Stops"), "Anna Müller")) == {"open_file"}


def test_lift_from_home_asks_for_the_note_lifts_and_tells_the_team_in_the_thread(anna: BotUnderTest) -> None:
    say(anna, "stop anna.m voll 21.12.2026")
    drain(anna)
    buttons = row_buttons(part(home_showing(anna, ADMIN, "Aktive VT-Stops (1"), "Aktive VT-Stops"), "Anna Müller")
    assert buttons["review_lift"]["text"]["text"] == "VT-Stop aufheben"

    modal = home_click_opens(anna, "review_lift", buttons["review_lift"]["value"])
    assert modal["callback_id"] == "lift_modal"  # the note on the re-check comes first
    (stop,) = stops(anna)
    assert stop.lifted_at is None  # a click alone writes nothing

    answer = submit_and_wait(anna, modal, note("Antwortzeiten wieder im Ziel"))
    assert "aufgehoben" in answer
    (stop,) = stops(anna)
    assert stop.lifted_by == ADMIN and stop.lift_note == "Antwortzeiten wieder im Ziel"
    drain(anna)
    first, lifted = anna.fake.messages(TEAM_CHANNEL)
    assert lifted["thread_ts"] == first["ts"] and lifted["reply_broadcast"] is True
    assert "Aktive VT-Stops (0" in " ".join(headers(home_showing(anna, ADMIN, "Aktive VT-Stops (0")))

    # The same button again (a stale Home): nothing is decided twice, and the admin is told.
    before = len(anna.fake.calls_to("views.open"))
    assert anna.slack.home_click("review_lift", buttons["review_lift"]["value"]).status == 200
    anna.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == ADMIN
                       and "Diese Prüfung ist schon erledigt" in render(c.args))
    assert len(anna.fake.calls_to("views.open")) == before


def test_a_lift_click_by_someone_who_may_not_is_refused_kindly_and_writes_nothing(anna: BotUnderTest) -> None:
    say(anna, "stop anna.m voll 21.12.2026")
    view = home_showing(anna, ADMIN, "Aktive VT-Stops (1")
    value = row_buttons(part(view, "Aktive VT-Stops"), "Anna Müller")["review_lift"]["value"]
    for who in (MANAGER, OUTSIDER):
        assert anna.slack.home_click("review_lift", value, user=who).status == 200
        anna.fake.wait_for("chat.postMessage", predicate=lambda c, w=who: c.args.get("channel") == w)
        assert "Das darf nur das Admin-Team" in dms_to(anna, who)[-1]
    time.sleep(0.3)
    assert anna.fake.calls_to("views.open") == []
    (stop,) = stops(anna)
    assert stop.lifted_at is None


# --- Weitere anzeigen ----------------------------------------------------------------------------


def test_home_lists_page_with_weitere_anzeigen_and_back(bot: BotUnderTest) -> None:
    add_stops(bot, 7)
    view = home_showing(bot, ADMIN, "Aktive VT-Stops (7")
    stops_part = part(view, "Aktive VT-Stops (7")
    shown = render(stops_part)
    assert "Einträge 1–5 von 7" in shown and "Assistenz 04" in shown and "Assistenz 05" not in shown
    assert "weitere" not in shown  # no dead end: the rest is a click away
    more = nav(stops_part)["home_page_next"]
    assert more["text"]["text"] == "Weitere anzeigen"

    page2 = next_publish(bot, ADMIN, lambda: bot.slack.home_click("home_page_next", more["value"]))
    second = render(part(page2, "Aktive VT-Stops (7"))
    assert "Einträge 6–7 von 7" in second and "Assistenz 05" in second and "Assistenz 06" in second
    assert "Assistenz 00" not in second
    back = nav(part(page2, "Aktive VT-Stops (7"))
    assert set(back) == {"home_page_prev"}  # the last page: only back
    assert back["home_page_prev"]["text"]["text"] == "Zurück"
    # The other lists stay where they were (the first page).
    assert "Einträge 1–5 von 7" in render(part(page2, "CG-Lesebestätigungen"))

    page1 = next_publish(bot, ADMIN, lambda: bot.slack.home_click("home_page_prev", back["home_page_prev"]["value"]))
    assert "Einträge 1–5 von 7" in render(part(page1, "Aktive VT-Stops (7"))


def test_vpa_stops_pages_by_replacing_its_message(bot: BotUnderTest) -> None:
    add_stops(bot, 23)
    ack, key = bot.slack.command("stops")
    first = bot.slack.reply(key).args
    shown = render(first)
    assert shown.startswith("*Aktive VT-Stops: 23*")
    assert "Einträge 1–20 von 23" in shown and "`vpa19`) · VT-Stop" in shown and "`vpa20`) · VT-Stop" not in shown
    more = {e["action_id"]: e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert more["stops_page_next"]["text"]["text"] == "Weitere anzeigen"

    _ack, click = bot.slack.click("stops_page_next", more["stops_page_next"]["value"])
    page2 = bot.slack.reply(click).args
    assert page2["replace_original"] is True  # the list turns its page in place
    second = render(page2)
    assert "Einträge 21–23 von 23" in second and "`vpa22`) · VT-Stop" in second
    assert "vpa00" not in second  # neither the first page nor the CG section: that is page one's

    _ack, outsider = bot.slack.click("stops_page_next", more["stops_page_next"]["value"], user=OUTSIDER)
    refused = bot.slack.reply(outsider).args
    assert "Das sehen nur das Admin-Team und die VPA Manager" in render(refused)
    assert "Assistenz" not in render(refused)


def test_vpa_offen_pages_and_keeps_the_managers_buttons(bot: BotUnderTest) -> None:
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session, session.begin():
            for n in range(16):
                assistant = Assistant(handle=f"vpa{n:02}", name=f"Assistenz {n:02}", status="aktiv", created_by=ADMIN)
                session.add(Violation(
                    assistant=assistant, source="deadline", tag="deadline", step=3, state="awaiting_approval",
                    note=f"Frist {n:02} verpasst", logged_by=ADMIN, logged_at=START + timedelta(minutes=n),
                    logged_on=START.date(),
                ))
    finally:
        engine.dispose()
    _ack, key = bot.slack.command("offen", user=MANAGER)
    first = bot.slack.reply(key).args
    assert "Einträge 1–14 von 16" in render(first) and "Assistenz 13" in render(first)
    buttons = [e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert sum(e["action_id"] == "approval_approve" for e in buttons) == 14
    more = next(e for e in buttons if e["action_id"] == "pending_page_next")

    _ack, click = bot.slack.click("pending_page_next", more["value"], user=MANAGER)
    page2 = bot.slack.reply(click).args
    assert page2["replace_original"] is True
    second = render(page2)
    assert "Einträge 15–16 von 16" in second and "Assistenz 15" in second and "Assistenz 00" not in second
    assert sum(e["action_id"] == "approval_approve"
               for b in page2["blocks"] if b["type"] == "actions" for e in b["elements"]) == 2
