"""``/vpa assistent <handle> status neu|aktiv``: grammar and use case.

Over signed HTTP: tests/e2e/test_roster.py.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from vpabot.bot.commands.grammar import AddAssistant, SetAssistantStatus, parse
from vpabot.bot.context import AppContext
from vpabot.bot.services.assistants import add_assistant, change_status
from vpabot.bot.services.approvals import decide
from vpabot.bot.services.stops import resign, set_cg_stop
from vpabot.bot.services.violations import log_violation
from vpabot.policy.catalogue import DEFAULT_TAGS, Source
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus
from vpabot.storage.models import Assistant, AuditEvent, OutboxMessage, SalesStop, Violation
from vpabot.bot.testing.harness import ADMIN, MANAGER


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


def _stop_and_posts(ctx: AppContext, handle: str) -> tuple[str, str, int]:
    """(status, the active stop's reason, team announcements about it)."""
    with ctx.sessions() as session:
        assistant = session.scalar(select(Assistant).where(Assistant.handle == handle))
        stop = session.scalar(select(SalesStop).where(SalesStop.assistant_id == assistant.id))
        posts = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.purpose == "stop_announcement", OutboxMessage.subject_id == stop.id
            )
        )
        return assistant.status, stop.reason, posts


def test_resigning_while_on_a_cg_stop_is_recorded_and_the_stop_stays(ctx: AppContext) -> None:
    add_assistant(ctx, actor=ADMIN, handle="dup.c", name="Dup Carl")  # no CG acceptance yet
    set_cg_stop(ctx, actor=ADMIN, handle="dup.c")

    outcome = resign(ctx, actor=ADMIN, handle="dup.c")

    assert outcome.action == "kept"
    # gekündigt, and accepting the CGs later can no longer lift the stop (its reason changed);
    # the team heard of the stop once and nothing changed for it
    assert _stop_and_posts(ctx, "dup.c") == ("gekuendigt", "gekuendigt", 1)
    assert "bestand schon und bleibt bestehen" in ctx.t("reply.resigned_stop_kept", who="Dup Carl")


def test_a_severe_case_approved_on_a_cg_stop_ends_the_collaboration_truthfully(ctx: AppContext) -> None:
    add_assistant(ctx, actor=ADMIN, handle="cg.z", name="Cora Zett")
    set_cg_stop(ctx, actor=ADMIN, handle="cg.z")
    logged = log_violation(
        ctx, actor=ADMIN, handle="cg.z", source=Source("kontakt"), tag=DEFAULT_TAGS.get("eigenwerbung"),
        severe=True, note="eigene Website",
    )

    decide(ctx, actor=MANAGER, violation_id=logged.violation_id, approve=True)

    assert _stop_and_posts(ctx, "cg.z") == ("beendet", "beendet", 1)
    # what the admin reads about the team is true: it knows of the stop (since the CG stop)
    assert ctx.t("admin.collaboration_ended").endswith("das Team ist über den VT-Stop informiert.")


def test_a_resignation_settles_the_case_still_waiting_for_a_manager(ctx: AppContext) -> None:
    add_assistant(ctx, actor=ADMIN, handle="lena.k", name="Lena Koch")
    for n in range(3):  # 1, 2 recorded; the third, an Abmahnung, waits for the manager
        logged = log_violation(
            ctx, actor=ADMIN, handle="lena.k", source=Source("deadline"),
            tag=DEFAULT_TAGS.get("deadline"), severe=False, note=f"Verspätung {n + 1}",
        )

    resign(ctx, actor=ADMIN, handle="lena.k")

    with ctx.sessions() as session:
        assert session.get(Violation, logged.violation_id).state == "settled"
        assert session.get(Violation, logged.violation_id).approval_reminder_at is None
    with pytest.raises(PolicyError) as caught:  # nothing left to approve or remind about
        decide(ctx, actor=MANAGER, violation_id=logged.violation_id, approve=True)
    assert caught.value.code.startswith("already_") or caught.value.code == "not_pending"
