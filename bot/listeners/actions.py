"""Button clicks. Each one is checked against who may click it."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from vpabot.bot.blocks.file import build_file
from vpabot.bot.blocks.replies import build_notice, build_violation_logged
from vpabot.bot.blocks.stop_modals import build_extend_modal, build_lift_modal
from vpabot.bot.commands.run import DEFAULT_STOP_DAYS, open_stop_modal
from vpabot.bot.context import AppContext
from vpabot.bot.ids import Action
from vpabot.bot.listeners.replies import friendly_errors, via_response_url
from vpabot.bot.services.files import open_file
from vpabot.bot.services.violations import log_violation
from vpabot.policy.catalogue import Source
from vpabot.bot.services.stops import ReviewToken, check_review
from vpabot.policy.stops import StopKind


def register(app: App, ctx: AppContext) -> None:
    t = ctx.t

    def ack_only(ack: Ack) -> None:
        ack()

    def refuse(respond: Respond, key: str) -> None:
        respond(response_type="ephemeral", replace_original=False, **build_notice(t(key)))

    def ephemeral(respond: Respond) -> Any:
        return via_response_url(lambda **kw: respond(replace_original=False, **kw))

    def show_file(user_id: str, handle: str, page: int, respond: Respond, *, replace: bool) -> None:
        if not ctx.settings.is_staff(user_id):
            refuse(respond, "error.not_staff")
            return
        reply = via_response_url(lambda **kw: respond(replace_original=replace, **kw))
        with friendly_errors(t, reply):
            file = open_file(ctx, actor=user_id, handle=handle, page=page)
            reply(build_file(t, file, tags=ctx.tags, tz=ctx.settings.tz))

    def turn_page(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        handle, _, page = action["value"].rpartition(":")
        show_file(body["user"]["id"], handle, int(page or 0), respond, replace=True)

    def open_from_button(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        show_file(body["user"]["id"], action["value"], 0, respond, replace=False)

    def stop_from_button(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """'VT-Stop setzen' under a violation or a new assistant: the form, prefilled."""
        if not ctx.settings.is_admin(body["user"]["id"]):
            refuse(respond, "error.not_admin")
            return
        handle, violation_id, onboarding = (action["value"].split(":") + ["", ""])[:3]
        with friendly_errors(t, ephemeral(respond)):
            open_stop_modal(
                ctx,
                client,
                trigger_id=body["trigger_id"],
                response_url=body.get("response_url", ""),
                handle=handle,
                violation_id=int(violation_id) if violation_id else None,
                onboarding=onboarding == "newbie",
            )

    def review(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """A review button: still undecided? then the modal for the decision."""
        if not ctx.settings.is_admin(body["user"]["id"]):
            refuse(respond, "error.not_admin")
            return
        with friendly_errors(t, ephemeral(respond)):
            token = ReviewToken.decode(action["value"])
            with ctx.read() as session:
                stop = check_review(ctx, session, token)
                handle, name, kind = stop.assistant.handle, stop.assistant.name, StopKind(stop.kind)
            meta: dict[str, Any] = {"handle": handle, "review": token.encode()}
            default_until = ctx.today() + timedelta(days=DEFAULT_STOP_DAYS)
            if action["action_id"] == Action.REVIEW_LIFT:
                view = build_lift_modal(t, metadata=json.dumps(meta), name=name)
            elif action["action_id"] == Action.REVIEW_EXTEND:
                view = build_extend_modal(t, metadata=json.dumps(meta), name=name, default_until=default_until)
            else:
                meta["kind"] = kind.other.value
                view = build_extend_modal(
                    t, metadata=json.dumps(meta), name=name, default_until=default_until, convert_to=kind.other
                )
            client.views_open(trigger_id=body["trigger_id"], view=view)

    def severity_answered(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """The admin's answer to 'really severe?': only now is the violation written."""
        user_id = body["user"]["id"]
        if not ctx.settings.is_admin(user_id):
            refuse(respond, "error.not_admin")
            return
        case = json.loads(action["value"])
        severe = action["action_id"] == Action.SEVERE_CONFIRM
        reply = via_response_url(lambda **kw: respond(replace_original=True, **kw))
        with friendly_errors(t, reply):
            logged = log_violation(
                ctx,
                actor=user_id,
                handle=case["h"],
                source=Source(case["s"]),
                tag=ctx.tags.parse(case["t"]),
                severe=severe,
                # "schwer erreichbar": the word belonged to the note after all
                note=case["n"] if severe else f"{case['w']} {case['n']}",
                once=case.get("k"),
            )
            reply(build_violation_logged(t, logged))
        ctx.kick_outbox()

    app.action(re.compile(rf"^{Action.FILE_PAGE}_(prev|next)$"))(ack=ack_only, lazy=[turn_page])
    for answer in (Action.SEVERE_CONFIRM, Action.SEVERE_DECLINE):
        app.action(answer.value)(ack=ack_only, lazy=[severity_answered])
    app.action(Action.OPEN_FILE.value)(ack=ack_only, lazy=[open_from_button])
    app.action(Action.STOP_OPEN.value)(ack=ack_only, lazy=[stop_from_button])
    for review_action in (Action.REVIEW_LIFT, Action.REVIEW_EXTEND, Action.REVIEW_CONVERT):
        app.action(review_action.value)(ack=ack_only, lazy=[review])
