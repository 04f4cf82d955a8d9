"""Commands that come from Slack events rather than from a person's words or clicks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HomeOpened:
    """Someone opened App Home where the process that acked renders no Homes
    (``vpabot serve --role web``): a worker marks it stale in its own refresher."""


Event = HomeOpened
