"""Clicks in the VPA manager loop: approve, reject, 'Mitgeteilt', ask and answer."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from vpabot.bot.blocks.admin import build_admin_outcome
from vpabot.bot.blocks.consultation import build_answer_modal, build_question_modal, build_reject_modal
from vpabot.bot.blocks.labels import step_label
from vpabot.bot.context import AppContext
from vpabot.bot.datefmt import fmt_instant
from vpabot.bot.ids import Action
from vpabot.bot.listeners.home import refresh_home
from vpabot.bot.listeners.replies import friendly_errors, to_clicker, via_response_url
from vpabot.bot.services.approvals import decide, mark_communicated, still_pending
from vpabot.bot.services.common import require_assistant
from vpabot.policy.errors import PolicyError
from vpabot.storage.models import Note


def register(app: App, ctx: AppContext) -> None:
    t = ctx.t

    def ack_only(ack: Ack) -> None:
        ack()

    def ephemeral(respond: Respond) -> Any:
        return via_response_url(lambda **kw: respond(replace_original=False, **kw))

    def approve(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        user_id = body["user"]["id"]
        # to_clicker: the buttons are on App Home too, where Slack gives no response_url.
        with friendly_errors(t, to_clicker(respond, client, user_id)):
            decide(ctx, actor=user_id, violation_id=int(action["value"]), approve=True)
        ctx.kick_outbox()
        refresh_home(ctx, client, user_id)

    def reject(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """Rejecting needs a reason: a modal, if the case is still open and the clicker may."""
        user_id = body["user"]["id"]
        with friendly_errors(t, to_clicker(respond, client, user_id)):
            if not ctx.settings.is_manager(user_id):
                raise PolicyError("not_manager")
            violation = still_pending(ctx, int(action["value"]))
            view = build_reject_modal(
                t,
                metadata=json.dumps({"violation_id": violation.violation_id}),
                step=step_label(t, violation.step, violation.severe),
                name=violation.name,
            )
            client.views_open(trigger_id=body["trigger_id"], view=view)

    def communicated(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        user_id = body["user"]["id"]
        with friendly_errors(t, ephemeral(respond)):
            done = mark_communicated(ctx, actor=user_id, violation_id=int(action["value"]))
            when = fmt_instant(ctx.local(done.at), ctx.t.lang)
            payload = build_admin_outcome(
                t, done.case, approved=True, by=done.decided_by, reason=None, communicated=when
            )
            respond(replace_original=True, **payload)

    def ask(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """'VPA Manager fragen' in a reply (opens a modal) or inside the stop form (pushes one)."""
        user_id = body["user"]["id"]
        in_modal = body.get("container", {}).get("type") == "view"
        # Inside the stop form there is no message to answer under: to_clicker then DMs.
        with friendly_errors(t, to_clicker(respond, client, user_id)):
            if not ctx.settings.is_admin(user_id):
                raise PolicyError("not_admin")
            handle = action.get("value", "-")
            assistant = None
            if handle and handle != "-":
                with ctx.read() as session:
                    found = require_assistant(session, handle)
                    assistant = (found.handle, found.name)
            response_url = body.get("response_url", "")
            view = build_question_modal(t, metadata=json.dumps({"response_url": response_url}), assistant=assistant)
            if in_modal:
                client.views_push(trigger_id=body["trigger_id"], view=view)
            else:
                client.views_open(trigger_id=body["trigger_id"], view=view)

    def answer(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        user_id = body["user"]["id"]
        with friendly_errors(t, ephemeral(respond)):
            if not ctx.settings.is_manager(user_id):
                raise PolicyError("not_manager")
            with ctx.read() as session:
                question = session.get(Note, int(action["value"]))
                if question is None or question.kind != "question":
                    raise PolicyError("question_unknown")
                text = question.text
            view = build_answer_modal(t, metadata=json.dumps({"question_id": int(action["value"])}), question=text)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    app.action(Action.APPROVAL_APPROVE.value)(ack=ack_only, lazy=[approve])
    app.action(Action.APPROVAL_REJECT.value)(ack=ack_only, lazy=[reject])
    app.action(Action.COMMUNICATED.value)(ack=ack_only, lazy=[communicated])
    app.action(Action.CONSULT_ASK.value)(ack=ack_only, lazy=[ask])
    app.action(Action.CONSULT_ANSWER.value)(ack=ack_only, lazy=[answer])
