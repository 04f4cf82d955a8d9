"""CG re-acceptance: the reply to ``/vpa cg``, the daily digest, the flag in file and stop list."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from vpabot.bot.blocks.common import (
    button,
    confirm_dialog,
    context,
    fmt_date,
    header,
    message,
    section,
    sections_from_lines,
    who,
)
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action
from vpabot.bot.payloads import HandleRef
from vpabot.policy.stops import ReviewToken
from vpabot.policy.cg import CgState, CgStatus

from vpabot.bot.results.cg import AcceptanceOutcome, CgEntry
from vpabot.bot.results.listing import Listing

DIGEST_LINES = 40  # per part: read at a glance, a few blocks, far inside the 50-block limit


def _who(name: str, handle: str) -> str:
    return who(name, handle)


def cg_stop_button(t: Translator, handle: str) -> ButtonElement:
    """Full, open-ended VT-Stop with reason "CG nicht akzeptiert" (admins only, checked on click)."""
    dialog = confirm_dialog(t("cg.confirm.title"), t("cg.confirm.text"), t("cg.confirm.yes"), t("modal.cancel"))
    return button(t("cg.button.stop"), Action.CG_STOP_SET, HandleRef(handle), style="danger", confirm=dialog)


def cg_lift_button(t: Translator, token: ReviewToken) -> ButtonElement:
    return button(t("cg.button.lift"), Action.CG_STOP_LIFT, token, style="primary")


def build_acceptance_reply(t: Translator, outcome: AcceptanceOutcome) -> dict[str, Any]:
    who = _who(outcome.name, outcome.handle)
    lang = t.lang
    key = "cg.reply.recorded" if outcome.changed else "cg.reply.same"
    text = t(
        key,
        who=who,
        date=fmt_date(outcome.accepted_on, lang),
        due=fmt_date(outcome.status.due_on, lang),
    )
    blocks: list[Block] = [section(text)]
    if outcome.status.blocks_collaboration:
        blocks.append(
            section(t("cg.reply.still_overdue", due=fmt_date(outcome.status.due_on, lang)))
        )
    if outcome.lift_offer is not None:
        blocks.append(section(t("cg.reply.lift_offer", who=who)))
        blocks.append(ActionsBlock(elements=[cg_lift_button(t, outcome.lift_offer)]))
    return message(text, blocks)


def _status_text(t: Translator, state: CgState, due_on: date | None) -> str:
    if state is CgState.NEVER:
        return t("cg.status.never")
    key = "cg.status.overdue" if state is CgState.OVERDUE else "cg.status.due"
    return t(key, due=fmt_date(due_on, t.lang))


def cg_file_blocks(
    t: Translator, *, handle: str, accepted_on: date | None, status: CgStatus, cg_stop: bool
) -> list[Block]:
    """The CG line of the file; an overdue one is flagged, with the stop offer or the stop."""
    lang = t.lang
    if not status.blocks_collaboration:
        key = "cg.file.due_soon" if status.state is CgState.DUE_SOON else "cg.file.ok"
        return [
            context(t(key, accepted=fmt_date(accepted_on, lang), due=fmt_date(status.due_on, lang)))
        ]
    if status.state is CgState.NEVER:
        flag = t("cg.file.never")
    else:
        flag = t(
            "cg.file.overdue",
            accepted=fmt_date(accepted_on, lang),
            due=fmt_date(status.due_on, lang),
        )
    if cg_stop:
        return [section(flag), context(t("cg.file.stopped"))]
    return [section(flag + "\n" + t("cg.file.offer_stop"), accessory=cg_stop_button(t, handle))]


def cg_overdue_blocks(
    t: Translator, overdue: Listing[CgEntry], *, max_blocks: int, with_buttons: bool
) -> list[Block]:
    """The `/vpa stops` section of assistants without a valid acceptance, one block each.

    ``overdue`` holds the first entries and the total: the rest is counted, not listed.
    """
    if not overdue or max_blocks < 2:
        return []
    blocks: list[Block] = [section(t("cg.stops.title", count=overdue.total))]
    room = max_blocks - 1
    shown = overdue.items if overdue.total <= room else overdue.items[: room - 1]
    for entry in shown:
        line = t(
            "cg.stops.line",
            who=_who(entry.name, entry.handle),
            status=_status_text(t, entry.state, entry.due_on),
        )
        if entry.cg_stop:
            blocks.append(section(line + t("cg.stops.stopped")))
        elif entry.other_stop:
            blocks.append(section(line + t("cg.stops.other_stop")))
        else:
            blocks.append(
                section(line, accessory=cg_stop_button(t, entry.handle) if with_buttons else None)
            )
    if len(shown) < overdue.total:
        blocks.append(context(t.plural("cg.more_on_home", overdue.total - len(shown))))
    return blocks


def _part(t: Translator, title: str, lines: list[str], total: int) -> list[Block]:
    shown = lines[:DIGEST_LINES]
    blocks: list[Block] = [section(title), *sections_from_lines(shown)]
    if total > len(shown):
        blocks.append(context(t.plural("cg.more_on_home", total - len(shown))))
    return blocks


def build_cg_digest(
    t: Translator, *, overdue: Listing[CgEntry], due_soon: Listing[CgEntry], today: date
) -> dict[str, Any]:
    """Overdue (never accepted first) before due within 14 days; each with name, handle, date.

    Each part lists its first ``DIGEST_LINES`` entries and counts the rest.
    """

    def line(entry: CgEntry) -> str:
        return t(
            "cg.digest.line",
            who=_who(entry.name, entry.handle),
            status=_status_text(t, entry.state, entry.due_on),
        ) + (t("cg.stops.stopped") if entry.cg_stop else "")

    blocks: list[Block] = [header(t("cg.digest.title", date=fmt_date(today, t.lang)))]
    if overdue:
        title = t("cg.digest.overdue", count=overdue.total)
        blocks += _part(t, title, [line(e) for e in overdue.items], overdue.total)
    if due_soon:
        title = t("cg.digest.due_soon", count=due_soon.total)
        blocks += _part(t, title, [line(e) for e in due_soon.items], due_soon.total)
    blocks.append(context(t("cg.digest.footer")))
    plain = t("cg.digest.plain", overdue=overdue.total, due_soon=due_soon.total)
    return message(plain, blocks)
