"""The ladder: which step a new violation is, and who must be involved (rules 1-5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum

from vpabot.policy.dates import add_months
from vpabot.policy.errors import PolicyError


class LadderStep(IntEnum):
    REMINDER = 1  # Erinnerung an CGs
    ERMAHNUNG = 2
    ABMAHNUNG = 3  # internal word only
    EXCLUSION = 4  # Ausschluss aus der Community


class ViolationState(StrEnum):
    RECORDED = "recorded"  # in force, no approval needed
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"  # "nicht freigegeben": stays in the file, does not count
    WITHDRAWN = "withdrawn"
    SETTLED = "settled"  # still pending when the collaboration ended: nothing left to decide


class AssistantStatus(StrEnum):
    NEW = "neu"
    ACTIVE = "aktiv"
    RESIGNED = "gekuendigt"
    EXCLUDED = "ausgeschlossen"
    TERMINATED = "beendet"


CLOSED_STATUSES = frozenset({AssistantStatus.EXCLUDED, AssistantStatus.TERMINATED})
NOT_COUNTING = frozenset({ViolationState.REJECTED, ViolationState.WITHDRAWN})


@dataclass(frozen=True)
class PastViolation:
    logged_on: date
    state: ViolationState


@dataclass(frozen=True)
class ViolationDecision:
    """What happens with a new violation. ``step`` is None for a severe one: it skips the ladder."""

    step: LadderStep | None
    severe: bool
    needs_approval: bool
    informs_manager: bool

    @property
    def state(self) -> ViolationState:
        return ViolationState.AWAITING_APPROVAL if self.needs_approval else ViolationState.RECORDED


def counts(violation: PastViolation, *, today: date, expiry_months: int | None) -> bool:
    """Whether an earlier violation still counts for the ladder."""
    if violation.state in NOT_COUNTING:
        return False
    if expiry_months is None:
        return True
    return add_months(violation.logged_on, expiry_months) > today


def counting_since(*, today: date, expiry_months: int | None) -> date | None:
    """Violations logged *after* this day still count (None: all count).

    The same rule as ``counts``, as a cut-off a database can filter on, so a long file
    is counted, not loaded.
    """
    if expiry_months is None:
        return None
    cutoff = add_months(today, -expiry_months)
    # add_months clamps at month ends, so several days can expire on the same day.
    while add_months(cutoff + timedelta(days=1), expiry_months) <= today:
        cutoff += timedelta(days=1)
    while add_months(cutoff, expiry_months) > today:
        cutoff -= timedelta(days=1)
    return cutoff


def decide_step(*, status: AssistantStatus, earlier: int, severe: bool) -> ViolationDecision:
    """Step = 1 + ``earlier`` violations that still count, capped at 4.

    Steps 3 and 4 and every severe case are irreversible enough to need the VPA manager's
    approval; an Ermahnung only informs the manager.
    """
    if status in CLOSED_STATUSES or status is AssistantStatus.RESIGNED:
        raise PolicyError("assistant_closed", status=status.value)
    if severe:
        return ViolationDecision(step=None, severe=True, needs_approval=True, informs_manager=True)
    step = LadderStep(min(1 + earlier, LadderStep.EXCLUSION))
    return ViolationDecision(
        step=step,
        severe=False,
        needs_approval=step >= LadderStep.ABMAHNUNG,
        informs_manager=step >= LadderStep.ERMAHNUNG,
    )
