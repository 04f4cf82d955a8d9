"""Slack-native entry points: shortcuts and forms opened with the assistant already chosen."""

from __future__ import annotations

import pytest

from vpabot.bot.testing.harness import MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render


def opened_view(bot: BotUnderTest, key: str) -> dict:
    calls = bot.fake.wait_for("views.open", predicate=lambda c: c.args.get("trigger_id") == f"trigger-{key}")
    return calls[0].args["view"]


def element(view: dict, block_id: str) -> dict:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)


def test_the_global_shortcut_opens_the_violation_form(bot: BotUnderTest) -> None:
    ack, key = bot.slack.shortcut("violation_shortcut")
    assert ack.status == 200
    assert opened_view(bot, key)["callback_id"] == "violation_modal"


def test_the_message_shortcut_prefills_text_link_and_complaint(anna: BotUnderTest) -> None:
    ack, key = anna.slack.message_shortcut("file_message", "Frau Müller hat sich über die späte Lieferung beschwert")
    assert ack.status == 200
    view = opened_view(anna, key)
    note = element(view, "note")["initial_value"]
    assert note.startswith("https://fake.slack.com/archives/CKUNDE/p1700000000000100")
    assert "späte Lieferung" in note
    assert element(view, "source")["initial_option"]["value"] == "beschwerde"


def test_a_message_whose_link_slack_withholds_still_opens_the_form_with_its_text(
    anna: BotUnderTest,
) -> None:
    anna.fake.fail("chat.getPermalink", error="channel_not_found")  # e.g. a DM without the bot
    _ack, key = anna.slack.message_shortcut("file_message", "Antwortzeit > 24 h & keine Rückmeldung")
    note = element(opened_view(anna, key), "note")["initial_value"]
    assert note == "Antwortzeit > 24 h & keine Rückmeldung"


def test_a_message_from_elsewhere_leaves_the_source_open(anna: BotUnderTest) -> None:
    _ack, key = anna.slack.message_shortcut("file_message", "x", channel="CTEAM", channel_name="team")
    assert "initial_option" not in element(opened_view(anna, key), "source")


def test_a_very_long_message_is_clipped_to_the_note_field_and_keeps_its_link(anna: BotUnderTest) -> None:
    _ack, key = anna.slack.message_shortcut("file_message", "lang " * 3000)
    note = element(opened_view(anna, key), "note")
    assert len(note["initial_value"]) == note["max_length"] and note["initial_value"].startswith("https://")


@pytest.mark.parametrize("user", [MANAGER, OUTSIDER])
def test_shortcuts_are_for_admins_like_the_command(anna: BotUnderTest, user: str) -> None:
    _ack, key = anna.slack.message_shortcut("file_message", "x", user=user)
    assert "nur das Admin-Team" in render(anna.slack.reply(key).args)
    assert not anna.fake.calls_to("views.open")


@pytest.mark.parametrize(("text", "callback", "block"), [
    ("verstoss anna.m", "violation_modal", "assistant"),
    ("notiz anna.m", "note_modal", "assistant"),
    ("stop anna.m", "stop_modal", "assistant"),
])
def test_the_handle_alone_opens_the_form_with_the_assistant_chosen(
    anna: BotUnderTest, text: str, callback: str, block: str
) -> None:
    ack, key = anna.slack.command(text)
    assert ack.status == 200 and not ack.body
    view = opened_view(anna, key)
    assert view["callback_id"] == callback
    assert element(view, block)["initial_option"]["value"] == "anna.m"


def test_an_unknown_handle_gets_a_message_instead_of_a_form(anna: BotUnderTest) -> None:
    _ack, key = anna.slack.command("verstoss nie.mand")
    assert "nie.mand" in render(anna.slack.reply(key).args)
    assert not anna.fake.calls_to("views.open")


def test_resignation_is_asked_with_a_confirm_dialog_before_anything_changes(anna: BotUnderTest) -> None:
    from tests.e2e.conftest import count
    from vpabot.storage.models import SalesStop

    _ack, key = anna.slack.command("gekuendigt anna.m")
    question = anna.slack.reply(key).args
    (button,) = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == "resign_confirm" and button["style"] == "danger"
    assert button["confirm"]["title"]["text"] == "Wirklich eintragen?"
    assert "nicht rückgängig" in button["confirm"]["text"]["text"]
    assert count(anna, SalesStop) == 0  # asked, nothing written yet


def test_the_cg_stop_button_asks_in_a_confirm_dialog(anna: BotUnderTest) -> None:
    _ack, key = anna.slack.command("stops")
    blocks = anna.slack.reply(key).args["blocks"]
    stop_buttons = [e for b in blocks for e in ([b.get("accessory")] + b.get("elements", []))
                    if isinstance(e, dict) and e.get("action_id") == "cg_stop_set"]
    assert stop_buttons and all(b["confirm"]["confirm"]["text"] == "Ja, setzen" for b in stop_buttons)
