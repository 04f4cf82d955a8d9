"""VT-Stops: what a change did, and the active stops as the lists show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vpabot.bot.results.listing import Listing
from vpabot.policy.stops import StopKind


@dataclass(frozen=True)
class StopOutcome:
    action: str  # set | changed | lifted | kept (already full and open-ended: not announced)
    handle: str
    name: str
    kind: StopKind
    until: date | None
    stop_id: int


@dataclass(frozen=True)
class ActiveStop:
    handle: str
    name: str
    kind: StopKind
    starts_on: date
    until: date | None
    set_by: str
    overdue: bool
    stop_id: int = 0
    due: bool = False  # the end date has come: the review's decision is open
    liftable: bool = True  # False once the collaboration ended (the stop stays for good)


@dataclass(frozen=True)
class StopList(Listing[ActiveStop]):
    """The first active stops, overdue reviews first; ``total`` and ``overdue`` count all."""

    overdue: int = 0
