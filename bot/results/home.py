"""What the Home tab shows one viewer, by role: each list one page and its total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from vpabot.bot.results.cases import Case
from vpabot.bot.results.cg import CgEntry
from vpabot.bot.results.listing import Listing
from vpabot.bot.results.stops import ActiveStop, StopList

# Rows per page of each Home list (bot.blocks.home reads these too): most rows carry their
# buttons in a second block, and seven lists of five stay within Slack's 100 blocks.
LISTED = 5
APPROVALS_LISTED = 5
VIOLATIONS_LISTED = 5
# The Home's lists, by the name a page offset is given for (payloads.HomePages' fields).
LISTS = ("approvals", "overdue", "dead", "cg", "upcoming", "stops", "violations")


@dataclass(frozen=True)
class RecentViolation:
    handle: str
    name: str
    step: int | None
    severe: bool
    tag: str  # label
    state: str
    logged_by: str
    logged_on: date


@dataclass(frozen=True)
class DeadMessage:
    id: int
    purpose: str
    channel: str | None
    error: str
    created_at: datetime
    attempts: int


@dataclass(frozen=True)
class Overview:
    """The admin view: every list sorted most urgent first, its first items and its total."""

    overdue_reviews: Listing[ActiveStop]  # stops the viewer set
    upcoming_reviews: Listing[ActiveStop]  # stops the viewer set, review in the next 14 days
    active_stops: StopList
    cg_due: Listing[CgEntry]  # overdue (never accepted first), then due within 14 days
    cg_overdue: int  # how many of cg_due are overdue: no collaboration possible
    violations_this_week: Listing[RecentViolation]
    dead: Listing[DeadMessage]


@dataclass(frozen=True)
class Home:
    viewer: str
    is_admin: bool
    pending: Listing[Case] | None  # None: the viewer is no VPA manager
    overview: Overview | None  # None: neither admin nor manager, so no personal data at all
