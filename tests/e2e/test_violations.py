"""Admins log violations with /vpa and read the file: what they see, what is stored."""

from __future__ import annotations

import time

from tests.e2e.conftest import count, written
from vpabot.storage.models import Note, Violation
from vpabot.bot.testing.harness import ADMIN, MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render


def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    """Type a command; return what the user sees (the ack's answer or the later reply)."""
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    if ack.body:
        return render(ack.json())
    return render(bot.slack.reply(key).args)


def test_full_ladder_climbs_and_asks_for_approval_from_step_3(anna: BotUnderTest) -> None:
    first = say(anna, "verstoss anna.m deadline deadline Angebot zu spät")
    assert "1. Verstoß – Erinnerung an CGs" in first
    assert "Tag *Deadline*" in first and "Hallo Anna" in first  # draft for the assistant

    second = say(anna, "verstoss anna.m beschwerde qualitaet Tippfehler")
    assert "2. Verstoß – Ermahnung" in second and "Hallo Anna" in second

    third = say(anna, "violation anna.m complaint quality noch mehr Tippfehler")
    assert "3. Verstoß – Abmahnung" in third
    assert "Wartet auf Freigabe" in third and "noch nichts" in third
    assert "Hallo Anna" not in third  # no draft before the manager cleared it

    fourth = say(anna, "verstoss anna.m kontakt technik kein Headset")
    assert "4. Verstoß – Ausschluss aus der Community" in fourth and "Wartet auf Freigabe" in fourth

    fifth = say(anna, "verstoss anna.m response erreichbarkeit wieder nicht erreichbar")
    assert "4. Verstoß" in fifth  # steps stop at 4

    assert count(anna, Violation) == 5
    file = say(anna, "akte anna.m")
    assert "VPA Akte: Anna Müller (anna.m)" in file
    assert file.count("wartet auf Freigabe") == 3 and file.count("_eingetragen_") == 2
    assert "Zählende Verstöße:* 4 · *der nächste Verstoß wäre:* Ausschluss aus der Community – erst nach Freigabe" in file
    assert "Angebot zu spät" in file and "@UADMIN1" in file


def test_manager_is_informed_of_an_ermahnung_but_not_of_a_reminder(anna: BotUnderTest) -> None:
    say(anna, "verstoss anna.m deadline deadline eins")
    anna.dispatch_outbox()
    assert anna.fake.calls_to("chat.postMessage") == []
    say(anna, "verstoss anna.m deadline deadline zwei")
    anna.dispatch_outbox()
    (dm,) = anna.fake.calls_to("chat.postMessage")
    assert dm.args["channel"] == MANAGER
    text = render(dm.args)
    assert "Ermahnung" in text and "Anna Müller" in text and "zwei" in text
    assert "Akte bisher" in text and "[Akte öffnen]" in text


def test_severe_violation_skips_the_ladder_and_waits_for_the_manager(anna: BotUnderTest) -> None:
    reply = say(anna, "verstoss anna.m beschwerde eigenwerbung eigene Website an Kunden geschickt")
    assert "Gravierender Verstoß" in reply and "Wartet auf Freigabe" in reply
    explicit = say(anna, "verstoss anna.m kontakt kommunikation schwer Kunde beleidigt")
    assert "gravierenden Verstoß" in explicit  # typed severity is confirmed first


def test_note_is_filed_without_climbing_the_ladder(anna: BotUnderTest) -> None:
    assert "zählt nicht als Verstoß" in say(anna, "notiz anna.m wirkt überlastet")
    assert count(anna, Note) == 1 and count(anna, Violation) == 0
    assert "1. Verstoß" in say(anna, "verstoss anna.m deadline deadline zu spät")
    assert "wirkt überlastet" in say(anna, "akte anna.m")


def test_unknown_handle_suggests_close_matches_and_writes_nothing(anna: BotUnderTest) -> None:
    before = written(anna)
    reply = say(anna, "verstoss ana.m deadline deadline zu spät")
    assert "„ana.m“ gibt es nicht" in reply and "anna.m" in reply
    assert written(anna) == before


def test_bad_source_and_tag_list_the_valid_ones_and_write_nothing(anna: BotUnderTest) -> None:
    before = written(anna)
    source = say(anna, "verstoss anna.m telefon deadline zu spät")
    assert "„telefon“" in source and "beschwerde" in source and "pruefung" in source
    tag = say(anna, "verstoss anna.m deadline pünktlichkeit zu spät")
    assert "„pünktlichkeit“" in tag and "eigenwerbung" in tag
    missing = say(anna, "verstoss anna.m deadline deadline")
    assert "Notiz fehlt" in missing
    assert written(anna) == before


def test_non_admin_is_refused_politely_and_nothing_is_written(anna: BotUnderTest) -> None:
    before = written(anna)
    reply = say(anna, "verstoss anna.m deadline deadline zu spät", user=OUTSIDER)
    assert "nur das Admin-Team" in reply
    assert "nur das Admin-Team" in say(anna, "akte anna.m", user=OUTSIDER)
    assert written(anna) == before


def test_manager_may_read_the_file_but_not_log(anna: BotUnderTest) -> None:
    assert "VPA Akte" in say(anna, "akte anna.m", user=MANAGER)
    assert "nur das Admin-Team" in say(anna, "verstoss anna.m deadline deadline x", user=MANAGER)


def test_forged_signature_is_rejected_and_nothing_written(anna: BotUnderTest) -> None:
    before = written(anna)
    body = anna.slack.command_body("verstoss anna.m deadline deadline zu spät", user=ADMIN, key="x")
    result = anna.slack.post(body, signature="v0=" + "0" * 64)
    assert result.status == 401
    time.sleep(0.3)  # a lazy listener would have run by now
    assert written(anna) == before


def test_stale_timestamp_is_rejected(anna: BotUnderTest) -> None:
    before = written(anna)
    body = anna.slack.command_body("verstoss anna.m deadline deadline zu spät", user=ADMIN, key="x")
    result = anna.slack.post(body, timestamp=int(time.time()) - 10 * 60)
    assert result.status == 401
    time.sleep(0.3)
    assert written(anna) == before


def test_help_and_unknown_subcommand(bot: BotUnderTest) -> None:
    assert "/vpa verstoss" in say(bot, "hilfe") and "/vpa verstoss" in say(bot, "")
    assert "/vpa hilfe" in say(bot, "stornieren anna.m")


def test_duplicate_handle_is_refused(anna: BotUnderTest) -> None:
    assert "schon vergeben" in say(anna, "assistent neu anna.m Anna Meier")


def test_healthz(bot: BotUnderTest) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200 and json.load(response) == {"ok": True}


def test_typed_schwer_is_confirmed_before_anything_is_written(anna: BotUnderTest) -> None:
    """'schwer erreichbar' is everyday German for this tag: ask, don't guess."""
    question = say(anna, "verstoss anna.m response erreichbarkeit schwer erreichbar seit Tagen")
    assert "Als *gravierenden Verstoß* eintragen?" in question
    assert "[Ja, gravierend]" in question and "[Nein, normaler Verstoß]" in question
    assert count(anna, Violation) == 0

    ack, key = anna.slack.command("verstoss anna.m response erreichbarkeit schwer erreichbar seit Tagen")
    buttons = [
        e for b in anna.slack.reply(key).args["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    decline = next(e for e in buttons if e["action_id"] == "severe_decline")
    _result, click_key = anna.slack.click("severe_decline", decline["value"])
    answer = render(anna.slack.reply(click_key).args)
    assert "1. Verstoß – Erinnerung an CGs" in answer and "schwer erreichbar seit Tagen" in answer

    confirm = next(e for e in buttons if e["action_id"] == "severe_confirm")
    _result, click_key = anna.slack.click("severe_confirm", confirm["value"])
    assert "schon eingetragen" in render(anna.slack.reply(click_key).args)  # answered already
    assert count(anna, Violation) == 1

    ack, key = anna.slack.command("verstoss anna.m kontakt kommunikation schwer Kunde beleidigt")
    question = anna.slack.reply(key).args["blocks"]
    confirm = next(
        e for b in question if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "severe_confirm"
    )
    _result, click_key = anna.slack.click("severe_confirm", confirm["value"])
    assert "Gravierender Verstoß" in render(anna.slack.reply(click_key).args)
    assert count(anna, Violation) == 2


def test_a_severe_tag_needs_no_confirmation(anna: BotUnderTest) -> None:
    assert "Gravierender Verstoß" in say(anna, "verstoss anna.m beschwerde eigenwerbung eigene Website")
