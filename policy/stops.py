"""Sales stops (VT-Stop): kinds, reasons, and when a stop comes up for review (rules 7-12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from vpabot.policy.catalogue import fold
from vpabot.policy.dates import at_local_time, next_working_day, working_day_on_or_after
from vpabot.policy.errors import PolicyError


class StopKind(StrEnum):
    FULL = "voll"  # no new clients and no new tasks
    CUSTOMERS = "kunden"  # no new clients; single extra tasks allowed (mostly newcomers)

    @property
    def other(self) -> StopKind:
        return StopKind.CUSTOMERS if self is StopKind.FULL else StopKind.FULL


class StopReason(StrEnum):
    VIOLATION = "verstoss"
    NEWBIE = "newbie"
    CG_NOT_ACCEPTED = "cg"
    RESIGNED = "gekuendigt"
    EXCLUDED = "ausgeschlossen"
    TERMINATED = "beendet"
    OTHER = "sonstiges"


# Reasons an admin picks; the others follow from a status change and are open-ended.
CHOOSABLE_REASONS = (StopReason.VIOLATION, StopReason.NEWBIE, StopReason.CG_NOT_ACCEPTED, StopReason.OTHER)

_KIND_WORDS = {
    "voll": StopKind.FULL,
    "full": StopKind.FULL,
    "vt-stop": StopKind.FULL,
    "kunden": StopKind.CUSTOMERS,
    "clients": StopKind.CUSTOMERS,
    "customers": StopKind.CUSTOMERS,
    "light": StopKind.CUSTOMERS,
}
_REASON_WORDS = {
    "verstoss": StopReason.VIOLATION,
    "violation": StopReason.VIOLATION,
    "newbie": StopReason.NEWBIE,
    "einarbeitung": StopReason.NEWBIE,
    "onboarding": StopReason.NEWBIE,
    "cg": StopReason.CG_NOT_ACCEPTED,
    "sonstiges": StopReason.OTHER,
    "other": StopReason.OTHER,
}


def parse_kind(word: str) -> StopKind:
    kind = _KIND_WORDS.get(fold(word))
    if kind is None:
        raise PolicyError("unknown_stop_kind", word=word)
    return kind


def parse_reason(word: str) -> StopReason | None:
    """A reason keyword at the start of the free text, or None (then it is just a note)."""
    return _REASON_WORDS.get(fold(word))


@dataclass(frozen=True)
class CurrentStop:
    kind: StopKind
    until: date | None


@dataclass(frozen=True)
class StopPlan:
    """Setting a stop when one is active changes it: one active stop per assistant."""

    action: str  # "set" | "changed"
    kind: StopKind
    until: date | None


def plan_stop(current: CurrentStop | None, *, kind: StopKind, until: date | None) -> StopPlan:
    if current is None:
        return StopPlan("set", kind, until)
    if current.kind == kind and current.until == until:
        raise PolicyError("stop_unchanged")
    return StopPlan("changed", kind, until)


def plan_extension(current: CurrentStop | None, *, until: date) -> StopPlan:
    if current is None:
        raise PolicyError("no_active_stop")
    if current.until is None:
        raise PolicyError("stop_open_ended")
    if current.until == until:
        raise PolicyError("stop_unchanged")
    return StopPlan("changed", current.kind, until)


def first_review_at(until: date | None, *, at: time, tz: str) -> datetime | None:
    """The review reminder is due on the end date (or the next working day) at ``at``.

    Open-ended stops (resigned, excluded, terminated) are never reviewed.
    """
    if until is None:
        return None
    return at_local_time(working_day_on_or_after(until), at, tz)


def review_overdue(until: date | None, *, today: date) -> bool:
    """Overdue once the review day (end date, or the next working day) has passed undecided."""
    return until is not None and today > working_day_on_or_after(until)


def next_review_at(reminded: datetime, *, at: time, tz: str) -> datetime:
    """An unanswered review is reminded again on the next working day."""
    local_day = reminded.astimezone(ZoneInfo(tz)).date()
    return at_local_time(next_working_day(local_day), at, tz)


@dataclass(frozen=True)
class ReviewToken:
    """What a review reminder was about: the stop and the end date it reminded of.

    A decision since then (lifted, extended, converted) makes the reminder's buttons stale.
    """

    stop_id: int
    until: date | None
