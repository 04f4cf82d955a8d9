"""Rules of the monthly report: calendar months in local time, when a review counts as overdue.

Pure domain layer: standard library only.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from vpabot.policy.dates import (
    HolidayCalendar,
    at_local_time,
    is_working_day,
    working_day_on_or_after,
)
from vpabot.policy.errors import PolicyError

_MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
_GERMAN_MONTH = re.compile(r"(\d{1,2})[./](\d{4})", re.ASCII)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; its instants are those of its days in the configured time zone."""

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def previous(self) -> Month:
        return Month.of(self.first_day - timedelta(days=1))

    def next(self) -> Month:
        return Month.of(self.last_day + timedelta(days=1))

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the 1st to local midnight of the next 1st."""
        return (
            at_local_time(self.first_day, time(0), tz),
            at_local_time(self.next().first_day, time(0), tz),
        )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and (day.year, day.month) == (self.year, self.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str) -> Month:
    """Read "2026-11" (also "11.2026" and "11/2026", the way German admins write it)."""
    cleaned = text.strip()
    if match := _MONTH.fullmatch(cleaned):
        year, month = int(match.group(1)), int(match.group(2))
    elif match := _GERMAN_MONTH.fullmatch(cleaned):
        month, year = int(match.group(1)), int(match.group(2))
    else:
        raise PolicyError("month_unreadable", text=text)
    if not (1 <= month <= 12 and 1 <= year <= 9998):
        raise PolicyError("month_unreadable", text=text)
    return Month(year, month)


def first_working_day(month: Month, *, holidays: HolidayCalendar) -> date:
    """The day the monthly report goes out: 1 January is a holiday, so 2027 starts on the 4th."""
    return working_day_on_or_after(month.first_day, holidays=holidays)


def working_days_after(day: date, count: int, *, holidays: HolidayCalendar) -> date:
    """The ``count``-th working day after ``day`` (0: ``day`` itself)."""
    for _ in range(count):
        day += timedelta(days=1)
        while not is_working_day(day, holidays=holidays):
            day += timedelta(days=1)
    return day


# -- Reviews -------------------------------------------------------------------------------------
#
# A stop with an end date comes up for review: the reminder goes out on its *first reminder day*,
# the end date or the next working day after it. Each end date a stop held is one review; the
# decision is the next lift or change of the stop on or after the end date (an extension, a
# conversion, a lift). A change before the end date replaces the end date early: no review.
#
# A review is ON TIME if it was decided on or before its first reminder day, and OVERDUE if it
# was decided later, or was still open after that day, or was reminded more than once
# (``sales_stops.review_reminders`` > 1, known only for the stop's current end date; it repeats
# the day rule for data without an audit trail). A review counts in the month of its first
# reminder day; decisions after that month's end are looked at as "still open at month end",
# so a month's numbers never change later.


class ReviewOutcome(StrEnum):
    ON_TIME = "on_time"
    OVERDUE = "overdue"
    PENDING = "pending"  # its reminder day is today or later: not decided yet, not late yet


@dataclass(frozen=True)
class StopEvent:
    """One step in a stop's life, on its local calendar day."""

    day: date
    action: str  # set | changed | lifted
    until: date | None  # the end date after the event; None when open-ended or lifted


@dataclass(frozen=True)
class Review:
    until: date
    due_on: date  # the first reminder day
    decided_on: date | None
    reminders: int = 0

    def outcome(self, *, today: date) -> ReviewOutcome:
        if self.reminders > 1:
            return ReviewOutcome.OVERDUE
        if self.decided_on is not None:
            return (
                ReviewOutcome.ON_TIME if self.decided_on <= self.due_on else ReviewOutcome.OVERDUE
            )
        return ReviewOutcome.OVERDUE if today > self.due_on else ReviewOutcome.PENDING


def review_due_on(until: date, *, holidays: HolidayCalendar) -> date:
    return working_day_on_or_after(until, holidays=holidays)


def reviews_of(
    events: Sequence[StopEvent], *, holidays: HolidayCalendar, current_reminders: int = 0
) -> list[Review]:
    """The reviews in a stop's history (events in order); see the rule above."""
    reviews: list[Review] = []
    # review_reminders belongs to the stop's last end date (a change resets it, a lift keeps it).
    current = max((i for i, e in enumerate(events) if e.action != "lifted"), default=-1)
    for index, event in enumerate(events):
        if event.action == "lifted" or event.until is None:
            continue
        following = events[index + 1] if index + 1 < len(events) else None
        if following is not None and following.day < event.until:
            continue  # changed or lifted before the end date: that end date was never reviewed
        reviews.append(
            Review(
                until=event.until,
                due_on=review_due_on(event.until, holidays=holidays),
                decided_on=following.day if following else None,
                reminders=current_reminders if index == current else 0,
            )
        )
    return reviews


def mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None
