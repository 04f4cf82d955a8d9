"""CG re-acceptance: who is due or overdue, and what recording an acceptance did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vpabot.bot.results.listing import Listing
from vpabot.policy.cg import CgState, CgStatus
from vpabot.policy.stops import ReviewToken


@dataclass(frozen=True)
class CgEntry:
    """One assistant whose acceptance is overdue or due soon."""

    handle: str
    name: str
    accepted_on: date | None
    status: CgStatus
    cg_stop: bool  # a VT-Stop for "CG nicht akzeptiert" is already active
    other_stop: bool = False  # another VT-Stop is active: no CG stop is offered over it

    @property
    def state(self) -> CgState:
        return self.status.state

    @property
    def due_on(self) -> date | None:
        return self.status.due_on


CgList = Listing[CgEntry]


@dataclass(frozen=True)
class AcceptanceOutcome:
    handle: str
    name: str
    accepted_on: date
    changed: bool  # False: exactly this date was already on record
    status: CgStatus
    lift_offer: ReviewToken | None  # the CG stop that may now be lifted
