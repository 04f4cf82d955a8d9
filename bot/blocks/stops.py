"""VT-Stop messages: team announcements (no personal data), replies, lists, reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from vpabot.bot.blocks.common import button, confirm_dialog, context, fmt_date, message, section, user, who
from vpabot.bot.datefmt import fmt_date_for_slack
from vpabot.bot.i18n import Translator
from vpabot.bot.labels import stored_label
from vpabot.bot.ids import Action
from vpabot.bot.payloads import HandleRef, StopOpen
from vpabot.bot.results.stops import ActiveStop
from vpabot.policy.stops import StopKind


def kind_label(t: Translator, kind: StopKind | str) -> str:
    return stored_label(t, "stop.kind", kind)


def kind_meaning(t: Translator, kind: StopKind | str) -> str:
    return stored_label(t, "stop.meaning", kind)


def period(t: Translator, until: date | None, *, tz: Any = None) -> str:
    """"bis 31.12.2026" or "unbefristet"; with ``tz`` the date is Slack's reader-local form,
    for messages read later (see ``datefmt.fmt_date_for_slack``)."""
    if until is None:
        return t("stop.open_ended")
    return t("stop.until", date=fmt_date_for_slack(until, t.lang, tz) if tz else fmt_date(until, t.lang))


def stop_line(t: Translator, stop: ActiveStop) -> str:
    """One active stop as `/vpa stops` and App Home list it: overdue flag, who, kind, since,
    until, set by."""
    return t(
        "stops.line",
        flag=t("stops.overdue") + " " if stop.overdue else "",
        who=who(stop.name, stop.handle),
        kind=kind_label(t, stop.kind),
        since=fmt_date(stop.starts_on, t.lang),
        period=period(t, stop.until),
        by=user(stop.set_by),
    )


def build_announcement(
    t: Translator,
    *,
    action: str,
    name: str,
    handle: str,
    kind: StopKind,
    until: date | None,
    by: str,
    tz: Any = None,
) -> dict[str, Any]:
    """For the whole team. Names the assistant, the kind and the period – never the
    violation, its note or its step: those stay with admins and managers. With ``tz`` the end
    date is shown in each reader's locale (the channel is read later, by everyone)."""
    named = who(name, handle)
    text = t(
        f"announce.{action}",
        who=named,
        kind=kind_label(t, kind),
        meaning=kind_meaning(t, kind),
        period=period(t, until, tz=tz),
        by=user(by),
    )
    blocks = [section(text)]
    if action != "lifted":
        # An open-ended stop follows the end of a collaboration (or missing CG acceptance):
        # the "time to improve" line would ring false there.
        blocks.append(context(t("announce.not_a_punishment" if until else "announce.open_ended")))
    plain = t(f"announce.{action}.plain", name=name, kind=kind_label(t, kind))
    return message(plain, blocks)


def build_stop_reply(t: Translator, *, action: str, name: str, handle: str, kind: StopKind, until: date | None) -> dict[str, Any]:
    named = who(name, handle)
    text = t(f"reply.stop.{action}", who=named, kind=kind_label(t, kind), period=period(t, until))
    blocks = [section(text)]
    if action in ("set", "changed") and until is not None:
        blocks.append(context(t("reply.stop.tell_openly", period=period(t, until), name=name)))
    return message(text, blocks)


def stop_button(
    t: Translator, *, handle: str, violation_id: int | None = None, onboarding: bool = False
) -> ButtonElement:
    """Opens the stop form prefilled: after a violation, or for a newcomer's onboarding."""
    value = StopOpen(handle, violation_id, onboarding)
    label = t("button.stop_customers") if onboarding else t("button.stop")
    return button(label, Action.STOP_OPEN, value)


def build_resign_question(t: Translator, *, handle: str, name: str) -> dict[str, Any]:
    """'/vpa gekuendigt': what will happen, and one button behind Slack's confirm dialog."""
    named = who(name, handle)
    text = t("resign.question", who=named)
    dialog = confirm_dialog(
        t("resign.confirm.title"), t("resign.confirm.text", name=name), t("resign.confirm.yes"), t("modal.cancel")
    )
    action = button(t("resign.button"), Action.RESIGN_CONFIRM, HandleRef(handle), style="danger", confirm=dialog)
    return message(text, [section(text), ActionsBlock(elements=[action])])
