"""The report's rules: months in local time, the first working day, when a review is overdue."""

from __future__ import annotations

from datetime import date, datetime, timezone

import holidays
import pytest

from vpabot.policy.errors import PolicyError
from vpabot.policy.reports import (
    Month,
    Review,
    ReviewOutcome,
    StopEvent,
    first_working_day,
    parse_month,
    reviews_of,
    working_days_after,
)

BERLIN = "Europe/Berlin"
NATIONWIDE = holidays.country_holidays("DE")  # VPA_HOLIDAY_REGION unset


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-11", Month(2026, 11)),
        (" 2026-1 ", Month(2026, 1)),
        ("11.2026", Month(2026, 11)),
        ("1/2027", Month(2027, 1)),
    ],
)
def test_months_are_read_as_admins_write_them(text: str, month: Month) -> None:
    assert parse_month(text) == month
    assert str(parse_month(text)) == f"{month.year}-{month.month:02d}"


@pytest.mark.parametrize(
    "text", ["", "2026-13", "2026-00", "2026", "November", "2026-11-01", "0000-05", "99999-01"]
)
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_month(text)
    assert refused.value.code == "month_unreadable" and refused.value.params == {"text": text}


def test_a_month_is_its_local_days_in_utc() -> None:
    start, end = Month(2026, 11).bounds(BERLIN)
    assert start == datetime(2026, 10, 31, 23, 0, tzinfo=timezone.utc)  # CET: UTC+1
    assert end == datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)
    summer_start, _ = Month(2026, 7).bounds(BERLIN)
    assert summer_start == datetime(2026, 6, 30, 22, 0, tzinfo=timezone.utc)  # CEST: UTC+2
    # October holds the autumn change: 31 days of 24 hours plus the repeated hour
    october_start, october_end = Month(2026, 10).bounds(BERLIN)
    assert (october_end - october_start).total_seconds() == (31 * 24 + 1) * 3600


def test_month_arithmetic_over_year_ends_and_leap_years() -> None:
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2028, 2).last_day == date(2028, 2, 29)
    assert Month(2027, 2).last_day == date(2027, 2, 28)
    assert date(2026, 11, 30) in Month(2026, 11) and date(2026, 12, 1) not in Month(2026, 11)


@pytest.mark.parametrize(
    ("month", "first"),
    [
        (Month(2027, 1), date(2027, 1, 4)),  # Fri 1 Jan is Neujahr, then a weekend
        (Month(2026, 12), date(2026, 12, 1)),  # a Tuesday
        (Month(2026, 11), date(2026, 11, 2)),  # Sunday the 1st
        (Month(2027, 5), date(2027, 5, 3)),  # Sat 1 May is a holiday anyway
        (Month(2026, 6), date(2026, 6, 1)),  # a Monday
    ],
)
def test_first_working_day(month: Month, first: date) -> None:
    assert first_working_day(month, holidays=NATIONWIDE) == first


def test_working_days_after_skips_weekends_and_holidays() -> None:
    assert working_days_after(date(2027, 1, 4), 0, holidays=NATIONWIDE) == date(2027, 1, 4)
    assert working_days_after(date(2026, 12, 24), 1, holidays=NATIONWIDE) == date(2026, 12, 28)
    assert working_days_after(date(2026, 11, 27), 2, holidays=NATIONWIDE) == date(2026, 12, 1)


# -- reviews -----------------------------------------------------------------------------------
def set_(day: date, until: date | None) -> StopEvent:
    return StopEvent(day, "set", until)


def changed(day: date, until: date | None) -> StopEvent:
    return StopEvent(day, "changed", until)


def lifted(day: date) -> StopEvent:
    return StopEvent(day, "lifted", None)


def test_a_lift_on_the_first_reminder_day_is_on_time() -> None:
    (review,) = reviews_of(
        [set_(date(2026, 11, 2), date(2026, 11, 16)), lifted(date(2026, 11, 16))],
        holidays=NATIONWIDE,
    )
    assert review == Review(date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 16))
    assert review.outcome(today=date(2026, 12, 1)) is ReviewOutcome.ON_TIME


def test_an_end_date_on_a_weekend_is_reviewed_on_the_next_working_day() -> None:
    # ends Saturday 14.11.; the reminder goes out Monday 16.11.: deciding then is on time
    events = [
        set_(date(2026, 11, 2), date(2026, 11, 14)),
        changed(date(2026, 11, 16), date(2026, 11, 30)),
    ]
    first, second = reviews_of(events, holidays=NATIONWIDE)
    assert (
        first.due_on == date(2026, 11, 16)
        and first.outcome(today=date(2026, 12, 1)) is ReviewOutcome.ON_TIME
    )
    # the extension is a new review, still open at month end: overdue
    assert second.until == date(2026, 11, 30) and second.decided_on is None
    assert second.outcome(today=date(2026, 12, 1)) is ReviewOutcome.OVERDUE
    assert second.outcome(today=date(2026, 11, 30)) is ReviewOutcome.PENDING


def test_deciding_a_day_after_the_reminder_is_overdue() -> None:
    (review,) = reviews_of(
        [set_(date(2026, 11, 5), date(2026, 11, 19)), lifted(date(2026, 11, 20))],
        holidays=NATIONWIDE,
    )
    assert review.outcome(today=date(2026, 11, 20)) is ReviewOutcome.OVERDUE


def test_a_change_before_the_end_date_is_no_review() -> None:
    events = [
        set_(date(2026, 11, 5), date(2026, 11, 26)),
        changed(date(2026, 11, 10), date(2026, 11, 19)),  # shortened early
        lifted(date(2026, 11, 18)),  # lifted early
    ]
    assert reviews_of(events, holidays=NATIONWIDE) == []


def test_open_ended_stops_have_no_review() -> None:
    assert reviews_of([set_(date(2026, 11, 10), None)], holidays=NATIONWIDE) == []
    assert reviews_of(
        [set_(date(2026, 11, 10), date(2026, 11, 12)), changed(date(2026, 11, 12), None)],
        holidays=NATIONWIDE,
    ) == [Review(date(2026, 11, 12), date(2026, 11, 12), date(2026, 11, 12))]


def test_reminded_more_than_once_is_overdue_and_belongs_to_the_last_end_date() -> None:
    events = [
        set_(date(2026, 11, 2), date(2026, 11, 16)),
        changed(date(2026, 11, 16), date(2026, 11, 23)),
        lifted(date(2026, 11, 23)),
    ]
    first, last = reviews_of(events, holidays=NATIONWIDE, current_reminders=2)
    assert first.reminders == 0 and first.outcome(today=date(2026, 12, 1)) is ReviewOutcome.ON_TIME
    assert last.reminders == 2 and last.outcome(today=date(2026, 12, 1)) is ReviewOutcome.OVERDUE
