"""Shared pieces of Block Kit and formatting."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from vpabot.bot import payloads
from vpabot.bot.mrkdwn import Mrkdwn, escape, mention
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

MAX_BLOCKS = 50  # a message holds at most 50 blocks
MAX_VIEW_BLOCKS = 100  # a modal or App Home view holds at most 100
MAX_SECTION = 2900  # section text is capped at 3000 characters
MAX_HEADER = 150  # header text (plain_text)
MAX_BUTTON = 75  # button text, option text (plain_text)
MAX_TITLE = 24  # modal title
ELLIPSIS = "…"
# How much of one free text (a note, reason, question, answer) a message shows when it shares
# a section with other text; the file (VPA Akte) shows it whole. Measured after escaping.
TEXT_SHOWN = 2000
TEXT_SHOWN_TWICE = 1200  # two free texts in one section (question and answer)
LISTED_TEXT = 300  # one free text per item of a list (reminders, App Home, /vpa offen)


def who(name: str, handle: str) -> Mrkdwn:
    """An assistant as people read it everywhere: ``*Name* (`handle`)``, both escaped."""
    return Mrkdwn(f"*{escape(name)}* (`{escape(handle)}`)")


def _cut_at(text: str, limit: int) -> int:
    """Where to cut ``text`` to keep at most ``limit`` characters without breaking markup.

    Prefers the last space or line break in the final fifth; never cuts inside an escape
    (``&amp;``) or a ``<@U…>``/``<!date…>`` token, which Slack would show half-broken.
    """
    cut = limit
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    lt = text.rfind("<", max(0, cut - 200), cut)
    if lt != -1 and ">" not in text[lt:cut]:
        cut = lt
    space = max(text.rfind(" ", 0, cut), text.rfind("\n", 0, cut))
    if space >= cut - limit // 5 and space > 0:
        cut = space
    return cut


def clip(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start ending with "…".

    The one place every builder shortens text for a Slack limit (section 3,000, header 150,
    button and option 75, modal title 24). Long texts are stored whole; the file shows them.
    Escaped text (``Mrkdwn``) stays ``Mrkdwn``: it is never cut inside an escape.
    """
    if len(text) <= limit:
        return text
    short = text[: _cut_at(text, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS
    return Mrkdwn(short) if isinstance(text, Mrkdwn) else short


def excerpt(text: str, limit: int = TEXT_SHOWN) -> Mrkdwn:
    """User text escaped for mrkdwn, then clipped: the escape may grow it (``&`` → ``&amp;``)."""
    return Mrkdwn(clip(escape(text), limit))


def split_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut where :func:`clip` would cut:
    for showing a long text whole over several sections."""
    pieces = []
    while len(text) > limit:
        cut = _cut_at(text, limit) or limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip(" ")
    return [*pieces, text] if text or not pieces else pieces


def user(user_id: str) -> Mrkdwn:
    return mention(user_id)


def fmt_date(day: date | None, lang: str) -> str:
    if day is None:
        return "–"
    return day.isoformat() if lang == "en" else day.strftime("%d.%m.%Y")


def fmt_instant(instant: datetime, lang: str) -> str:
    fmt = "%Y-%m-%d %H:%M" if lang == "en" else "%d.%m.%Y %H:%M"
    return instant.strftime(fmt)


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=clip(text, MAX_HEADER))


def section(text: str, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)), accessory=accessory)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_SECTION))])


def divider() -> DividerBlock:
    return DividerBlock()


def button(
    text: str, action_id: str, value: Any = None, style: str | None = None, confirm: ConfirmObject | None = None
) -> ButtonElement:
    """A button whose value is a typed payload (``bot/payloads``): keys, never content.
    ``confirm``: Slack asks "really?" in a dialog before the click is sent."""
    encoded = payloads.encode(value) if value is not None else action_id
    return ButtonElement(text=clip(text, MAX_BUTTON), action_id=action_id, value=encoded, style=style, confirm=confirm)


def confirm_dialog(title: str, text: str, yes: str, no: str) -> ConfirmObject:
    """Block Kit's confirm dialog for an irreversible step (title 100, texts 300, buttons 30)."""
    return ConfirmObject(title=clip(title, 100), text=MarkdownTextObject(text=clip(text, 300)), confirm=clip(yes, 30),
                         deny=clip(no, 30), style="danger")


def sections_from_lines(lines: Iterable[str]) -> list[SectionBlock]:
    """Pack lines into as few sections as fit Slack's text limit; a line longer than one
    section continues in the next (nothing is cut off here)."""
    blocks: list[SectionBlock] = []
    chunk = ""
    for piece in (piece for line in lines for piece in split_text(line)):
        if chunk and len(chunk) + 1 + len(piece) > MAX_SECTION:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{piece}" if chunk else piece
    if chunk:
        blocks.append(section(chunk))
    return blocks


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload: ``text`` is the notification/fallback, blocks what people see."""
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks exceed Slack's limit of {MAX_BLOCKS}")
    # The notification text is what phones show and what mentions fire from: text that did
    # not come through the Translator or ``escape`` is escaped here, never passed raw.
    return {"text": clip(escape(text), MAX_SECTION), "blocks": [b.to_dict() for b in blocks]}
