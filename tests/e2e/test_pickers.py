"""The forms' searchable pickers over signed HTTP: each ``external_select`` gets its own
answer, and only who may see the names gets any."""

from __future__ import annotations

from typing import Any

from tests.e2e.stops_support import say
from vpabot.bot.testing.harness import ADMIN, MANAGER, OUTSIDER, BotUnderTest


def values(options: dict[str, Any]) -> list[str]:
    return [o["value"] for o in options["options"]]


def test_the_assistant_picker_finds_by_any_spelling_for_admins_only(anna: BotUnderTest) -> None:
    say(anna, "assistent neu mia.k Mia Müller-Kranz")
    for typed in ("mül", "MUELLER", "muller"):
        assert values(anna.slack.options("assistant_select", typed).json()) == ["anna.m", "mia.k"]
    assert values(anna.slack.options("assistant_select", "mia mü").json()) == ["mia.k"]
    for user in (MANAGER, OUTSIDER):  # the forms write: admins only
        assert values(anna.slack.options("assistant_select", "mül", user=user).json()) == []


def stop_form_picks(bot: BotUnderTest, handle: str, user: str = ADMIN) -> dict[str, Any]:
    """The stop form's "which violation" search, with ``handle`` picked above it."""
    chosen = {"type": "external_select", "selected_option": {"value": handle}}
    return bot.slack.interaction({
        "type": "block_suggestion", "team": {"id": "T1"}, "user": {"id": user},
        "action_id": "violation_select", "block_id": "violation", "value": "",
        "view": {"id": "V1", "callback_id": "stop_modal",
                 "state": {"values": {"assistant": {"a": chosen}}}},
    }).json()


def test_the_stop_forms_violation_picker_lists_the_chosen_assistants_newest_first(
    anna: BotUnderTest,
) -> None:
    say(anna, "verstoss anna.m deadline deadline Angebot zu spät")
    say(anna, "verstoss anna.m deadline deadline wieder zu spät")
    picked = stop_form_picks(anna, "anna.m")["options"]
    assert len(picked) == 2 and int(picked[0]["value"]) > int(picked[1]["value"])
    assert picked[0]["text"]["type"] == "plain_text"
    assert stop_form_picks(anna, "nobody")["options"] == []
    assert stop_form_picks(anna, "anna.m", user=OUTSIDER)["options"] == []


def test_typing_what_no_name_is_indexed_under_offers_nobody(anna: BotUnderTest) -> None:
    """An emoji folds to nothing, a name nobody has to no match: an admin gets no options,
    not the first handles of the roster as if nothing had been typed (and picks a wrong one)."""
    assert values(anna.slack.options("assistant_select", "").json()) == ["anna.m"]
    for typed in ("ольга", "😀", "ольга 😀", "★"):
        assert values(anna.slack.options("assistant_select", typed).json()) == []


def test_names_in_any_script_are_found_as_admins_type_them(anna: BotUnderTest) -> None:
    """Reported: "lukasz" did not find "Łukasz", "obrien" not "O'Brien", and a Cyrillic
    name was found by its handle only."""
    say(anna, "assistent neu lukasz.n Łukasz Nowak")
    say(anna, "assistent neu siobhan.o Siobhán O'Brien")
    say(anna, "assistent neu olga.p Ольга Петренко")
    for typed, handle in (("lukasz", "lukasz.n"), ("Łuk", "lukasz.n"), ("obrien", "siobhan.o"),
                          ("o’brien", "siobhan.o"), ("olga", "olga.p"), ("ольга", "olga.p"),
                          ("ольга петр", "olga.p"), ("petrenko", "olga.p"), ("(lukasz)", "lukasz.n"),
                          ("nowak,", "lukasz.n"), ("olga!", "olga.p")):
        assert values(anna.slack.options("assistant_select", typed).json()) == [handle], typed


def test_a_name_longer_once_transliterated_than_the_index_holds_is_added_and_found(
    anna: BotUnderTest,
) -> None:
    """Reported: "爽"×40 + "-a" (42 characters, within the name limit) was acked and then
    failed on every attempt: its words, cut to the index's 200 characters, collided."""
    assert "angelegt" in say(anna, "assistent neu hostile.cjk " + "爽" * 40 + "-a")
    assert values(anna.slack.options("assistant_select", "shuangshuang").json()) == ["hostile.cjk"]
    assert values(anna.slack.options("assistant_select", "爽" * 40).json()) == ["hostile.cjk"]


def test_a_database_gone_away_answers_no_options_and_logs_no_typed_text(anna: BotUnderTest, caplog) -> None:  # type: ignore[no-untyped-def]
    """A picker answered from a database that just failed: Slack gets an empty list (not a
    500 with a traceback), and the log line names the failure without the typed name."""
    import logging

    from sqlalchemy import event

    def fail(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise anna.runtime.engine.dialect.dbapi.OperationalError("server closed the connection")

    event.listen(anna.runtime.engine, "before_cursor_execute", fail)
    try:
        with caplog.at_level(logging.WARNING):
            answer = anna.slack.options("assistant_select", "Zanowski")
    finally:
        event.remove(anna.runtime.engine, "before_cursor_execute", fail)
    assert answer.status == 200 and answer.json() == {"options": []}
    assert "OperationalError" in caplog.text and "zanowski" not in caplog.text.lower()
    assert values(anna.slack.options("assistant_select", "anna").json()) == ["anna.m"]  # and on it goes
