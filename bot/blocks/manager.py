"""Messages to the VPA managers: FYI on an Ermahnung, approval requests and their outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from vpabot.bot.blocks.common import (
    LISTED_TEXT,
    TEXT_SHOWN,
    button,
    context,
    escape,
    excerpt,
    fmt_date,
    message,
    section,
    sections_from_lines,
    user,
    who,
)
from vpabot.bot.labels import source_label, step_label
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action
from vpabot.bot.blocks.paging import page_blocks
from vpabot.bot.payloads import CaseRef, HandleRef, ListPage
from vpabot.bot.results.cases import Case, Further
from vpabot.bot.results.listing import Listing


def _case_section(t: Translator, case: Case, key: str, *, note_limit: int = TEXT_SHOWN) -> Any:
    return section(
        t(
            key,
            who=who(case.name, case.handle),
            step=step_label(t, case.step, case.severe),
            tag=case.tag,
            source=source_label(t, case.source),
            by=user(case.logged_by),
            note=excerpt(case.note, note_limit),
        )
    )


def build_ermahnung_fyi(t: Translator, case: Case) -> dict[str, Any]:
    """Rule 4: the manager is informed of every Ermahnung. No decision needed."""
    blocks = [
        _case_section(t, case, "manager.fyi.body"),
        context(t("manager.fyi.history", history=escape(case.history))),
        ActionsBlock(elements=[button(t("manager.open_file"), Action.OPEN_FILE, HandleRef(case.handle))]),
    ]
    return message(t("manager.fyi.title", name=case.name), blocks)


FURTHER_SHOWN = 10  # further violations listed on a request; the file has them all


def build_approval_request(
    t: Translator, case: Case, *, reminder: bool = False, further: Sequence[Further] = ()
) -> dict[str, Any]:
    """Rule 5 and the product decision: step 3, step 4 and severe cases wait for a manager.

    ``further``: the assistant's violations logged while this case waits, oldest first. They
    are listed here (at most FURTHER_SHOWN, then a count) instead of asking again for each.
    """
    value = CaseRef(case.violation_id)
    blocks = [
        *([section(t("approval.reminder"))] if reminder else []),
        _case_section(t, case, "approval.body"),
        context(t("manager.fyi.history", history=escape(case.history))),
        context(t(f"approval.effect.{'severe' if case.severe else case.step}", name=escape(case.name))),
        *_further_blocks(t, further),
        ActionsBlock(
            elements=[
                button(t("approval.approve"), Action.APPROVAL_APPROVE, value, style="primary"),
                button(t("approval.reject"), Action.APPROVAL_REJECT, value, style="danger"),
                button(t("manager.open_file"), Action.OPEN_FILE, HandleRef(case.handle)),
            ]
        ),
    ]
    return message(t("approval.title", name=case.name, step=step_label(t, case.step, case.severe)), blocks)


def _further_blocks(t: Translator, further: Sequence[Further]) -> list[Any]:
    if not further:
        return []
    lines = [
        t(
            "approval.further.line",
            number=f.violation_id,
            date=fmt_date(f.logged_on, t.lang),
            step=step_label(t, f.step, f.severe),
            tag=f.tag,
            note=excerpt(f.note, LISTED_TEXT),
        )
        for f in further[:FURTHER_SHOWN]
    ]
    blocks: list[Any] = [section(t("approval.further.title", count=len(further)))]
    blocks += sections_from_lines(lines)
    if len(further) > FURTHER_SHOWN:
        blocks.append(context(t.plural("approval.further.more", len(further) - FURTHER_SHOWN)))
    blocks.append(context(t("approval.further.hint")))
    return blocks


def build_approval_outcome(
    t: Translator, case: Case, *, approved: bool, by: str, at: str, reason: str | None
) -> dict[str, Any]:
    """What every manager's request turns into once someone decided: no stale buttons."""
    outcome = t(
        "approval.outcome.approved" if approved else "approval.outcome.rejected",
        by=user(by),
        at=at,
        reason=excerpt(reason or ""),
    )
    blocks = [_case_section(t, case, "approval.decided_title"), section(outcome)]
    return message(outcome, blocks)


MAX_PENDING_SHOWN = 14  # three blocks each, inside Slack's 50-block limit with the paging


def build_pending_list(
    t: Translator, cases: Listing[Case], *, with_buttons: bool, page_size: int = MAX_PENDING_SHOWN
) -> dict[str, Any]:
    """``/vpa offen``: oldest first; managers get the decision buttons right here.

    ``cases`` is one page (from ``cases.offset``) and the total; "Weitere anzeigen" and
    "Zurück" turn the pages (``Action.PENDING_PAGE``).
    """
    if not cases.total:
        return message(t("pending.none"), [section(t("pending.none"))])
    title = t("pending.title", count=cases.total)
    blocks: list[Any] = [section(title)]
    shown = cases.items[:MAX_PENDING_SHOWN]
    for case in shown:
        blocks.append(_case_section(t, case, "approval.body", note_limit=LISTED_TEXT))
        if with_buttons:
            value = CaseRef(case.violation_id)
            blocks.append(
                ActionsBlock(
                    elements=[
                        button(t("approval.approve"), Action.APPROVAL_APPROVE, value, style="primary"),
                        button(t("approval.reject"), Action.APPROVAL_REJECT, value, style="danger"),
                        button(t("manager.open_file"), Action.OPEN_FILE, HandleRef(case.handle)),
                    ]
                )
            )
    blocks += page_blocks(
        t, offset=cases.offset, shown=len(shown), total=cases.total, page_size=page_size,
        action=Action.PENDING_PAGE, value=ListPage,
    )
    return message(title, blocks)


def build_restep_notice(t: Translator, case: Case, *, for_manager: bool) -> dict[str, Any]:
    """A rejected earlier case moved this one down the ladder to a step without approval."""
    step = step_label(t, case.step, case.severe)
    named = who(case.name, case.handle)
    if for_manager:
        text = t("restep.manager", step=step, who=named)
        # No "Freigabe nötig" above "Eine Freigabe ist nicht mehr nötig": the title says so too.
        return message(text, [_case_section(t, case, "approval.closed_title"), section(text)])
    text = t("restep.admin", step=step, who=named)
    blocks: list[Any] = [section(text)]
    if case.step in (1, 2):
        draft = t(f"assistant.draft.step{case.step}", name=case.name.split()[0], tag=case.tag)
        title = t("reply.draft.title", name=escape(case.name))
        blocks += [section(title), section("> " + escape(draft).replace("\n", "\n> "))]
    return message(text, blocks)


def build_settled_notice(t: Translator, case: Case) -> dict[str, Any]:
    text = t("settled.manager")
    return message(text, [_case_section(t, case, "approval.closed_title"), section(text)])


def build_withdrawn_notice(t: Translator, case: Case, *, by: str) -> dict[str, Any]:
    text = t("withdrawn.manager", by=user(by))
    return message(text, [_case_section(t, case, "approval.decided_title"), section(text)])
