"""Button clicks: decode the button's typed value into a command, and handle those commands.

``decode_click`` is pure and runs before the ack; a value that does not decode (forged,
garbled, from an old message format) is a polite refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from vpabot.bot import payloads
from vpabot.bot.mrkdwn import unescape
from vpabot.bot.blocks.admin import build_admin_outcome
from vpabot.bot.blocks.common import fmt_instant
from vpabot.bot.blocks.consultation import build_answer_modal, build_question_modal, build_reject_modal
from vpabot.bot.blocks.file import build_file, build_file_modal
from vpabot.bot.labels import step_label
from vpabot.bot.blocks.replies import build_violation_logged
from vpabot.bot.blocks.stop_modals import build_extend_modal, build_lift_modal
from vpabot.bot.commands import clicks as c
from vpabot.bot.commands import grammar as g
from vpabot.bot.context import AppContext
from vpabot.bot.blocks.modals import Prefill, build_violation_modal
from vpabot.bot.ids import Action, Shortcut
from vpabot.bot.interactions.origin import Origin
from vpabot.bot.interactions.registry import Role, Turn, handles
from vpabot.bot.listeners import lists  # noqa: F401 - registers the paging handlers
from vpabot.bot.listeners.commands import DEFAULT_STOP_DAYS, open_stop_form, reply_to, stop_reply
from vpabot.bot.services.approvals import mark_communicated, still_pending
from vpabot.bot.services.cg import lift_cg_stop
from vpabot.bot.services.common import require_assistant
from vpabot.bot.services.files import open_file
from vpabot.bot.services.home import retry_dead_message
from vpabot.bot.services.stops import check_review, set_cg_stop
from vpabot.bot.services.violations import answer_severe
from vpabot.policy.catalogue import Source
from vpabot.policy.errors import PolicyError
from vpabot.policy.notes import NoteKind
from vpabot.policy.stops import ReviewToken
from vpabot.storage.models import Note

Reply = dict[str, Any] | None
Decoder = Callable[[str], Any]


def _value(cls: type, build: Callable[[Any], Any]) -> Decoder:
    return lambda raw: build(payloads.decode(cls, raw))


def _review(action: str) -> Decoder:
    return _value(ReviewToken, lambda token: c.OpenReviewForm(token.stop_id, token.until, action))


CLICKS: dict[str, Decoder] = {
    f"{Action.FILE_PAGE}_prev": _value(payloads.FilePage, lambda v: c.ShowFilePage(v.handle, v.page)),
    f"{Action.FILE_PAGE}_next": _value(payloads.FilePage, lambda v: c.ShowFilePage(v.handle, v.page)),
    Action.OPEN_FILE: _value(payloads.HandleRef, lambda v: c.ShowFile(v.handle or "")),
    Action.STOP_OPEN: _value(payloads.StopOpen, lambda v: c.OpenStopForm(v.handle, v.violation_id, v.onboarding)),
    Action.REVIEW_LIFT: _review(Action.REVIEW_LIFT),
    Action.REVIEW_EXTEND: _review(Action.REVIEW_EXTEND),
    Action.REVIEW_CONVERT: _review(Action.REVIEW_CONVERT),
    Action.SEVERE_CONFIRM: _value(payloads.SevereRef, lambda v: c.AnswerSevere(v.question_id, True)),
    Action.SEVERE_DECLINE: _value(payloads.SevereRef, lambda v: c.AnswerSevere(v.question_id, False)),
    Action.APPROVAL_APPROVE: _value(payloads.CaseRef, lambda v: g.Decide(v.violation_id, approve=True)),
    Action.APPROVAL_REJECT: _value(payloads.CaseRef, lambda v: c.OpenRejectForm(v.violation_id)),
    Action.COMMUNICATED: _value(payloads.CaseRef, lambda v: c.MarkCommunicated(v.violation_id)),
    Action.CONSULT_ASK: _value(payloads.HandleRef, lambda v: c.OpenQuestionForm(v.handle)),
    Action.CONSULT_ANSWER: _value(payloads.QuestionRef, lambda v: c.OpenAnswerForm(v.note_id)),
    Action.CG_STOP_SET: _value(payloads.HandleRef, lambda v: c.SetCgStop(v.handle or "")),
    Action.CG_STOP_LIFT: _value(ReviewToken, lambda token: c.LiftCgStop(token.stop_id, token.until)),
    Action.OUTBOX_RETRY: _value(payloads.MessageRef, lambda v: c.RetryMessage(v.message_id)),
    Action.RESIGN_CONFIRM: _value(payloads.HandleRef, lambda v: g.Resign(v.handle or "", confirmed=True)),
    # The Home's file search: the picked option's value is the handle (like the forms' picker).
    Action.HOME_FILE_SEARCH: lambda handle: c.ShowFile(handle or ""),
    **{
        f"{action}_{way}": decoder
        for action, decoder in (
            (Action.STOPS_PAGE, _value(payloads.ListPage, lambda v: c.ShowStopsPage(v.offset))),
            (Action.PENDING_PAGE, _value(payloads.ListPage, lambda v: c.ShowPendingPage(v.offset))),
            (Action.HOME_PAGE, _value(payloads.HomePages, c.ShowHomePage)),
        )
        for way in ("prev", "next")
    },
}
# The answer replaces the clicked message instead of coming below it (turning a page).
REPLACES = {f"{Action.FILE_PAGE}_prev", f"{Action.FILE_PAGE}_next", Action.SEVERE_CONFIRM, Action.SEVERE_DECLINE,
            Action.COMMUNICATED, Action.RESIGN_CONFIRM,
            *(f"{a}_{way}" for a in (Action.STOPS_PAGE, Action.PENDING_PAGE) for way in ("prev", "next"))}


def decode_click(ctx: AppContext, action: dict[str, Any], origin: Origin) -> tuple[Any, Origin]:
    """``(command, origin)`` for one clicked button; ``PolicyError`` if it makes no sense."""
    action_id = str(action.get("action_id") or "")
    decoder = CLICKS.get(action_id)
    if decoder is None:
        raise PolicyError("payload_invalid")
    # A button sends its value; a picker (the Home's file search) the option it was set to.
    raw = action.get("value") if "value" in action else (action.get("selected_option") or {}).get("value")
    command = decoder(raw)
    return command, origin.replacing() if action_id in REPLACES else origin


def opens_over_home(origin: Origin) -> bool:
    """A file asked for on the App Home opens as a modal over it (``file_page``)."""
    return origin.on_home and not origin.view_id


@handles(c.ShowFilePage, who=Role.STAFF, modal=opens_over_home)
def file_page(turn: Turn, command: c.ShowFilePage) -> Reply:
    """The file where it was asked for: over the App Home as a modal (Home has no message to
    answer below), turned in place inside that modal, else as a message."""
    found = open_file(turn.ctx, actor=turn.user_id, handle=command.handle, page=max(command.page, 0))
    tags, tz = turn.ctx.tags, turn.ctx.settings.tz
    if turn.origin.view_id:
        turn.client.views_update(view_id=turn.origin.view_id, view=build_file_modal(turn.t, found, tags=tags, tz=tz))
        return None
    if turn.origin.on_home:
        turn.open_view(build_file_modal(turn.t, found, tags=tags, tz=tz))
        return None
    return build_file(turn.t, found, tags=tags, tz=tz)


@handles(c.ShowFile, who=Role.STAFF, modal=opens_over_home)
def show_file(turn: Turn, command: c.ShowFile) -> Reply:
    """'Akte öffnen' (a case, a question, an App Home row) and the Home's file search."""
    return file_page(turn, c.ShowFilePage(command.handle, 0))


@handles(c.OpenStopForm, who=Role.ADMIN, modal=True)
def stop_form(turn: Turn, command: c.OpenStopForm) -> Reply:
    open_stop_form(turn, handle=command.handle, violation_id=command.violation_id, onboarding=command.onboarding)
    return None


@handles(c.OpenReviewForm, who=Role.ADMIN, modal=True)
def review_form(turn: Turn, command: c.OpenReviewForm) -> Reply:
    """A review button: still undecided? then the form for the decision."""
    ctx, t = turn.ctx, turn.t
    token = ReviewToken(command.stop_id, command.until)
    with ctx.read() as session:
        stop = check_review(ctx, session, token)
        handle, name, kind = stop.assistant.handle, stop.assistant.name, stop.kind
    # The reminder is a DM: the decision's answer comes there as a message of its own.
    form = payloads.StopForm(handle=handle, review=token)
    default_until = ctx.today() + timedelta(days=DEFAULT_STOP_DAYS)
    if command.action == Action.REVIEW_LIFT:
        view = build_lift_modal(t, metadata=payloads.encode(form), name=name)
    elif command.action == Action.REVIEW_EXTEND:
        view = build_extend_modal(t, metadata=payloads.encode(form), name=name, default_until=default_until)
    else:
        form = payloads.StopForm(handle, token, kind.other.value)
        view = build_extend_modal(
            t, metadata=payloads.encode(form), name=name, default_until=default_until, convert_to=kind.other
        )
    turn.open_view(view)
    return None


@handles(c.AnswerSevere, who=Role.ADMIN, writes=True)
def severity_answered(turn: Turn, command: c.AnswerSevere) -> Reply:
    """The admin's answer to 'really severe?': only now is the violation written."""
    logged = answer_severe(turn.ctx, actor=turn.user_id, question_id=command.question_id, severe=command.severe)
    return build_violation_logged(turn.t, logged)


@handles(c.OpenRejectForm, who=Role.MANAGER, modal=True)
def reject_form(turn: Turn, command: c.OpenRejectForm) -> Reply:
    """Rejecting needs a reason: a modal, if the case is still open."""
    case = still_pending(turn.ctx, command.violation_id)
    form = payloads.CaseForm(case.violation_id, turn.origin.response_url)
    view = build_reject_modal(
        turn.t, metadata=payloads.encode(form), step=step_label(turn.t, case.step, case.severe), name=case.name
    )
    turn.open_view(view)
    return None


@handles(c.MarkCommunicated, who=Role.ADMIN, writes=True)
def communicated(turn: Turn, command: c.MarkCommunicated) -> Reply:
    done = mark_communicated(turn.ctx, actor=turn.user_id, violation_id=command.violation_id)
    when = fmt_instant(turn.ctx.local(done.at), turn.t.lang)
    return build_admin_outcome(turn.t, done.case, approved=True, by=done.decided_by, reason=None, communicated=when)


@handles(c.OpenQuestionForm, who=Role.ADMIN, modal=True)
def question_form(turn: Turn, command: c.OpenQuestionForm) -> Reply:
    """'VPA Manager fragen' in a reply (opens a modal) or inside the stop form (pushes one)."""
    assistant = None
    if command.handle:
        with turn.ctx.read() as session:
            found = require_assistant(session, command.handle)
            assistant = (found.handle, found.name)
    metadata = payloads.encode(payloads.ReplyTo(turn.origin.response_url))
    turn.open_view(build_question_modal(turn.t, metadata=metadata, assistant=assistant))
    return None


@handles(c.OpenAnswerForm, who=Role.MANAGER, modal=True)
def answer_form(turn: Turn, command: c.OpenAnswerForm) -> Reply:
    with turn.ctx.read() as session:
        question = session.get(Note, command.question_id)
        if question is None or question.kind != NoteKind.QUESTION:
            raise PolicyError("question_unknown")
        text = question.text
    form = payloads.AnswerForm(command.question_id, turn.origin.response_url)
    turn.open_view(build_answer_modal(turn.t, metadata=payloads.encode(form), question=text))
    return None


@handles(c.SetCgStop, who=Role.ADMIN, writes=True)
def cg_stop(turn: Turn, command: c.SetCgStop) -> Reply:
    return stop_reply(turn, set_cg_stop(turn.ctx, actor=turn.user_id, handle=command.handle))


@handles(c.LiftCgStop, who=Role.ADMIN, writes=True)
def cg_lift(turn: Turn, command: c.LiftCgStop) -> Reply:
    token = ReviewToken(command.stop_id, command.until)
    return stop_reply(turn, lift_cg_stop(turn.ctx, actor=turn.user_id, token=token))


@handles(c.RetryMessage, who=Role.ADMIN, writes=True)
def retry(turn: Turn, command: c.RetryMessage) -> Reply:
    retry_dead_message(turn.ctx, actor=turn.user_id, message_id=command.message_id)
    return None


# --- shortcuts ---------------------------------------------------------------------------------

# Channel names the agency gives its client channels: a message from there is most likely a
# client complaint (seed rule 6: Kundenbeschwerde is one of the four sources).
CLIENT_CHANNEL_WORDS = ("kunde", "client", "customer")


def decode_shortcut(body: dict[str, Any]) -> Any:
    """The command behind a global or message shortcut; ``PolicyError`` for an unknown one."""
    callback = body.get("callback_id")
    if callback == Shortcut.LOG_VIOLATION:
        return g.OpenModal("violation")
    if callback == Shortcut.FILE_MESSAGE:
        message, channel = body.get("message") or {}, body.get("channel") or {}
        return c.FileMessage(
            channel_id=str(channel.get("id") or ""),
            channel_name=str(channel.get("name") or ""),
            message_ts=str(message.get("ts") or ""),
            text=unescape(str(message.get("text") or "")),
        )
    raise PolicyError("payload_invalid")


@handles(c.FileMessage, who=Role.ADMIN, modal=True)
def file_message(turn: Turn, command: c.FileMessage) -> Reply:
    try:
        link = turn.client.chat_getPermalink(channel=command.channel_id, message_ts=command.message_ts)["permalink"]
    except SlackApiError:  # e.g. a private channel or DM without the bot: the text still helps
        link = ""
    from_client = any(word in command.channel_name.lower() for word in CLIENT_CHANNEL_WORDS)
    # the link goes first: a long message is clipped at the field's limit, the link never
    note = f"{link}\n{command.text}".strip()
    prefill = Prefill(note=note, source=Source.COMPLAINT if from_client else None)
    turn.open_view(build_violation_modal(turn.t, turn.ctx.tags, metadata=reply_to(turn), prefill=prefill))
    return None
