"""Which end dates are overdue for review, as one date range the database can use."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from vpabot.policy.stops import last_overdue_until, review_overdue

CALENDARS = {"nationwide": holidays.country_holidays("DE"), "Bavaria": holidays.country_holidays("DE", subdiv="BY")}


@pytest.mark.parametrize("region", CALENDARS)
def test_overdue_end_dates_are_exactly_those_up_to_last_overdue_until(region: str) -> None:
    calendar = CALENDARS[region]
    # A Monday, a Tuesday after Easter Monday, a day after a long weekend, a Saturday.
    for today in (date(2026, 11, 30), date(2026, 4, 7), date(2026, 12, 28), date(2026, 11, 28)):
        last = last_overdue_until(today, holidays=calendar)
        for back in range(-5, 30):
            until = today - timedelta(days=back)
            assert review_overdue(until, today=today, holidays=calendar) == (until <= last), (today, until)
