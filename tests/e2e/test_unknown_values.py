"""Values this version has no member for (written by a newer version before a rollback, or
by hand in SQL) read back as text and show as stored: the files, lists, App Home and the
stops API go on working for everyone, instead of one row taking them down."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.e2e.test_api_stops import TOKEN, bearer, get, say, stops  # noqa: F401 - fixtures
from tests.e2e.test_api_stops import bot  # noqa: F401 - fixture
from vpabot.bot.testing.harness import ADMIN, BotUnderTest
from vpabot.storage.db import session_scope


def test_unknown_stored_values_show_as_stored_and_take_nothing_down(stops: BotUnderTest) -> None:
    say(stops, "verstoss anna.m deadline deadline Angebot zu spät")
    say(stops, "notiz anna.m Rückruf vereinbart")
    with session_scope(stops.runtime.ctx.sessions) as session:
        for statement in (
            "UPDATE violations SET state = 'pausiert', source = 'telefon'",
            "UPDATE notes SET kind = 'anruf'",
            "UPDATE assistants SET status = 'ruhend' WHERE handle = 'anna.m'",
            "UPDATE sales_stops SET kind = 'teil' WHERE lifted_at IS NULL",
        ):
            session.execute(text(statement))

    file = say(stops, "akte anna.m")
    assert "Anna Müller" in file and "pausiert" in file and "telefon" in file and "anruf" in file
    assert "anna.m" in say(stops, "stops") and "teil" in say(stops, "stops")
    result, _headers = get(stops, "/api/stops", **bearer(TOKEN))
    assert result.status == 200 and "anna.m" in result.body
    stops.fake.reset()
    stops.slack.open_home(ADMIN)
    home = stops.fake.wait_for("views.publish", timeout=10)[-1].args["view"]
    assert "anna.m" in json.dumps(home, ensure_ascii=False)


def test_a_stop_of_an_unknown_kind_can_still_be_extended_changed_and_lifted(stops: BotUnderTest) -> None:
    """The commands that start from the stored stop build nothing from its kind that would
    refuse it: an admin can still act on such a stop (checked by hand before, now kept)."""
    with session_scope(stops.runtime.ctx.sessions) as session:
        session.execute(text("UPDATE sales_stops SET kind = 'teil' WHERE lifted_at IS NULL"))

    extended = say(stops, "verlaengern anna.m 30t")
    assert "geändert" in extended and "teil" in extended
    assert active_kinds(stops) == ["teil"]  # extended as it was, not made a kind this version knows
    assert "geändert" in say(stops, "stop anna.m kunden 14 Tage")
    assert active_kinds(stops) == ["kunden"]
    assert "aufgehoben" in say(stops, "aufheben anna.m passt wieder")
    assert active_kinds(stops) == []


def active_kinds(bot: BotUnderTest) -> list[str]:
    with session_scope(bot.runtime.ctx.sessions) as session:
        return list(session.scalars(text(
            "SELECT kind FROM sales_stops s JOIN assistants a ON a.id = s.assistant_id "
            "WHERE a.handle = 'anna.m' AND s.lifted_at IS NULL")))
