"""The monthly report's numbers for one calendar month (local time)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpabot.policy.reports import Month

STEPS = (1, 2, 3, 4)
SEVERE = "severe"  # the by_step key of severe cases, which skip the ladder


@dataclass(frozen=True)
class MonthlyReport:
    month: Month
    timezone: str
    violations: int = 0
    rejected: int = 0
    awaiting_approval: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    by_tag: dict[str, int] = field(default_factory=dict)
    by_step: dict[str, int] = field(default_factory=dict)  # "1".."4" and "severe"
    by_source_and_step: dict[str, dict[str, int]] = field(default_factory=dict)
    stops_set: int = 0
    stops_set_open_ended: int = 0
    mean_planned_days: float | None = None
    stops_lifted: int = 0
    mean_lifted_days: float | None = None
    reviews_on_time: int = 0
    reviews_overdue: int = 0
    reviews_pending: int = 0
    cg_active: int = 0
    cg_accepted: int = 0

    @property
    def reviews(self) -> int:
        return self.reviews_on_time + self.reviews_overdue + self.reviews_pending

    @property
    def cg_rate(self) -> float | None:
        return self.cg_accepted / self.cg_active if self.cg_active else None
