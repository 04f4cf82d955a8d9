"""CG re-acceptance arithmetic (rule 13): due 3 calendar months after the last acceptance.

A table per question: when is it due (month ends clamp, leap years), what state is it in on a
given day (the boundary days of "due soon" and "overdue"), which typed dates are accepted.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vpabot.policy.cg import (
    DUE_SOON_DAYS,
    AcceptanceChange,
    CgState,
    cg_due_on,
    cg_status,
    compare_acceptance,
    parse_accepted_on,
)
from vpabot.policy.errors import PolicyError

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("accepted", "due"),
    [
        pytest.param(date(2026, 8, 26), date(2026, 11, 26), id="plain"),
        pytest.param(date(2026, 10, 15), date(2027, 1, 15), id="across the year end"),
        pytest.param(
            date(2026, 11, 30), date(2027, 2, 28), id="30.11. -> 28.02. (month end clamps)"
        ),
        pytest.param(date(2026, 11, 28), date(2027, 2, 28), id="28.11. -> 28.02."),
        pytest.param(date(2027, 11, 30), date(2028, 2, 29), id="30.11. -> 29.02. in a leap year"),
        pytest.param(date(2027, 11, 29), date(2028, 2, 29), id="29.11. -> 29.02. in a leap year"),
        pytest.param(date(2023, 11, 29), date(2024, 2, 29), id="leap year 2024"),
        pytest.param(date(2024, 2, 29), date(2024, 5, 29), id="from a leap day"),
        pytest.param(date(2026, 5, 31), date(2026, 8, 31), id="31.05. -> 31.08."),
        pytest.param(date(2026, 3, 31), date(2026, 6, 30), id="31.03. -> 30.06."),
        pytest.param(date(2026, 12, 31), date(2027, 3, 31), id="31.12. -> 31.03."),
        pytest.param(date(2026, 1, 31), date(2026, 4, 30), id="31.01. -> 30.04."),
        pytest.param(
            date(2099, 12, 31), date(2100, 3, 31), id="2100 is no leap year, March is fine"
        ),
        pytest.param(date(2099, 11, 30), date(2100, 2, 28), id="2100 is no leap year"),
        pytest.param(date(2099, 11, 29), date(2100, 2, 28), id="29.11.2099 -> 28.02.2100"),
    ],
)
def test_due_three_calendar_months_later(accepted: date, due: date) -> None:
    assert cg_due_on(accepted) == due
    assert cg_status(accepted, today=accepted).due_on == due


@pytest.mark.parametrize(
    ("accepted", "today", "state"),
    [
        pytest.param(None, TODAY, CgState.NEVER, id="never accepted"),
        pytest.param(date(2026, 11, 26), TODAY, CgState.OK, id="accepted today"),
        # due 26.11.: due today is not yet overdue
        pytest.param(date(2026, 8, 26), TODAY, CgState.DUE_SOON, id="due today"),
        pytest.param(date(2026, 8, 25), TODAY, CgState.OVERDUE, id="due yesterday"),
        pytest.param(date(2026, 5, 1), TODAY, CgState.OVERDUE, id="long overdue"),
        # due exactly 14 days ahead (10.12.) is "due soon"; 15 days ahead is fine
        pytest.param(date(2026, 9, 10), TODAY, CgState.DUE_SOON, id="due in 14 days"),
        pytest.param(date(2026, 9, 11), TODAY, CgState.OK, id="due in 15 days"),
        pytest.param(date(2026, 8, 27), TODAY, CgState.DUE_SOON, id="due tomorrow"),
        # month end: accepted 30.11.2026, due 28.02.2027
        pytest.param(
            date(2026, 11, 30), date(2027, 2, 28), CgState.DUE_SOON, id="clamped due day itself"
        ),
        pytest.param(
            date(2026, 11, 30), date(2027, 3, 1), CgState.OVERDUE, id="day after clamped due"
        ),
        pytest.param(
            date(2026, 11, 30), date(2027, 2, 13), CgState.OK, id="15 days before clamped due"
        ),
        pytest.param(
            date(2026, 11, 30), date(2027, 2, 14), CgState.DUE_SOON, id="14 days before clamped due"
        ),
        # leap year: accepted 30.11.2027, due 29.02.2028
        pytest.param(
            date(2027, 11, 30), date(2028, 2, 29), CgState.DUE_SOON, id="due on the leap day"
        ),
        pytest.param(
            date(2027, 11, 30), date(2028, 3, 1), CgState.OVERDUE, id="overdue after the leap day"
        ),
        # the year end: accepted 31.10., due 31.01.
        pytest.param(
            date(2026, 10, 31), date(2027, 1, 17), CgState.DUE_SOON, id="due soon over new year"
        ),
        pytest.param(
            date(2026, 10, 31), date(2027, 2, 1), CgState.OVERDUE, id="overdue in February"
        ),
    ],
)
def test_state_on_a_given_day(accepted: date | None, today: date, state: CgState) -> None:
    status = cg_status(accepted, today=today)
    assert status.state is state
    assert status.blocks_collaboration is (state in (CgState.OVERDUE, CgState.NEVER))
    assert (status.due_on is None) is (accepted is None)


def test_due_soon_means_fourteen_days() -> None:
    assert DUE_SOON_DAYS == 14


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26.11.2026", date(2026, 11, 26)),
        ("2026-11-26", date(2026, 11, 26)),
        ("1.2.2026", date(2026, 2, 1)),
        ("2026-2-1", date(2026, 2, 1)),
        (" 29.02.2024 ", date(2024, 2, 29)),
    ],
)
def test_acceptance_dates_as_admins_type_them(text: str, expected: date) -> None:
    assert parse_accepted_on(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("27.11.2026", "cg_date_in_future"),
        ("2027-01-01", "cg_date_in_future"),
        ("31.02.2026", "day_unreadable"),
        ("29.02.2026", "day_unreadable"),
        ("14 Tage", "day_unreadable"),  # a duration is no acceptance day
        ("gestern", "day_unreadable"),
        ("", "day_unreadable"),
    ],
)
def test_acceptance_dates_refused(text: str, code: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_accepted_on(text, today=TODAY)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("last", "new", "change"),
    [
        (None, date(2026, 1, 1), AcceptanceChange.NEWER),
        (date(2026, 1, 1), date(2026, 1, 2), AcceptanceChange.NEWER),
        (date(2026, 1, 1), date(2026, 1, 1), AcceptanceChange.SAME),
        (date(2026, 1, 2), date(2026, 1, 1), AcceptanceChange.OLDER),
    ],
)
def test_compare_with_the_acceptance_on_record(
    last: date | None, new: date, change: AcceptanceChange
) -> None:
    assert compare_acceptance(last, new) is change


def test_the_acceptance_ranges_match_cg_status_day_by_day() -> None:
    # Views find overdue and due-soon assistants as date ranges in the database.
    from vpabot.policy.cg import latest_acceptance_due_by

    for today in (date(2026, 5, 31), date(2026, 11, 30), date(2028, 2, 29), date(2027, 3, 1)):
        overdue_up_to = latest_acceptance_due_by(today - timedelta(days=1))
        soon_up_to = latest_acceptance_due_by(today + timedelta(days=14))
        for back in range(0, 200):
            accepted = today - timedelta(days=back)
            state = cg_status(accepted, today=today).state
            assert (state is CgState.OVERDUE) == (accepted <= overdue_up_to)
            assert (state is CgState.DUE_SOON) == (overdue_up_to < accepted <= soon_up_to)
