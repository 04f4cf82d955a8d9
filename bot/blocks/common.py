"""Shared pieces of Block Kit and formatting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from vpabot.bot.datefmt import fmt_date, fmt_instant  # noqa: F401  (re-exported: one formatter)

MAX_BLOCKS = 50  # a message holds at most 50 blocks
MAX_SECTION = 2900  # section text is capped at 3000 characters


def escape(text: str) -> str:
    """User text must not turn into mentions or links: Slack's three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user(user_id: str) -> str:
    return f"<@{user_id}>"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=text[:150])


def section(text: str, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:MAX_SECTION]), accessory=accessory)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:MAX_SECTION])])


def divider() -> DividerBlock:
    return DividerBlock()


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=value or action_id, style=style)


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
    return {"text": text, "blocks": [b.to_dict() for b in blocks]}
