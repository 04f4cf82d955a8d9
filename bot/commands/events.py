"""Commands that come from Slack events rather than from a person's words or clicks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HomeOpened:
    """Someone opened App Home where the process that acked renders no Homes
    (``vpabot serve --role web``): a worker marks it stale in its own refresher."""


@dataclass(frozen=True)
class GroupsChanged:
    """Slack said a user group changed (``subteam_members_changed``) to a process that
    renders no Homes: a worker reads the group again (its own role checks and Homes follow
    it) and re-renders the changed user's Home, the row's user."""

    subteam_id: str


Event = HomeOpened | GroupsChanged
