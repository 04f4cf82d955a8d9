"""The Home tab's builders without a database: block budget per role, both languages."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from vpabot.bot.blocks.home import MAX_HOME_BLOCKS, build_home
from vpabot.bot.i18n import LANGUAGES, Translator
from vpabot.bot.results.cases import Case
from vpabot.bot.results.cg import CgEntry
from vpabot.bot.results.home import DeadMessage, Home, Overview, RecentViolation
from vpabot.bot.results.listing import Listing
from vpabot.bot.results.stops import ActiveStop, StopList
from vpabot.policy.cg import cg_status
from vpabot.policy.stops import StopKind

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 26)
BERLIN = ZoneInfo("Europe/Berlin")


def stops(n: int, *, overdue: bool = False) -> list[ActiveStop]:
    return [
        ActiveStop(f"vpa{i}", f"Name {i}", StopKind.FULL, TODAY, TODAY, "UADMIN1", overdue, stop_id=i + 1, due=True)
        for i in range(min(n, 5))  # the service loads one page; totals say the rest
    ]


def overview(n: int) -> Overview:
    shown = min(n, 5)
    return Overview(
        overdue_reviews=Listing(stops(n, overdue=True), n),
        upcoming_reviews=Listing(stops(n), n),
        active_stops=StopList(stops(n), n, overdue=0),
        cg_due=Listing(
            [CgEntry(f"vpa{i}", f"Name {i}", None, cg_status(None, today=TODAY), False) for i in range(shown)],
            n,
        ),
        cg_overdue=n,
        violations_this_week=Listing(
            [RecentViolation(f"vpa{i}", f"Name {i}", 2, False, "Deadline", "recorded", "UADMIN1", TODAY)
             for i in range(min(n, 5))],
            n,
        ),
        dead=Listing(
            [DeadMessage(i, "stop_announcement", "CTEAM", "channel_not_found", NOW, 1) for i in range(shown)],
            n,
        ),
    )


def cases(n: int) -> Listing[Case]:
    return Listing(
        [Case(i, f"vpa{i}", f"Name {i}", 3, False, "Deadline", "deadline", "zu spät", "UADMIN1", "")
         for i in range(min(n, 5))],
        n,
    )


def test_each_list_says_where_it_stands_and_offers_the_next_page() -> None:
    home = Home("UADMIN1", is_admin=True, pending=None, overview=overview(1000))
    view = build_home(Translator("de"), home, tz=BERLIN, now=NOW, admin_channel=None)
    texts = [str(b) for b in view["blocks"]]
    assert sum("Einträge 1–5 von 1000" in text for text in texts) == 6  # every list
    more = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["action_id"] == "home_page_next"]
    assert len(more) == 6 and all(e["text"]["text"] == "Weitere anzeigen" for e in more)
    assert not any("weitere Einträge" in text for text in texts)  # no dead end any more


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_worst_case_fits_the_home_tab(lang: str) -> None:
    home = Home("UADMIN1", is_admin=True, pending=cases(300), overview=overview(1000))
    view = build_home(Translator(lang), home, tz=BERLIN, now=NOW, admin_channel=None)
    # title 2 + search 1 + approvals, overdue, CG (never accepted: stop offer), upcoming and
    # stops 1 + 5·2 + 2 + divider; dead messages and violations 1 + 5 + 2 (+ divider)
    assert len(view["blocks"]) == 3 + 5 * 14 + 9 + 8 == 90 <= MAX_HOME_BLOCKS


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_admin_with_nothing_to_do_gets_short_empty_sections(lang: str) -> None:
    home = Home("UADMIN1", is_admin=True, pending=None, overview=overview(0))
    view = build_home(Translator(lang), home, tz=BERLIN, now=NOW, admin_channel=None)
    # title 2 + search + five empty lists of header, "nothing" and divider + the last one without divider
    assert len(view["blocks"]) == 3 + 5 * 3 + 2


def test_a_manager_who_is_no_admin_gets_no_my_reviews() -> None:
    home = Home("UMANAGER1", is_admin=False, pending=Listing(), overview=overview(0))
    view = build_home(Translator("de"), home, tz=BERLIN, now=NOW, admin_channel=None)
    titles = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert titles[1] == "Warten auf deine Freigabe (0)"
    assert view["blocks"][2]["accessory"]["action_id"] == "home_file_search"
    assert not any("Deine" in title for title in titles[1:])


def test_the_outsider_paragraph_names_the_admin_channel_when_there_is_one() -> None:
    home = Home("UOTHER", is_admin=False, pending=None, overview=None)
    view = build_home(Translator("de"), home, tz=BERLIN, now=NOW, admin_channel="CADMINS")
    (only,) = view["blocks"]
    assert "im Kanal <#CADMINS>" in only["text"]["text"]


def test_retry_and_stop_buttons_are_for_admins_only() -> None:
    manager = Home("UMANAGER1", is_admin=False, pending=Listing(), overview=overview(3))
    admin = Home("UADMIN1", is_admin=True, pending=None, overview=overview(3))
    t = Translator("de")
    as_manager = str(build_home(t, manager, tz=BERLIN, now=NOW, admin_channel=None))
    as_admin = str(build_home(t, admin, tz=BERLIN, now=NOW, admin_channel=None))
    for action in ("outbox_retry", "cg_stop_set", "review_lift", "review_extend", "review_convert"):
        assert action not in as_manager and action in as_admin
    assert "open_file" in as_manager  # reading the file is for the whole staff


def test_every_refusal_the_outbox_parks_has_a_fix_in_words() -> None:
    from vpabot.bot.blocks.home import dead_fix
    from vpabot.bot.i18n import Translator
    from vpabot.bot.outbox import FATAL_ERRORS

    t = Translator("de")
    for code in FATAL_ERRORS:
        assert dead_fix(t, code, "C1").startswith("Was tun:")
    assert "/invite @vpabot" in dead_fix(t, "not_in_channel", "C1")
    assert "doctor" in dead_fix(t, "gave up after 12: timeout", None)
