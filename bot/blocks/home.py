"""The Home tab: one view per viewer, most urgent first, within Slack's 100-block limit.

Every list shows its first few items and counts the rest ("… und N weitere"), so the page has
a fixed worst case however many stops or cases there are:

    title 2 + approvals (1 + 2·10 + 1 + 1) + 5 lists · (1 + 10 + 1 + 1)
            + violations (1 + 5 + 1) = 97
"""

from __future__ import annotations

import re

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from slack_sdk.models.blocks import ActionsBlock, Block
from slack_sdk.models.views import View

from vpabot.bot.blocks.cg import cg_stop_button
from vpabot.bot.blocks.common import who
from vpabot.bot.mrkdwn import Mrkdwn, channel_link
from vpabot.bot.blocks.common import (
    LISTED_TEXT,
    excerpt,
    button,
    context,
    divider,
    escape,
    fmt_date,
    fmt_instant,
    header,
    section,
    user,
)
from vpabot.bot.labels import source_label, state_label, step_label
from vpabot.bot.blocks.stops import kind_label, period
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action
from vpabot.bot.payloads import CaseRef, MessageRef
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
from vpabot.policy.cg import CgState

MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab view
# Items per list (LISTED), approvals (two blocks each) and violations: bot.services.home.

T = TypeVar("T")


def build_home(
    t: Translator, home: Home, *, tz: Any, now: datetime, admin_channel: str | None
) -> dict[str, Any]:
    """The view for ``views.publish``: the friendly paragraph, or the staff dashboard."""
    if home.overview is None:
        blocks: list[Block] = build_outsider(t, admin_channel=admin_channel)
    else:
        blocks = [
            header(t("home.admin.title")),
            context(t("home.updated", at=fmt_instant(now.astimezone(tz), t.lang))),
        ]
        if home.pending is not None:
            blocks += [*build_pending_approvals(t, home.pending), divider()]
        blocks += build_overview(t, home.overview, tz=tz, is_admin=home.is_admin)
    if len(blocks) > MAX_HOME_BLOCKS:  # the arithmetic above says this cannot happen
        raise ValueError(f"{len(blocks)} blocks exceed the Home tab's limit of {MAX_HOME_BLOCKS}")
    return View(type="home", blocks=blocks).to_dict()


def build_outsider(t: Translator, *, admin_channel: str | None) -> list[Block]:
    """Anyone who is neither admin nor manager: what the bot is, whom to ask. No personal data."""
    if admin_channel:
        ask = t("home.outsider.ask_channel", channel=channel_link(admin_channel))
    else:
        ask = t("home.outsider.ask_team")
    return [section(t("home.outsider.text", ask=ask))]


def build_overview(t: Translator, overview: Overview, *, tz: Any, is_admin: bool) -> list[Block]:
    """The admin view, most urgent first: what waits for the viewer, then what everyone shares.

    A manager who is no admin sets no stops, so "my reviews" and the admin-only buttons
    (send again, set a stop) are left out for them.
    """
    dead = build_dead_messages(t, overview.dead, tz=tz, can_retry=is_admin)
    parts = [
        *([build_overdue_reviews(t, overview.overdue_reviews)] if is_admin else []),
        dead,
        build_cg_due(t, overview.cg_overdue, overview.cg_due_soon, can_stop=is_admin),
        *([build_upcoming_reviews(t, overview.upcoming_reviews)] if is_admin else []),
        build_active_stops(t, overview.active_stops),
        build_violations_this_week(t, overview.violations_this_week),
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
) -> list[Block]:
    """A titled list: the first ``limit`` items, then how many more there are."""
    blocks: list[Block] = [header(title)]
    if items.total == 0:
        return [*blocks, context(empty)]
    shown = items.items[:limit]
    for item in shown:
        blocks += render(item)
    if items.total > len(shown):
        blocks.append(context(t.plural("home.more", items.total - len(shown))))
    return blocks


def _who(name: str, handle: str) -> str:
    return who(name, handle)


def _stop_line(t: Translator, stop: ActiveStop) -> list[Block]:
    flag = t("stops.overdue") + " " if stop.overdue else ""
    return [
        section(
            t(
                "stops.line",
                flag=flag,
                who=_who(stop.name, stop.handle),
                kind=kind_label(t, stop.kind),
                since=fmt_date(stop.starts_on, t.lang),
                period=period(t, stop.until),
                by=user(stop.set_by),
            )
        )
    ]


def build_pending_approvals(t: Translator, cases: Listing[Case]) -> list[Block]:
    """Managers: every case waiting for them, oldest first, with the decision buttons."""

    def render(case: Case) -> list[Block]:
        value = CaseRef(case.violation_id)
        text = t(
            "approval.body",
            who=_who(case.name, case.handle),
            step=step_label(t, case.step, case.severe),
            tag=case.tag,
            source=source_label(t, case.source),
            by=user(case.logged_by),
            note=excerpt(case.note, LISTED_TEXT),
        )
        buttons = ActionsBlock(
            elements=[
                button(t("approval.approve"), Action.APPROVAL_APPROVE, value, style="primary"),
                button(t("approval.reject"), Action.APPROVAL_REJECT, value, style="danger"),
            ]
        )
        return [section(text), buttons]

    title = t("home.approvals.title", count=cases.total)
    return _listed(t, title, cases, render, limit=APPROVALS_LISTED, empty=t("home.approvals.none"))


def build_overdue_reviews(t: Translator, stops: Listing[ActiveStop]) -> list[Block]:
    title = t("home.reviews_overdue.title", count=stops.total)
    empty = t("home.reviews_overdue.none")
    return _listed(t, title, stops, lambda s: _stop_line(t, s), limit=LISTED, empty=empty)


def build_upcoming_reviews(t: Translator, stops: Listing[ActiveStop]) -> list[Block]:
    title = t("home.reviews_upcoming.title", count=stops.total)
    empty = t("home.reviews_upcoming.none")
    return _listed(t, title, stops, lambda s: _stop_line(t, s), limit=LISTED, empty=empty)


def build_active_stops(t: Translator, stops: StopList) -> list[Block]:
    title = t("home.stops.title", count=stops.total, overdue=stops.overdue)
    empty = t("home.stops.none")
    return _listed(t, title, stops, lambda s: _stop_line(t, s), limit=LISTED, empty=empty)


def build_cg_due(
    t: Translator, overdue: Listing[CgEntry], due_soon: Listing[CgEntry], *, can_stop: bool
) -> list[Block]:
    """Overdue first ("Zusammenarbeit nicht möglich", for admins with 'VT-Stop setzen'),
    then due within 14 days."""

    def render(item: CgEntry) -> list[Block]:
        when = fmt_date(item.due_on, t.lang)
        status = {
            CgState.NEVER: t("home.cg.never"),
            CgState.OVERDUE: t("home.cg.overdue", date=when),
        }.get(item.state) or t("home.cg.due_soon", date=when)
        offer = can_stop and item.status.blocks_collaboration and not (item.cg_stop or item.other_stop)
        accessory = cg_stop_button(t, item.handle) if offer else None
        line = t("home.cg.line", who=_who(item.name, item.handle), status=status)
        return [section(line, accessory=accessory)]

    # Overdue ones come first; due-soon ones fill what is left of the page.
    due = Listing(overdue.items[:LISTED] + due_soon.items, overdue.total + due_soon.total)
    title = t("home.cg.title", count=due.total, overdue=overdue.total)
    return _listed(t, title, due, render, limit=LISTED, empty=t("home.cg.none"))


def build_violations_this_week(
    t: Translator, violations: Listing[RecentViolation]
) -> list[Block]:
    def render(v: RecentViolation) -> list[Block]:
        line = t(
            "home.violations.line",
            date=fmt_date(v.logged_on, t.lang),
            who=_who(v.name, v.handle),
            step=step_label(t, v.step, v.severe),
            tag=v.tag,
            state=state_label(t, v.state),
            by=user(v.logged_by),
        )
        return [section(line)]

    title = t("home.violations.title", count=violations.total)
    empty = t("home.violations.none")
    return _listed(t, title, violations, render, limit=VIOLATIONS_LISTED, empty=empty)


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
    t: Translator, dead: Listing[DeadMessage], *, tz: Any, can_retry: bool
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
    return _listed(t, title, dead, render, limit=LISTED, empty=t("home.dead.none"))
