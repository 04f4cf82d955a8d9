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
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

MAX_BLOCKS = 50  # a message holds at most 50 blocks
MAX_SECTION = 2900  # section text is capped at 3000 characters


def who(name: str, handle: str) -> Mrkdwn:
    """An assistant as people read it everywhere: ``*Name* (`handle`)``, both escaped."""
    return Mrkdwn(f"*{escape(name)}* (`{escape(handle)}`)")


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
    return HeaderBlock(text=text[:150])


def section(text: str, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:MAX_SECTION]), accessory=accessory)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:MAX_SECTION])])


def divider() -> DividerBlock:
    return DividerBlock()


def button(text: str, action_id: str, value: Any = None, style: str | None = None) -> ButtonElement:
    """A button whose value is a typed payload (``bot/payloads``): keys, never content."""
    encoded = payloads.encode(value) if value is not None else action_id
    return ButtonElement(text=text[:75], action_id=action_id, value=encoded, style=style)


def sections_from_lines(lines: Iterable[str]) -> list[SectionBlock]:
    """Pack lines into as few sections as fit Slack's text limit."""
    blocks: list[SectionBlock] = []
    chunk = ""
    for line in lines:
        line = line[:MAX_SECTION]
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload: ``text`` is the notification/fallback, blocks what people see."""
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks exceed Slack's limit of {MAX_BLOCKS}")
    # The notification text is what phones show and what mentions fire from: text that did
    # not come through the Translator or ``escape`` is escaped here, never passed raw.
    return {"text": escape(text)[:MAX_SECTION], "blocks": [b.to_dict() for b in blocks]}
