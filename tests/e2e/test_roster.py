"""``/vpa assistent <handle> status neu|aktiv`` over real signed HTTP."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.e2e.conftest import resign
from vpabot.storage.models import Assistant, AuditEvent
from vpabot.bot.testing.harness import ADMIN, MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render


def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    return render(ack.json()) if ack.body else render(bot.slack.reply(key).args)


def stored(bot: BotUnderTest) -> tuple[str, list[tuple[str, str, dict | None, dict | None]]]:
    """Anna's status and the status events, read through a separate connection."""
    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            status = session.scalars(
                select(Assistant.status).where(Assistant.handle == "anna.m")
            ).one()
            events = session.execute(
                select(AuditEvent.actor, AuditEvent.action, AuditEvent.before, AuditEvent.after)
                .where(AuditEvent.action == "assistant.status")
                .order_by(AuditEvent.id)
            ).all()
            return status, [tuple(e) for e in events]
    finally:
        engine.dispose()


def test_admin_moves_a_newcomer_to_active_and_back(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    reply = say(bot, "assistent anna.m status aktiv")
    assert (
        "Status von *Anna Müller* (`anna.m`): jetzt *aktiv* (vorher neu (Einarbeitung))." in reply
    )
    assert stored(bot) == (
        "aktiv",
        [(ADMIN, "assistant.status", {"status": "neu"}, {"status": "aktiv"})],
    )

    assert "hat schon den Status *aktiv*" in say(bot, "assistant anna.m status active")
    assert len(stored(bot)[1]) == 1  # nothing changed, nothing audited

    say(bot, "assistant anna.m status new")
    assert stored(bot)[0] == "neu" and len(stored(bot)[1]) == 2


def test_only_admins_change_a_status(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    for user in (MANAGER, OUTSIDER):
        assert "Das darf nur das Admin-Team" in say(
            bot, "assistent anna.m status aktiv", user
        )
    assert stored(bot) == ("neu", [])


def test_ended_status_is_refused_with_a_clear_message(bot: BotUnderTest) -> None:
    say(bot, "assistent neu anna.m Anna Müller")
    resign(bot, "anna.m")
    reply = say(bot, "assistent anna.m status aktiv")
    assert "Die Zusammenarbeit mit Anna Müller ist beendet (Status „gekündigt“)" in reply
    status, events = stored(bot)
    assert status == "gekuendigt" and [e[3]["status"] for e in events] == [
        "gekuendigt"
    ]  # resign only
    assert ("*der nächste Verstoß wäre:* entfällt – die Zusammenarbeit ist beendet, es werden keine "
            "Verstöße mehr eingetragen") in say(bot, "akte anna.m")


def test_typos_are_answered_in_the_ack(bot: BotUnderTest) -> None:
    ack, _key = bot.slack.command("assistent anna.m status pausiert")
    assert "So geht's: `/vpa assistent <handle> status neu|aktiv`" in render(ack.json())
    unknown = say(bot, "assistent berta status aktiv")
    assert "Einen Assistenten mit dem Handle „berta“ gibt es nicht" in unknown


def test_the_picker_finds_a_name_typed_with_a_decomposed_umlaut_however_it_is_searched(
    bot: BotUnderTest,
) -> None:
    from vpabot.bot.ids import Action

    say(bot, "assistent neu anna.m Anna Mu\u0308ller")  # as a Mac keyboard may send it

    for typed in ("mueller", "muller", "Müller", "Mu\u0308ller", "anna mü"):
        answer = bot.slack.options(Action.ASSISTANT_SELECT.value, typed)
        assert answer.status == 200
        labels = [o["text"]["text"] for o in answer.json()["options"]]
        assert labels == ["Anna Müller (anna.m)"], typed
    assert bot.slack.options(Action.ASSISTANT_SELECT.value, "schmidt").json()["options"] == []
