"""The review reminder on a stop's end date, and the list of active stops."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from vpabot.bot.blocks.cg import cg_overdue_blocks
from vpabot.bot.datefmt import fmt_date_for_slack
from vpabot.bot.blocks.common import (
    LISTED_TEXT,
    excerpt,
    who,
    MAX_BLOCKS,
    button,
    fmt_date,
    message,
    section,
    sections_from_lines,
)
from vpabot.bot.labels import state_label, step_label, stored_label
from vpabot.bot.blocks.stops import kind_label, period, stop_line
from vpabot.bot.i18n import Translator
from vpabot.bot.blocks.paging import page_blocks
from vpabot.bot.ids import Action
from vpabot.bot.payloads import ListPage
from vpabot.bot.results.listing import Listing
from vpabot.policy.stops import ReviewToken
from vpabot.policy.catalogue import TagCatalogue
from vpabot.policy.stops import StopKind, StopReason

from vpabot.bot.results.notices import SinceStartNote, SinceStartViolation
from vpabot.bot.results.stops import StopList

MAX_LISTED = 45  # stays well inside the 50-block limit
CG_RESERVED = 20  # blocks kept for the CG section when assistants are overdue


def build_review_reminder(
    t: Translator,
    *,
    name: str,
    handle: str,
    kind: StopKind,
    starts_on: date,
    until: date | None,
    overdue: bool,
    today: date,
    violations: Sequence[SinceStartViolation],
    notes: Sequence[SinceStartNote],
    tags: TagCatalogue,
    tz: Any,
    token: ReviewToken,
    reason: str = "",
    note: str = "",
) -> dict[str, Any]:
    """The DM to the admin who set a stop, on its end date: what happened since it began
    (violations, notes), why it was set (``reason``, a ``StopReason`` value, and the admin's
    ``note``), and the three decisions as buttons carrying ``token``."""
    named = who(name, handle)
    if overdue:
        title = t("review.overdue", who=named, kind=kind_label(t, kind))
    elif until is not None and until < today:  # ended on a weekend or holiday
        title = t("review.due_past", who=named, kind=kind_label(t, kind), date=fmt_date(until, t.lang))
    else:
        title = t("review.due", who=named, kind=kind_label(t, kind))
    lines = [
        t(
            "review.violation_line",
            date=fmt_date(v.logged_at.astimezone(tz).date(), t.lang),
            step=step_label(t, v.step, v.severe),
            tag=tags.get(v.tag).label,
            state=state_label(t, v.state),
            note=excerpt(v.note, LISTED_TEXT),
        )
        for v in violations
    ] or [t("review.no_violations")]
    lines += [
        t("review.note_line", date=fmt_date(n.created_at.astimezone(tz).date(), t.lang), text=excerpt(n.text, LISTED_TEXT))
        for n in notes
    ]
    # A kind this version does not know (read as text) has no other kind to convert it to.
    other = StopKind(kind).other if kind in set(StopKind) else None
    blocks: list[Any] = [
        section(title),
        section(
            t(
                "review.period",
                since=fmt_date_for_slack(starts_on, t.lang, tz),
                period=period(t, until, tz=tz),
            )
            + _why(t, reason, note)
        ),
        section(f"*{t('review.since_start')}*"),
        *sections_from_lines(lines)[:10],
        section(t("review.ask")),
        ActionsBlock(
            elements=[
                button(t("review.lift"), Action.REVIEW_LIFT, token, style="primary"),
                button(t("review.extend"), Action.REVIEW_EXTEND, token),
                *([button(t("review.convert", kind=kind_label(t, other)), Action.REVIEW_CONVERT, token)]
                  if other is not None else []),
            ]
        ),
    ]
    plain = t("review.plain", name=name)
    return message(plain, blocks)


def _why(t: Translator, reason: str, note: str) -> str:
    """The "Grund: …" after the period, with the admin's note when they gave one."""
    if not reason and not note.strip():
        return ""
    label = stored_label(t, "stop.reason", reason or StopReason.OTHER)
    if note.strip():
        return " " + t("review.reason_note", reason=label, note=excerpt(note, LISTED_TEXT))
    return " " + t("review.reason", reason=label)


def build_stops_list(
    t: Translator,
    stops: StopList,
    *,
    cg_overdue: Listing[Any] | None = None,
    with_buttons: bool = False,
    page_size: int = MAX_LISTED,
) -> dict[str, Any]:
    """Active stops, then (a section of its own) who may not work for lack of CG acceptance.

    ``stops`` is one page (from ``stops.offset``) with the totals; "Weitere anzeigen" and
    "Zurück" turn the pages (``Action.STOPS_PAGE``). ``cg_overdue`` (first page only) holds
    the first entries and their total; the rest is counted.
    """
    cg_overdue = cg_overdue or Listing()
    if not stops.total:
        title = t("stops.none")
        blocks: list[Any] = [section(title)]
    else:
        title, blocks = _stop_lines(
            t, stops, room=MAX_LISTED - (CG_RESERVED if cg_overdue else 0), page_size=page_size
        )
    blocks += cg_overdue_blocks(t, cg_overdue, max_blocks=MAX_BLOCKS - len(blocks), with_buttons=with_buttons)
    return message(title, blocks)


def _stop_lines(t: Translator, stops: StopList, *, room: int, page_size: int) -> tuple[str, list[Any]]:
    lines = [stop_line(t, stop) for stop in stops.items]
    title = t("stops.title", count=stops.total, overdue=stops.overdue)
    sections = sections_from_lines(lines)
    shown = sections[: room - 2]  # two blocks stay free for turning the page
    listed = sum(block.text.text.count("\n") + 1 for block in shown) if shown else 0
    paging = page_blocks(
        t, offset=stops.offset, shown=min(listed, len(lines)), total=stops.total, page_size=page_size,
        action=Action.STOPS_PAGE, value=ListPage,
    )
    return title, [section(title), *shown, *paging]
