"""Turning the pages of a long list: where the page stands and the buttons to move on.

Every long list (App Home, `/vpa stops`, `/vpa offen`) reads one page from the database (a
LIMIT from an offset, plus a COUNT) and ends with these two blocks instead of
"… und N weitere". The buttons carry the next page's state as a typed payload
(``bot/payloads.py``); the list is read again on the click, so a page shows what is true then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block

from vpabot.bot.blocks.common import button, context
from vpabot.bot.i18n import Translator


def page_blocks(
    t: Translator,
    *,
    offset: int,
    shown: int,
    total: int,
    page_size: int,
    action: str,
    value: Callable[[int], Any],
) -> list[Block]:
    """``[]`` when the whole list fits; else "Einträge 6–10 von 23" and the buttons.

    ``offset``: 0-based first row of this page; ``shown``: rows on it; ``total``: all rows.
    ``value(offset)`` is the payload of a button that shows the page starting there; the
    buttons' action ids are ``<action>_prev`` ("Zurück") and ``<action>_next`` ("Weitere
    anzeigen"). A page past the end (rows went away since the click) says so and offers the
    first page. Two blocks at most.
    """
    if offset == 0 and shown >= total:
        return []
    if shown == 0:
        nav = [button(t("list.first"), f"{action}_prev", value(0))]
        return [context(t("list.past_end")), ActionsBlock(elements=nav)]
    nav = []
    if offset > 0:
        nav.append(button(t("list.back"), f"{action}_prev", value(max(0, offset - page_size))))
    if offset + shown < total:
        nav.append(button(t("list.more"), f"{action}_next", value(offset + shown), style="primary"))
    where = context(t("list.range", first=offset + 1, last=offset + shown, total=total))
    return [where, ActionsBlock(elements=nav)]
