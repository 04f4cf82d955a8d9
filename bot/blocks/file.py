"""The assistant's file (VPA Akte), paginated to stay within Slack's block limits."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock
from slack_sdk.models.views import View

from vpabot.bot.blocks.common import (
    MAX_BLOCKS,
    MAX_BUTTON,
    MAX_SECTION,
    MAX_TITLE,
    button,
    clip,
    context,
    escape,
    fmt_date,
    fmt_instant,
    header,
    message,
    section,
    sections_from_lines,
    user,
)
from vpabot.bot.blocks.cg import cg_file_blocks
from vpabot.bot.labels import source_label, state_label, status_label, step_label, stored_label
from vpabot.bot.blocks.stops import period
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action
from vpabot.bot.payloads import FilePage
from vpabot.bot.results.files import AssistantFile
from vpabot.policy.catalogue import TagCatalogue
from vpabot.policy.notes import NoteKind

ENDED = frozenset({"gekuendigt", "ausgeschlossen", "beendet"})  # no further violations


def _entries(t: Translator, file: AssistantFile, tags: TagCatalogue, tz: Any) -> list[tuple[str, str]]:
    """(part, line) pairs of this page: violations, notes, history (each newest first)."""
    lang = t.lang
    out: list[tuple[str, str]] = []
    for v in file.violations:
        line = t(
            "file.violation_line",
            number=v.id,
            date=fmt_date(v.logged_at.astimezone(tz).date(), lang),
            source=source_label(t, v.source),
            tag=tags.get(v.tag).label,
            step=step_label(t, v.step, v.severe),
            state=state_label(t, v.state),
            by=user(v.logged_by),
            note=escape(v.note),
        )
        if v.decision_reason:
            key = "file.withdrawn_reason" if v.state == "withdrawn" else "file.decision_reason"
            line += "\n" + t(key, reason=escape(v.decision_reason))
        if v.communicated_at:
            line += "\n" + t("file.communicated", at=fmt_instant(v.communicated_at.astimezone(tz), lang))
        out.append(("violations", line))
    for n in file.notes:
        out.append(
            (
                "notes",
                t(
                    "file.note_line",
                    date=fmt_date(n.created_at.astimezone(tz).date(), lang),
                    by=user(n.author),
                    text=escape(n.text),
                )
                + (f" _({stored_label(t, 'file.note_kind', n.kind)})_" if n.kind != NoteKind.NOTE else ""),
            )
        )
    for e in file.audit:
        out.append(
            (
                "audit",
                t(
                    "file.audit_line",
                    at=fmt_instant(e.at.astimezone(tz), lang),
                    by=user(e.actor),
                    action=t(f"audit.{e.action}") if t.has(f"audit.{e.action}") else e.action,
                ),
            )
        )
    return out


def build_file(t: Translator, file: AssistantFile, *, tags: TagCatalogue, tz: Any) -> dict[str, Any]:
    """The page of the file that ``open_file`` read, with buttons to turn pages."""
    shown = _entries(t, file, tags, tz)
    page, pages = file.page, file.pages

    title = t("file.title", name=file.name, handle=file.handle)
    blocks: list[Any] = [header(title)]
    if page == 0:
        stop = (
            t(f"file.stop.{file.stop.kind}", period=period(t, file.stop.until))
            if file.stop and t.has(f"file.stop.{file.stop.kind}")
            else f"{stored_label(t, 'stop.kind', file.stop.kind)} {period(t, file.stop.until)}"
            if file.stop
            else t("file.stop.none")
        )
        blocks.append(
            section(
                t(
                    "file.summary",
                    status=status_label(t, file.status),
                    joined=fmt_date(file.joined_on, t.lang),
                    counting=file.counting,
                    next=(
                        t("file.next_none")
                        if file.status in ENDED
                        else t(f"file.next.{min(file.counting + 1, 4)}")
                    ),
                    stop=stop,
                )
            )
        )
        if file.cg is not None:
            blocks.extend(
                cg_file_blocks(
                    t, handle=file.handle, accepted_on=file.cg_accepted_on, status=file.cg, cg_stop=file.cg_stop
                )
            )
    tail: list[Any] = []
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(button(t("file.prev"), f"{Action.FILE_PAGE}_prev", FilePage(file.handle, page - 1)))
        if page < pages - 1:
            nav.append(button(t("file.next"), f"{Action.FILE_PAGE}_next", FilePage(file.handle, page + 1)))
        tail = [context(t("file.page", page=page + 1, pages=pages)), ActionsBlock(elements=nav)]
    # The file is where long texts are read whole: a long entry runs over several sections.
    # Only a page full of maximum-length texts would pass Slack's 50 blocks; then its longest
    # lines are shortened, step by step, and the page says where everything is.
    for limit in LINE_LIMITS:
        parts = _part_blocks(t, file, shown, limit)
        room = MAX_BLOCKS - len(blocks) - len(tail) - (1 if limit else 0)
        if len(parts) <= room:
            break
    if limit:
        parts.append(context(t("file.shortened", handle=file.handle)))
    return message(title, blocks + parts + tail)


def build_file_modal(t: Translator, file: AssistantFile, *, tags: TagCatalogue, tz: Any) -> dict[str, Any]:
    """The same page of the file as a modal (opened from App Home): its buttons turn the
    page inside the modal. A file page is at most 50 blocks; a modal holds 100."""
    page = build_file(t, file, tags=tags, tz=tz)
    return View(
        type="modal",
        title=clip(t("file.modal.title"), MAX_TITLE),
        close=clip(t("file.modal.close"), MAX_BUTTON),
        blocks=page["blocks"],
    ).to_dict()


LINE_LIMITS = (None, MAX_SECTION, 1400, 700, 300)


def _part_blocks(
    t: Translator, file: AssistantFile, shown: list[tuple[str, str]], limit: int | None
) -> list[Any]:
    """Violations, notes and history of this page; lines clipped to ``limit`` if given."""
    empty = {"violations": not file.total_violations, "notes": not file.total_notes, "audit": False}
    blocks: list[Any] = []
    for part in ("violations", "notes", "audit"):
        lines = [line if limit is None else clip(line, limit) for p, line in shown if p == part]
        if lines:
            blocks.append(section(f"*{t(f'file.part.{part}')}*"))
            blocks.extend(sections_from_lines(lines))
        elif file.page == 0 and empty[part]:
            blocks.append(context(t(f"file.no_{part}")))
    return blocks
