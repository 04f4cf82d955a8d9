"""The rows of the App Home, each with what can be done about it right there.

A row is its text and its buttons: "Akte öffnen" on every assistant; on a stop whose review
is due the review reminder's own three buttons (same action ids, same handlers, so a click
here is the same decision as in the DM); "VT-Stop aufheben" on other active stops (the
review's lift form: it asks for the note on the re-check of performance before anything is
written); approve/reject for managers (the approval request's action ids). Buttons only for
what the viewer may do; the click is checked again anyway.

A row is one block (text with "Akte öffnen" beside it) or two (text, then a row of buttons):
``blocks.home`` budgets the Home's 100 blocks with that.
"""

from __future__ import annotations


from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ExternalDataSelectElement, SectionBlock

from vpabot.bot.blocks.cg import cg_stop_button
from vpabot.bot.blocks.common import (
    LISTED_TEXT,
    MAX_BUTTON,
    button,
    clip,
    excerpt,
    fmt_date,
    section,
    user,
    who,
)
from vpabot.bot.labels import source_label, state_label, step_label
from vpabot.bot.blocks.stops import kind_label, stop_line
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action
from vpabot.bot.payloads import CaseRef, HandleRef
from vpabot.policy.cg import CgState
from vpabot.policy.stops import ReviewToken, StopKind

from vpabot.bot.results.cases import Case
from vpabot.bot.results.cg import CgEntry
from vpabot.bot.results.home import RecentViolation
from vpabot.bot.results.stops import ActiveStop

ROW_BLOCKS = 2  # the most blocks one row takes


def open_file_button(t: Translator, handle: str) -> ButtonElement:
    """'Akte öffnen': the assistant's file (VPA Akte), as a modal over the Home."""
    return button(t("manager.open_file"), Action.OPEN_FILE, HandleRef(handle))


def search_block(t: Translator) -> Block:
    """A picker that opens the chosen assistant's file; searched like the forms' picker."""
    picker = ExternalDataSelectElement(
        action_id=Action.HOME_FILE_SEARCH,
        placeholder=clip(t("home.search.placeholder"), MAX_BUTTON),
        min_query_length=1,
    )
    return SectionBlock(text={"type": "mrkdwn", "text": t("home.search.label")}, accessory=picker)


def _row(text: str, buttons: list[ButtonElement], handle: str, t: Translator) -> list[Block]:
    """Text with 'Akte öffnen' beside it, or text and a row of buttons ending with it."""
    if not buttons:
        return [section(text, accessory=open_file_button(t, handle))]
    return [section(text), ActionsBlock(elements=[*buttons, open_file_button(t, handle)])]


def stop_row(t: Translator, stop: ActiveStop, *, is_admin: bool) -> list[Block]:
    """An active stop: a due review gets the review's three buttons, another stop
    'VT-Stop aufheben' (admins only; none once the collaboration ended: that stop stays)."""
    text = stop_line(t, stop)
    token = ReviewToken(stop.stop_id, stop.until)
    buttons: list[ButtonElement] = []
    if is_admin and stop.liftable and stop.stop_id:
        if stop.due and isinstance(stop.kind, StopKind):  # else: no kind to convert it to
            other = stop.kind.other
            buttons = [
                button(t("review.lift"), Action.REVIEW_LIFT, token, style="primary"),
                button(t("review.extend"), Action.REVIEW_EXTEND, token),
                button(t("review.convert", kind=kind_label(t, other)), Action.REVIEW_CONVERT, token),
            ]
        else:
            buttons = [button(t("home.stop.lift"), Action.REVIEW_LIFT, token)]
    return _row(text, buttons, stop.handle, t)


def case_row(t: Translator, case: Case) -> list[Block]:
    """A case waiting for the VPA manager, with the decision."""
    text = t(
        "approval.body",
        who=who(case.name, case.handle),
        step=step_label(t, case.step, case.severe),
        tag=case.tag,
        source=source_label(t, case.source),
        by=user(case.logged_by),
        note=excerpt(case.note, LISTED_TEXT),
    )
    value = CaseRef(case.violation_id)
    buttons = [
        button(t("approval.approve"), Action.APPROVAL_APPROVE, value, style="primary"),
        button(t("approval.reject"), Action.APPROVAL_REJECT, value, style="danger"),
    ]
    return _row(text, buttons, case.handle, t)


def cg_row(t: Translator, item: CgEntry, *, can_stop: bool) -> list[Block]:
    """An assistant whose CG acceptance is overdue or due soon; an overdue one without a
    stop gets 'VT-Stop setzen' (admins only)."""
    when = fmt_date(item.due_on, t.lang)
    status = {
        CgState.NEVER: t("home.cg.never"),
        CgState.OVERDUE: t("home.cg.overdue", date=when),
    }.get(item.state) or t("home.cg.due_soon", date=when)
    offer = can_stop and item.status.blocks_collaboration and not (item.cg_stop or item.other_stop)
    text = t("home.cg.line", who=who(item.name, item.handle), status=status)
    return _row(text, [cg_stop_button(t, item.handle)] if offer else [], item.handle, t)


def violation_row(t: Translator, v: RecentViolation) -> list[Block]:
    """A violation logged this week."""
    text = t(
        "home.violations.line",
        date=fmt_date(v.logged_on, t.lang),
        who=who(v.name, v.handle),
        step=step_label(t, v.step, v.severe),
        tag=v.tag,
        state=state_label(t, v.state),
        by=user(v.logged_by),
    )
    return _row(text, [], v.handle, t)
