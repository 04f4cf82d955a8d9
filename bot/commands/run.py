"""What each parsed ``/vpa`` command does. Called after the ack, from commands and modals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from vpabot.bot.blocks.cg import build_acceptance_reply
from vpabot.bot.blocks.file import build_file
from vpabot.bot.blocks.modals import build_assistant_modal, build_note_modal, build_violation_modal
from vpabot.bot.blocks.common import escape
from vpabot.bot.blocks.replies import (
    build_assistant_added,
    build_help,
    build_note_added,
    build_notice,
    build_violation_logged,
)
from vpabot.bot.blocks.consultation import build_question_modal
from vpabot.bot.blocks.manager import build_pending_list
from vpabot.bot.blocks.reviews import build_stops_list
from vpabot.bot.blocks.severe import build_severe_question
from vpabot.bot.blocks.roster import build_status_changed
from vpabot.bot.blocks.stop_modals import build_stop_modal
from vpabot.bot.blocks.stops import build_stop_reply
from vpabot.bot.commands import grammar as g
from vpabot.bot.context import AppContext
from vpabot.bot.listeners.replies import Reply
from vpabot.bot.services.approvals import decide, pending
from vpabot.bot.services.assistants import add_assistant, change_status
from vpabot.bot.services.cg import cg_overview, record_acceptance
from vpabot.bot.services.consultations import answer_question, ask_manager
from vpabot.bot.services.common import require_assistant
from vpabot.bot.services.files import open_file, violation_label
from vpabot.bot.services.reviews import active_stops
from vpabot.bot.services.stops import (
    ReviewToken,
    StopOutcome,
    extend_stop,
    lift_stop,
    resign,
    set_stop,
)
from vpabot.bot.services.violations import add_note, log_violation
from vpabot.bot.services.withdrawal import withdraw_violation
from vpabot.policy.stops import StopKind, StopReason
from vpabot.storage.models import Violation

DEFAULT_STOP_DAYS = 14


def open_stop_modal(
    ctx: AppContext,
    client: WebClient,
    *,
    trigger_id: str,
    response_url: str = "",
    handle: str | None = None,
    violation_id: int | None = None,
    onboarding: bool = False,
) -> None:
    """The stop form, prefilled when it comes from a violation or a new assistant."""
    assistant = violation = None
    if handle:
        with ctx.read() as session:
            found = require_assistant(session, handle)
            assistant = (found.handle, found.name)
            chosen = session.get(Violation, violation_id) if violation_id is not None else None
            if chosen is not None and chosen.assistant_id == found.id:
                violation = (chosen.id, violation_label(ctx, chosen))
    view = build_stop_modal(
        ctx.t,
        metadata=json.dumps({"response_url": response_url}),
        default_until=ctx.today() + timedelta(days=DEFAULT_STOP_DAYS),
        assistant=assistant,
        kind=StopKind.CUSTOMERS if onboarding else StopKind.FULL,
        reason=StopReason.NEWBIE if onboarding else (StopReason.VIOLATION if violation else None),
        violation=violation,
    )
    client.views_open(trigger_id=trigger_id, view=view)


def stop_reply(ctx: AppContext, outcome: StopOutcome) -> dict[str, Any]:
    return build_stop_reply(
        ctx.t,
        action=outcome.action,
        name=outcome.name,
        handle=outcome.handle,
        kind=outcome.kind,
        until=outcome.until,
    )


def execute(
    ctx: AppContext,
    command: g.Command,
    *,
    user_id: str,
    reply: Reply,
    client: WebClient,
    trigger_id: str = "",
    response_url: str = "",
) -> None:
    """Run one parsed command as ``user_id``; answers go to ``reply``."""
    t = ctx.t
    metadata = json.dumps({"response_url": response_url})
    match command:
        case g.OpenModal(modal="stop"):
            open_stop_modal(ctx, client, trigger_id=trigger_id, response_url=response_url)
        case g.OpenModal(modal="violation"):
            client.views_open(trigger_id=trigger_id, view=build_violation_modal(t, ctx.tags, metadata=metadata))
        case g.OpenModal(modal="note"):
            client.views_open(trigger_id=trigger_id, view=build_note_modal(t, metadata=metadata))
        case g.OpenModal(modal="assistant"):
            client.views_open(trigger_id=trigger_id, view=build_assistant_modal(t, metadata=metadata))
        case g.AddAssistant(handle=handle, name=name):
            assistant = add_assistant(ctx, actor=user_id, handle=handle, name=name)
            reply(build_assistant_added(t, assistant.handle, assistant.name))
        case g.SetAssistantStatus(handle=handle, status=status):
            change = change_status(ctx, actor=user_id, handle=handle, status=status)
            reply(build_status_changed(t, change))
        case g.LogViolation(severe_word=word) if word:
            reply(build_severe_question(t, command))
        case g.LogViolation():
            logged = log_violation(
                ctx,
                actor=user_id,
                handle=command.handle,
                source=command.source,
                tag=command.tag,
                severe=command.severe,
                note=command.note,
            )
            reply(build_violation_logged(t, logged))
        case g.AddNote(handle=handle, text=text):
            reply(build_note_added(t, *add_note(ctx, actor=user_id, handle=handle, text=text)))
        case g.OpenFile(handle=handle):
            file = open_file(ctx, actor=user_id, handle=handle)
            reply(build_file(t, file, tags=ctx.tags, tz=ctx.settings.tz))
        case g.SetStop():
            outcome = set_stop(
                ctx,
                actor=user_id,
                handle=command.handle,
                kind=command.kind,
                until=command.until,
                reason=command.reason,
                note=command.note,
                violation_id=command.violation_id,
            )
            reply(stop_reply(ctx, outcome))
        case g.ExtendStop():
            outcome = extend_stop(
                ctx,
                actor=user_id,
                handle=command.handle,
                until=command.until,
                kind=command.kind,
                review=ReviewToken.decode(command.review) if command.review else None,
                typed=command.typed,
            )
            reply(stop_reply(ctx, outcome))
        case g.LiftStop():
            outcome = lift_stop(
                ctx,
                actor=user_id,
                handle=command.handle,
                note=command.note,
                review=ReviewToken.decode(command.review) if command.review else None,
            )
            reply(stop_reply(ctx, outcome))
        case g.Resign(handle=handle):
            outcome = resign(ctx, actor=user_id, handle=handle)
            reply(build_notice(t("reply.resigned", who=f"*{escape(outcome.name)}* (`{outcome.handle}`)")))
        case g.ListStops():
            overdue, _due_soon = cg_overview(ctx)
            reply(
                build_stops_list(
                    t, active_stops(ctx), cg_overdue=overdue, with_buttons=ctx.settings.is_admin(user_id)
                )
            )
        case g.AcceptCg(handle=handle, accepted_on=accepted_on):
            outcome = record_acceptance(ctx, actor=user_id, handle=handle, accepted_on=accepted_on)
            reply(build_acceptance_reply(t, outcome))
        case g.Withdraw(handle=handle, number=number, reason=reason):
            done = withdraw_violation(ctx, actor=user_id, handle=handle, number=number, reason=reason)
            who = f"*{escape(done.name)}* (`{done.handle}`)"
            reply(build_notice(t("reply.withdrawn", number=done.number, who=who)))
        case g.ListPending():
            cases = pending(ctx)
            reply(build_pending_list(t, cases, with_buttons=ctx.settings.is_manager(user_id)))
        case g.OpenModal(modal="question"):
            client.views_open(trigger_id=trigger_id, view=build_question_modal(t, metadata=metadata, assistant=None))
        case g.AskManager(handle=handle, question=question):
            asked = ask_manager(ctx, actor=user_id, handle=handle, question=question)
            reply(build_notice(t("question.sent", who=f"*{escape(asked.name)}* (`{asked.handle}`)")))
        case g.Decide(violation_id=violation_id, approve=approve, reason=reason):
            decide(ctx, actor=user_id, violation_id=violation_id, approve=approve, reason=reason)
        case g.AnswerQuestion(question_id=question_id, answer=answer):
            asker = answer_question(ctx, actor=user_id, question_id=question_id, answer=answer)
            reply(build_notice(t("question.thanks", by=f"<@{asker}>")))
        case g.ShowHelp():
            reply(build_help(t, ctx.tags))
