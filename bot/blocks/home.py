"""The Home tab: one view per viewer, most urgent first, within Slack's 100-block limit.

Every list shows one page (five rows) and turns pages with "Weitere anzeigen" / "Zurück"
(``blocks.paging``), so the page has a fixed worst case however many stops or cases there
are. A row is at most two blocks (``home_rows.ROW_BLOCKS``: text, then its buttons):

    title 2 + search 1 + 7 lists · (header 1 + 5 rows · 2 + paging 2) + 6 dividers = 100

(the dead messages and this week's violations are one block a row, so the true worst case is
90.) Page state lives in the paging buttons' values (``payloads.HomePages``), nothing stored.
"""

from __future__ import annotations

import dataclasses
import re

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from vpabot.bot.blocks.home_rows import case_row, cg_row, search_block, stop_row, violation_row
from vpabot.bot.blocks.paging import page_blocks
from vpabot.bot.mrkdwn import Mrkdwn, channel_link
from vpabot.bot.blocks.common import (
    LISTED_TEXT,
    excerpt,
    button,
    context,
    divider,
    escape,
    fmt_instant,
    header,
    section,
    user,
)
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action
from vpabot.bot.payloads import HomePages, MessageRef
from vpabot.bot.results.cases import Case
from vpabot.bot.results.cg import CgEntry
from vpabot.bot.results.home import (
    APPROVALS_LISTED,
    LISTED,
    VIOLATIONS_LISTED,
    DeadMessage,
    Home,
    Overview,
    RecentViolation,
)
from vpabot.bot.results.listing import Listing
from vpabot.bot.results.stops import ActiveStop, StopList

MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab view
# Rows per page of each list (LISTED), approvals and violations: bot.services.home.

T = TypeVar("T")


def build_home(
    t: Translator, home: Home, *, tz: Any, now: datetime, admin_channel: str | None
) -> dict[str, Any]:
    """The view for ``views.publish``: the friendly paragraph, or the staff dashboard."""
    if home.overview is None:
        blocks: list[Block] = build_outsider(t, admin_channel=admin_channel)
    else:
        pages = pages_of(home)
        blocks = [
            header(t("home.admin.title")),
            context(t("home.updated", at=fmt_instant(now.astimezone(tz), t.lang))),
            search_block(t),
        ]
        if home.pending is not None:
            blocks += [*build_pending_approvals(t, home.pending, pages=pages), divider()]
        blocks += build_overview(t, home.overview, tz=tz, is_admin=home.is_admin, pages=pages)
    if len(blocks) > MAX_HOME_BLOCKS:  # the arithmetic above says this cannot happen
        raise ValueError(f"{len(blocks)} blocks exceed the Home tab's limit of {MAX_HOME_BLOCKS}")
    return View(type="home", blocks=blocks).to_dict()


def pages_of(home: Home) -> HomePages:
    """Where every list of ``home`` stands: what a paging button moves one list of."""
    o = home.overview
    if o is None:
        return HomePages()
    return HomePages(
        approvals=home.pending.offset if home.pending is not None else 0,
        overdue=o.overdue_reviews.offset,
        dead=o.dead.offset,
        cg=o.cg_due.offset,
        upcoming=o.upcoming_reviews.offset,
        stops=o.active_stops.offset,
        violations=o.violations_this_week.offset,
    )


def build_outsider(t: Translator, *, admin_channel: str | None) -> list[Block]:
    """Anyone who is neither admin nor manager: what the bot is, whom to ask. No personal data."""
    if admin_channel:
        ask = t("home.outsider.ask_channel", channel=channel_link(admin_channel))
    else:
        ask = t("home.outsider.ask_team")
    return [section(t("home.outsider.text", ask=ask))]


def build_overview(
    t: Translator, overview: Overview, *, tz: Any, is_admin: bool, pages: HomePages | None = None
) -> list[Block]:
    """The admin view, most urgent first: what waits for the viewer, then what everyone shares.

    A manager who is no admin sets no stops, so "my reviews" and the admin-only buttons
    (send again, set, lift or review a stop) are left out for them.
    """
    pages = pages or HomePages()
    dead = build_dead_messages(t, overview.dead, tz=tz, can_retry=is_admin, pages=pages)
    parts = [
        *([build_overdue_reviews(t, overview.overdue_reviews, pages=pages)] if is_admin else []),
        dead,
        build_cg_due(t, overview.cg_due, overview.cg_overdue, can_stop=is_admin, pages=pages),
        *([build_upcoming_reviews(t, overview.upcoming_reviews, pages=pages)] if is_admin else []),
        build_active_stops(t, overview.active_stops, is_admin=is_admin, pages=pages),
        build_violations_this_week(t, overview.violations_this_week, pages=pages),
    ]
    blocks: list[Block] = []
    for n, part in enumerate(parts):
        blocks += part if n == len(parts) - 1 else [*part, divider()]
    return blocks


def _listed(
    t: Translator,
    title: str,
    items: Listing[T],
    render: Callable[[T], list[Block]],
    *,
    limit: int,
    empty: str,
    pages: HomePages,
    field: str,
) -> list[Block]:
    """A titled list: one page of at most ``limit`` items, then the buttons to turn pages.

    ``field``: this list's name in ``HomePages``; its paging buttons move only that one.
    """
    blocks: list[Block] = [header(title)]
    if items.total == 0:
        return [*blocks, context(empty)]
    shown = items.items[:limit]
    for item in shown:
        blocks += render(item)
    return blocks + page_blocks(
        t, offset=items.offset, shown=len(shown), total=items.total, page_size=limit,
        action=Action.HOME_PAGE, value=lambda at: dataclasses.replace(pages, **{field: at}),
    )


def build_pending_approvals(t: Translator, cases: Listing[Case], *, pages: HomePages | None = None) -> list[Block]:
    """Managers: every case waiting for them, oldest first, with the decision buttons."""
    title = t("home.approvals.title", count=cases.total)
    return _listed(
        t, title, cases, lambda case: case_row(t, case), limit=APPROVALS_LISTED,
        empty=t("home.approvals.none"), pages=pages or HomePages(), field="approvals",
    )


def build_overdue_reviews(t: Translator, stops: Listing[ActiveStop], *, pages: HomePages | None = None) -> list[Block]:
    title = t("home.reviews_overdue.title", count=stops.total)
    return _listed(
        t, title, stops, lambda s: stop_row(t, s, is_admin=True), limit=LISTED,
        empty=t("home.reviews_overdue.none"), pages=pages or HomePages(), field="overdue",
    )


def build_upcoming_reviews(t: Translator, stops: Listing[ActiveStop], *, pages: HomePages | None = None) -> list[Block]:
    title = t("home.reviews_upcoming.title", count=stops.total)
    return _listed(
        t, title, stops, lambda s: stop_row(t, s, is_admin=True), limit=LISTED,
        empty=t("home.reviews_upcoming.none"), pages=pages or HomePages(), field="upcoming",
    )


def build_active_stops(
    t: Translator, stops: StopList, *, is_admin: bool = False, pages: HomePages | None = None
) -> list[Block]:
    title = t("home.stops.title", count=stops.total, overdue=stops.overdue)
    return _listed(
        t, title, stops, lambda s: stop_row(t, s, is_admin=is_admin), limit=LISTED,
        empty=t("home.stops.none"), pages=pages or HomePages(), field="stops",
    )


def build_cg_due(
    t: Translator, due: Listing[CgEntry], overdue: int, *, can_stop: bool, pages: HomePages | None = None
) -> list[Block]:
    """Overdue first ("Zusammenarbeit nicht möglich", for admins with 'VT-Stop setzen'),
    then due within 14 days: one list, paged."""
    title = t("home.cg.title", count=due.total, overdue=overdue)
    return _listed(
        t, title, due, lambda item: cg_row(t, item, can_stop=can_stop), limit=LISTED,
        empty=t("home.cg.none"), pages=pages or HomePages(), field="cg",
    )


def build_violations_this_week(
    t: Translator, violations: Listing[RecentViolation], *, pages: HomePages | None = None
) -> list[Block]:
    title = t("home.violations.title", count=violations.total)
    return _listed(
        t, title, violations, lambda v: violation_row(t, v), limit=VIOLATIONS_LISTED,
        empty=t("home.violations.none"), pages=pages or HomePages(), field="violations",
    )


def purpose_label(t: Translator, purpose: str) -> str:
    key = f"home.purpose.{purpose}"
    return t(key) if t.has(key) else purpose


def channel_ref(channel: str | None) -> str:
    if not channel:
        return "–"
    if channel[:1] in ("U", "W"):
        return user(channel)
    if channel[:1] in ("C", "G"):
        return channel_link(channel)
    return Mrkdwn(f"`{escape(channel)}`")


# What an admin can do about Slack's refusals (api.slack.com/methods/chat.postMessage#errors).
FIXES = {
    "not_in_channel": "invite",
    "channel_not_found": "channel",
    "is_archived": "archived",
    "user_not_found": "person",
    "user_disabled": "person",
    "account_inactive": "token",
    "invalid_auth": "token",
    "not_authed": "token",
    "token_revoked": "token",
    "missing_scope": "scope",
    "msg_too_long": "content",
    "invalid_blocks": "content",
}


def dead_fix(t: Translator, error: str | None, channel: str | None) -> str:
    """One sentence saying what to do about ``error`` (a Slack error code), instead of the code."""
    code = match.group(0) if error and (match := re.match(r"[a-z_]+", error)) else ""
    return t(f"home.dead.fix.{FIXES.get(code, 'other')}", channel=channel_ref(channel))


def build_dead_messages(
    t: Translator, dead: Listing[DeadMessage], *, tz: Any, can_retry: bool, pages: HomePages | None = None
) -> list[Block]:
    """Messages Slack refused for good; admins may send each one again."""

    def render(message: DeadMessage) -> list[Block]:
        text = t(
            "home.dead.line",
            purpose=purpose_label(t, message.purpose),
            channel=channel_ref(message.channel),
            error=excerpt(message.error or "–", LISTED_TEXT),
            at=fmt_instant(message.created_at.astimezone(tz), t.lang),
            attempts=message.attempts,
        )
        retry = None
        if can_retry:
            retry = button(t("home.dead.retry"), Action.OUTBOX_RETRY, MessageRef(message.id))
        # the fix in the same block: the Home tab holds at most 100
        return [section(Mrkdwn(f"{text}\n{dead_fix(t, message.error, message.channel)}"), accessory=retry)]

    title = t("home.dead.title", count=dead.total)
    return _listed(
        t, title, dead, render, limit=LISTED, empty=t("home.dead.none"), pages=pages or HomePages(),
        field="dead",
    )
