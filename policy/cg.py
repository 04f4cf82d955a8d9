"""CG re-acceptance (rule 13): every 3 calendar months a read confirmation is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from vpabot.policy.dates import add_months, parse_day
from vpabot.policy.errors import PolicyError

ACCEPTANCE_MONTHS = 3
DUE_SOON_DAYS = 14


class CgState(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"  # due within the next 14 days
    OVERDUE = "overdue"  # no collaboration possible until accepted
    NEVER = "never"  # no acceptance recorded at all: treated as overdue


@dataclass(frozen=True)
class CgStatus:
    state: CgState
    due_on: date | None

    @property
    def blocks_collaboration(self) -> bool:
        return self.state in (CgState.OVERDUE, CgState.NEVER)


def cg_due_on(last_accepted: date) -> date:
    """Due 3 calendar months after the last acceptance (month ends clamp: 30.11. -> 28.02.)."""
    return add_months(last_accepted, ACCEPTANCE_MONTHS)


def cg_status(last_accepted: date | None, *, today: date) -> CgStatus:
    if last_accepted is None:
        return CgStatus(CgState.NEVER, None)
    due = cg_due_on(last_accepted)
    if due < today:
        return CgStatus(CgState.OVERDUE, due)
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return CgStatus(CgState.DUE_SOON, due)
    return CgStatus(CgState.OK, due)


def latest_acceptance_due_by(day: date) -> date:
    """The last acceptance date whose next confirmation is due on or before ``day``.

    ``cg_due_on`` never decreases, so "due by ``day``" is the range ``accepted <= this``:
    overdue today is ``latest_acceptance_due_by(today - 1 day)``, due soon the range up to
    ``latest_acceptance_due_by(today + 14 days)``. Month ends clamp, so 31.08. is due on
    30.11. like 30.08.; the loop steps over those few days.
    """
    accepted = add_months(day, -ACCEPTANCE_MONTHS)
    while cg_due_on(accepted + timedelta(days=1)) <= day:
        accepted += timedelta(days=1)
    return accepted


class AcceptanceChange(StrEnum):
    NEWER = "newer"  # moves the due date on
    SAME = "same"  # already recorded: nothing to write
    OLDER = "older"  # before the last recorded acceptance


def parse_accepted_on(text: str, *, today: date) -> date:
    """The day an assistant confirmed reading the CGs: 31.12.2026 or 2026-12-31, never ahead."""
    day = parse_day(text)
    if day > today:
        raise PolicyError("cg_date_in_future", date=day)
    return day


def compare_acceptance(last: date | None, new: date) -> AcceptanceChange:
    """How a newly reported acceptance relates to the one on record."""
    if last is None or new > last:
        return AcceptanceChange.NEWER
    return AcceptanceChange.SAME if new == last else AcceptanceChange.OLDER
