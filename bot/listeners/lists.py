"""Long lists one page at a time: `/vpa stops`, `/vpa offen` and the App Home.

Typed, a list answers with its first page; "Weitere anzeigen" / "Zurück" under it are clicks
whose typed value (``payloads.ListPage``, ``payloads.HomePages``) names the page. A click on
an ephemeral list replaces that message through its response_url (``REPLACES`` in
``listeners/actions.py``), like turning a page; on App Home the view is published again.
Reads only: a repeated click shows the same page again and writes nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vpabot.bot.blocks.manager import build_pending_list
from vpabot.bot.blocks.reviews import build_stops_list
from vpabot.bot.commands import clicks as c
from vpabot.bot.interactions.home import publish_home
from vpabot.bot.interactions.registry import Role, Turn, handles
from vpabot.bot.services.approvals import pending
from vpabot.bot.services.cg import cg_overview
from vpabot.bot.services.reviews import active_stops

Reply = dict[str, Any] | None
STOPS_PAGE_SIZE = 20  # `/vpa stops`: one line each, read at a glance
PENDING_PAGE_SIZE = 14  # `/vpa offen`: three blocks each, inside Slack's 50


def stops_page(turn: Turn, offset: int) -> dict[str, Any]:
    """`/vpa stops` from row ``offset``; the CG section belongs to the first page only."""
    offset = max(offset, 0)
    cg_overdue = cg_overview(turn.ctx)[0] if offset == 0 else None
    admin = turn.ctx.settings.is_admin(turn.user_id)
    stops = active_stops(turn.ctx, limit=STOPS_PAGE_SIZE, offset=offset)
    return build_stops_list(
        turn.t, stops, cg_overdue=cg_overdue, with_buttons=admin, page_size=STOPS_PAGE_SIZE
    )


def pending_page(turn: Turn, offset: int) -> dict[str, Any]:
    """`/vpa offen` from row ``offset``; managers get the decision buttons."""
    cases = pending(turn.ctx, limit=PENDING_PAGE_SIZE, offset=max(offset, 0))
    manager = turn.ctx.settings.is_manager(turn.user_id)
    return build_pending_list(turn.t, cases, with_buttons=manager, page_size=PENDING_PAGE_SIZE)


@handles(c.ShowStopsPage, who=Role.STAFF)
def show_stops_page(turn: Turn, command: c.ShowStopsPage) -> Reply:
    return stops_page(turn, command.offset)


@handles(c.ShowPendingPage, who=Role.STAFF)
def show_pending_page(turn: Turn, command: c.ShowPendingPage) -> Reply:
    return pending_page(turn, command.offset)


@handles(c.ShowHomePage, who=Role.STAFF)
def show_home_page(turn: Turn, command: c.ShowHomePage) -> Reply:
    """Publish the clicker's Home with the lists where the button says (reads only)."""
    publish_home(turn.ctx, turn.client, turn.user_id, offsets=dataclasses.asdict(command.pages))
    return None
