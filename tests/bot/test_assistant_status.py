"""``/vpa assistent <handle> status neu|aktiv``: grammar and use case.

Over signed HTTP: tests/e2e/test_roster.py.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from vpabot.bot.commands.grammar import AddAssistant, SetAssistantStatus, parse
from vpabot.bot.context import AppContext
from vpabot.bot.services.assistants import add_assistant, change_status
from vpabot.bot.services.stops import resign
from vpabot.policy.catalogue import DEFAULT_TAGS
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus
from vpabot.storage.models import Assistant, AuditEvent
from vpabot.bot.testing.harness import ADMIN


def run(text: str) -> object:
    return parse(text, DEFAULT_TAGS, today=date(2026, 11, 26))


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("assistent anna.m status aktiv", AssistantStatus.ACTIVE),
        ("assistant anna.m status active", AssistantStatus.ACTIVE),
        ("Assistent anna.m Status NEU", AssistantStatus.NEW),
        ("assistant anna.m status new", AssistantStatus.NEW),
    ],
)
def test_status_command_parses_in_german_and_english(text: str, status: AssistantStatus) -> None:
    assert run(text) == SetAssistantStatus(handle="anna.m", status=status)


@pytest.mark.parametrize(
    "text",
    [
        "assistent anna.m status",
        "assistent anna.m status gekuendigt",
        "assistent anna.m status aktiv jetzt",
    ],
)
def test_status_command_refuses_other_words(text: str) -> None:
    with pytest.raises(PolicyError) as caught:
        run(text)
    assert caught.value.code == "roster_status_usage"


def test_adding_an_assistant_still_parses() -> None:
    assert run("assistent neu anna.m Anna Status Müller") == AddAssistant(
        "anna.m", "Anna Status Müller"
    )


def test_change_status_is_audited_and_a_repeat_changes_nothing(ctx: AppContext) -> None:
    add_assistant(ctx, actor=ADMIN, handle="anna.m", name="Anna Müller")
    change = change_status(ctx, actor=ADMIN, handle="@Anna.M", status=AssistantStatus.ACTIVE)
    assert (change.before, change.after, change.changed) == (
        AssistantStatus.NEW,
        AssistantStatus.ACTIVE,
        True,
    )
    again = change_status(ctx, actor=ADMIN, handle="anna.m", status=AssistantStatus.ACTIVE)
    assert not again.changed
    change_status(ctx, actor=ADMIN, handle="anna.m", status=AssistantStatus.NEW)
    with ctx.sessions() as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "assistant.status")
                .order_by(AuditEvent.id)
            )
        )
        assert session.scalars(select(Assistant.status)).one() == "neu"
    assert [(e.actor, e.before, e.after) for e in events] == [
        (ADMIN, {"status": "neu"}, {"status": "aktiv"}),
        (ADMIN, {"status": "aktiv"}, {"status": "neu"}),
    ]


def test_ended_collaborations_keep_their_status(ctx: AppContext) -> None:
    add_assistant(ctx, actor=ADMIN, handle="anna.m", name="Anna Müller")
    resign(ctx, actor=ADMIN, handle="anna.m")
    with pytest.raises(PolicyError) as caught:
        change_status(ctx, actor=ADMIN, handle="anna.m", status=AssistantStatus.ACTIVE)
    assert caught.value.code == "roster_status_ended"
    assert ctx.t(f"error.{caught.value.code}", **caught.value.params) == (
        "Die Zusammenarbeit mit Anna Müller ist beendet (Status „gekündigt“). Der Status lässt sich "
        "nicht mehr auf neu oder aktiv ändern."
    )
    with pytest.raises(PolicyError) as refused:
        change_status(ctx, actor=ADMIN, handle="anna.m", status=AssistantStatus.EXCLUDED)
    assert refused.value.code == "roster_status_not_settable"


def test_reserved_handles_cannot_be_added(ctx: AppContext) -> None:
    with pytest.raises(PolicyError) as caught:
        add_assistant(ctx, actor=ADMIN, handle="geloescht-7", name="Jemand")
    assert caught.value.code == "roster_handle_reserved"
