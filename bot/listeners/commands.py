"""What each ``/vpa`` command does, typed or submitted as a form: one handler per command.

A handler calls one use case and renders its result; it returns the reply payload (the
runner sends it) or opens a modal. Who may run it and whether it writes is declared here, in
the registration; the shell enforces it before the ack.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from vpabot.bot import payloads
from vpabot.bot.blocks.cg import build_acceptance_reply
from vpabot.bot.blocks.common import user, who
from vpabot.bot.blocks.consultation import build_question_modal
from vpabot.bot.blocks.file import build_file
from vpabot.bot.blocks.modals import Prefill, build_assistant_modal, build_note_modal, build_violation_modal
from vpabot.bot.blocks.replies import (
    build_assistant_added,
    build_help,
    build_note_added,
    build_notice,
    build_violation_logged,
)
from vpabot.bot.blocks.roster import build_status_changed
from vpabot.bot.blocks.severe import build_severe_question
from vpabot.bot.blocks.stop_modals import build_stop_modal
from vpabot.bot.blocks.stops import build_resign_question, build_stop_reply
from vpabot.bot.commands import grammar as g
from vpabot.bot.interactions.registry import Role, Turn, handles
from vpabot.bot.listeners.lists import pending_page, stops_page
from vpabot.bot.services.approvals import decide
from vpabot.bot.services.assistants import add_assistant, change_status
from vpabot.bot.services.cg import record_acceptance
from vpabot.bot.services.common import require_assistant
from vpabot.bot.services.consultations import answer_question, ask_manager
from vpabot.bot.services.files import open_file, violation_label
from vpabot.bot.services.stops import extend_stop, lift_stop, resign, resignable, set_stop
from vpabot.bot.results.stops import StopOutcome
from vpabot.bot.services.violations import add_note, ask_severe, log_violation
from vpabot.bot.services.withdrawal import withdraw_violation
from vpabot.policy.stops import StopKind, StopReason
from vpabot.storage.models import Violation

Reply = dict[str, Any] | None
DEFAULT_STOP_DAYS = 14


def stop_reply(turn: Turn, outcome: StopOutcome) -> dict[str, Any]:
    return build_stop_reply(
        turn.t, action=outcome.action, name=outcome.name, handle=outcome.handle, kind=outcome.kind, until=outcome.until
    )


def reply_to(turn: Turn) -> str:
    """A form opened now answers to this request's response_url when it is submitted."""
    return payloads.encode(payloads.ReplyTo(turn.origin.response_url))


@handles(g.ShowHelp, who=Role.STAFF, in_ack=True)
def show_help(turn: Turn, command: g.ShowHelp) -> Reply:
    return build_help(turn.t, turn.ctx.tags)


@handles(g.OpenModal, who=Role.ADMIN, modal=True)
def open_form(turn: Turn, command: g.OpenModal) -> Reply:
    t, ctx = turn.t, turn.ctx
    if command.modal == "stop":
        open_stop_form(turn, handle=command.handle)
        return None
    prefill = Prefill(assistant=chosen_assistant(turn, command.handle))
    views = {
        "violation": lambda: build_violation_modal(t, ctx.tags, metadata=reply_to(turn), prefill=prefill),
        "note": lambda: build_note_modal(t, metadata=reply_to(turn), prefill=prefill),
        "assistant": lambda: build_assistant_modal(t, metadata=reply_to(turn)),
        "question": lambda: build_question_modal(t, metadata=reply_to(turn), assistant=None),
    }
    turn.open_view(views[command.modal]())
    return None


def chosen_assistant(turn: Turn, handle: str | None) -> tuple[str, str] | None:
    """``(handle, name)`` of a typed handle; ``PolicyError`` if nobody has it."""
    if not handle:
        return None
    with turn.ctx.read() as session:
        found = require_assistant(session, handle)
        return found.handle, found.name


def open_stop_form(turn: Turn, *, handle: str | None, violation_id: int | None = None, onboarding: bool = False) -> None:
    """The stop form, prefilled when it comes from a violation or a new assistant."""
    ctx = turn.ctx
    assistant = violation = None
    if handle:
        with ctx.read() as session:
            found = require_assistant(session, handle)
            assistant = (found.handle, found.name)
            chosen = session.get(Violation, violation_id) if violation_id is not None else None
            if chosen is not None and chosen.assistant_id == found.id:
                violation = (chosen.id, violation_label(ctx, chosen))
    turn.open_view(
        build_stop_modal(
            turn.t,
            metadata=reply_to(turn),
            default_until=ctx.today() + timedelta(days=DEFAULT_STOP_DAYS),
            assistant=assistant,
            kind=StopKind.CUSTOMERS if onboarding else StopKind.FULL,
            reason=StopReason.NEWBIE if onboarding else (StopReason.VIOLATION if violation else None),
            violation=violation,
        )
    )


@handles(g.AddAssistant, who=Role.ADMIN, writes=True)
def add(turn: Turn, command: g.AddAssistant) -> Reply:
    assistant = add_assistant(turn.ctx, actor=turn.user_id, handle=command.handle, name=command.name)
    return build_assistant_added(turn.t, assistant.handle, assistant.name)


@handles(g.SetAssistantStatus, who=Role.ADMIN, writes=True)
def set_status(turn: Turn, command: g.SetAssistantStatus) -> Reply:
    change = change_status(turn.ctx, actor=turn.user_id, handle=command.handle, status=command.status)
    return build_status_changed(turn.t, change)


@handles(g.LogViolation, who=Role.ADMIN, writes=True)
def violation(turn: Turn, command: g.LogViolation) -> Reply:
    ctx = turn.ctx
    if command.severe_word:  # "schwer" may start the note ("schwer erreichbar"): ask first
        question_id = ask_severe(
            ctx,
            actor=turn.user_id,
            handle=command.handle,
            source=command.source,
            tag=command.tag,
            note=command.note,
            word=command.severe_word,
        )
        return build_severe_question(turn.t, command, question_id=question_id)
    logged = log_violation(
        ctx,
        actor=turn.user_id,
        handle=command.handle,
        source=command.source,
        tag=command.tag,
        severe=command.severe,
        note=command.note,
    )
    return build_violation_logged(turn.t, logged)


@handles(g.AddNote, who=Role.ADMIN, writes=True)
def note(turn: Turn, command: g.AddNote) -> Reply:
    return build_note_added(turn.t, *add_note(turn.ctx, actor=turn.user_id, handle=command.handle, text=command.text))


@handles(g.OpenFile, who=Role.STAFF)
def file(turn: Turn, command: g.OpenFile) -> Reply:
    found = open_file(turn.ctx, actor=turn.user_id, handle=command.handle)
    return build_file(turn.t, found, tags=turn.ctx.tags, tz=turn.ctx.settings.tz)


@handles(g.SetStop, who=Role.ADMIN, writes=True)
def stop(turn: Turn, command: g.SetStop) -> Reply:
    outcome = set_stop(
        turn.ctx,
        actor=turn.user_id,
        handle=command.handle,
        kind=command.kind,
        until=command.until,
        reason=command.reason,
        note=command.note,
        violation_id=command.violation_id,
    )
    return stop_reply(turn, outcome)


@handles(g.ExtendStop, who=Role.ADMIN, writes=True)
def extend(turn: Turn, command: g.ExtendStop) -> Reply:
    outcome = extend_stop(
        turn.ctx,
        actor=turn.user_id,
        handle=command.handle,
        until=command.until,
        kind=command.kind,
        review=command.review,
        typed=command.typed,
    )
    return stop_reply(turn, outcome)


@handles(g.LiftStop, who=Role.ADMIN, writes=True)
def lift(turn: Turn, command: g.LiftStop) -> Reply:
    outcome = lift_stop(turn.ctx, actor=turn.user_id, handle=command.handle, note=command.note, review=command.review)
    return stop_reply(turn, outcome)


@handles(g.Resign, who=Role.ADMIN, writes=True)
def resigned(turn: Turn, command: g.Resign) -> Reply:
    """Ending a collaboration cannot be undone: typed, it is asked with a confirm dialog first."""
    if not command.confirmed:
        handle, name = resignable(turn.ctx, handle=command.handle)
        return build_resign_question(turn.t, handle=handle, name=name)
    outcome = resign(turn.ctx, actor=turn.user_id, handle=command.handle)
    key = "reply.resigned_stop_kept" if outcome.action == "kept" else "reply.resigned"
    return build_notice(turn.t(key, who=who(outcome.name, outcome.handle)))


@handles(g.ListStops, who=Role.STAFF)
def stops(turn: Turn, command: g.ListStops) -> Reply:
    return stops_page(turn, 0)


@handles(g.AcceptCg, who=Role.ADMIN, writes=True)
def accept_cg(turn: Turn, command: g.AcceptCg) -> Reply:
    outcome = record_acceptance(turn.ctx, actor=turn.user_id, handle=command.handle, accepted_on=command.accepted_on)
    return build_acceptance_reply(turn.t, outcome)


@handles(g.Withdraw, who=Role.ADMIN, writes=True)
def withdraw(turn: Turn, command: g.Withdraw) -> Reply:
    done = withdraw_violation(
        turn.ctx, actor=turn.user_id, handle=command.handle, number=command.number, reason=command.reason
    )
    return build_notice(turn.t("reply.withdrawn", number=done.number, who=who(done.name, done.handle)))


@handles(g.ListPending, who=Role.STAFF)
def pending_cases(turn: Turn, command: g.ListPending) -> Reply:
    return pending_page(turn, 0)


@handles(g.AskManager, who=Role.ADMIN, writes=True)
def ask(turn: Turn, command: g.AskManager) -> Reply:
    asked = ask_manager(turn.ctx, actor=turn.user_id, handle=command.handle, question=command.question)
    return build_notice(turn.t("question.sent", who=who(asked.name, asked.handle)))


@handles(g.Decide, who=Role.MANAGER, writes=True)
def decision(turn: Turn, command: g.Decide) -> Reply:
    decide(turn.ctx, actor=turn.user_id, violation_id=command.violation_id, approve=command.approve, reason=command.reason)
    return None  # every manager's request message shows the outcome (through the outbox)


@handles(g.AnswerQuestion, who=Role.MANAGER, writes=True)
def answer(turn: Turn, command: g.AnswerQuestion) -> Reply:
    asker = answer_question(turn.ctx, actor=turn.user_id, question_id=command.question_id, answer=command.answer)
    return build_notice(turn.t("question.thanks", by=user(asker)))
