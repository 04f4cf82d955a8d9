"""What the Home tab shows one viewer, by role: each list its first items and its total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from vpabot.bot.results.cases import Case
from vpabot.bot.results.cg import CgEntry
from vpabot.bot.results.listing import Listing
from vpabot.bot.results.stops import ActiveStop, StopList

# What the Home tab shows of each list (bot.blocks.home reads these too); the rest is counted.
LISTED = 10
APPROVALS_LISTED = 10
VIOLATIONS_LISTED = 5


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
    cg_overdue: Listing[CgEntry]  # no collaboration possible; never accepted first
    cg_due_soon: Listing[CgEntry]  # due within 14 days
    violations_this_week: Listing[RecentViolation]
    dead: Listing[DeadMessage]


@dataclass(frozen=True)
class Home:
    viewer: str
    is_admin: bool
    pending: Listing[Case] | None  # None: the viewer is no VPA manager
    overview: Overview | None  # None: neither admin nor manager, so no personal data at all
