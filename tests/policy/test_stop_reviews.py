"""Which end dates are overdue for review, as one date range the database can use."""

from __future__ import annotations

from datetime import date, timedelta

from vpabot.policy.stops import last_overdue_until, review_overdue


def test_overdue_end_dates_are_exactly_those_up_to_last_overdue_until() -> None:
    # A Monday, a Tuesday after Easter Monday, a day after a long weekend, a Saturday.
    for today in (date(2026, 11, 30), date(2026, 4, 7), date(2026, 12, 28), date(2026, 11, 28)):
        last = last_overdue_until(today)
        for back in range(-5, 30):
            until = today - timedelta(days=back)
            assert review_overdue(until, today=today) == (until <= last), (today, until)
