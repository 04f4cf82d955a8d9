"""Tests for vpabot.policy.dates: typed dates, German working days, wall-clock times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import holidays
import pytest

from vpabot.policy.dates import (
    add_months,
    at_local_time,
    is_working_day,
    next_working_day,
    parse_time_of_day,
    parse_until,
    split_until,
    working_day_on_or_after,
)
from vpabot.policy.errors import PolicyError

# The calendar the bot passes when VPA_HOLIDAY_REGION is unset (policy takes it as a parameter).
NATIONWIDE = holidays.country_holidays("DE")
TODAY = date(2026, 11, 26)  # a Thursday
LATEST = date(2027, 11, 26)  # one calendar year after TODAY


def _refusal(call: Any, *args: Any, **kwargs: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- parse_until -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("31.12.2026", date(2026, 12, 31)),
        ("1.2.2027", date(2027, 2, 1)),
        ("  2027-01-05  ", date(2027, 1, 5)),
        ("14t", date(2026, 12, 10)),
        ("14 t", date(2026, 12, 10)),
        ("14 Tage", date(2026, 12, 10)),
        ("14 tage", date(2026, 12, 10)),
        ("14 TAGE", date(2026, 12, 10)),
        ("1 Tag", date(2026, 11, 27)),
        ("14d", date(2026, 12, 10)),
        ("14 days", date(2026, 12, 10)),
        ("1 day", date(2026, 11, 27)),
        ("2w", date(2026, 12, 10)),
        ("2 w", date(2026, 12, 10)),
        ("2W", date(2026, 12, 10)),
        ("2 Wochen", date(2026, 12, 10)),
        ("1 Woche", date(2026, 12, 3)),
        ("2 weeks", date(2026, 12, 10)),
        ("1 week", date(2026, 12, 3)),
        ("\t3 Wochen\n", date(2026, 12, 17)),
        ("27.11.2026", date(2026, 11, 27)),  # tomorrow is the earliest
        ("2027-11-26", LATEST),  # exactly the limit: "höchstens ein Jahr"
        ("365 Tage", LATEST),
        ("52 Wochen", date(2027, 11, 25)),
    ],
)
def test_parse_until_accepts(text: str, expected: date) -> None:
    assert parse_until(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("today", "latest"),
    [
        (date(2027, 3, 1), date(2028, 3, 1)),  # 366 days: the year holds 29.02.2028
        (date(2028, 2, 29), date(2029, 2, 28)),  # no 29.02.2029: its last February day
        (date(2026, 12, 31), date(2027, 12, 31)),
    ],
)
def test_parse_until_allows_exactly_one_calendar_year(today: date, latest: date) -> None:
    assert parse_until(latest.isoformat(), today=today) == latest
    error = _refusal(parse_until, (latest + timedelta(days=1)).isoformat(), today=today)
    assert (error.code, error.params["max"]) == ("date_too_far", latest)


@pytest.mark.parametrize("text", ["2028-02-29", "29.02.2028"])
def test_parse_until_accepts_leap_day(text: str) -> None:
    assert parse_until(text, today=date(2027, 6, 1)) == date(2028, 2, 29)


def test_parse_until_counts_across_leap_day() -> None:
    assert parse_until("1 Woche", today=date(2028, 2, 25)) == date(2028, 3, 3)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "morgen",
        "14",
        "Tage",
        "14 Monate",
        "14 x",
        "-3 Tage",
        "1.5 Wochen",
        "31.12.26",  # only 4-digit years
        "2026/12/31",
        "12/31/2026",
        "31.12.2026 12:00",
        "31-12-2026",
        "2026-12-31x",
        "31.02.2026",  # impossible calendar dates
        "2026-02-31",
        "29.02.2027",  # 2027 is no leap year
        "2026-13-01",
        "00.12.2026",
        "\u0661\u0664 Tage",  # non-ASCII digits
    ],
)
def test_parse_until_refuses_unreadable(text: str) -> None:
    error = _refusal(parse_until, text, today=TODAY)
    assert error.code == "date_unreadable"
    assert error.params == {"text": text}


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("26.11.2026", TODAY),  # today itself
        ("2026-11-25", date(2026, 11, 25)),
        ("01.01.2020", date(2020, 1, 1)),
        ("0 Tage", TODAY),
        ("0w", TODAY),
        ("0 days", TODAY),
    ],
)
def test_parse_until_refuses_past(text: str, refused: date) -> None:
    error = _refusal(parse_until, text, today=TODAY)
    assert error.code == "date_in_past"
    assert error.params == {"date": refused}


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("2027-11-27", date(2027, 11, 27)),  # one year and a day
        ("366 Tage", date(2027, 11, 27)),
        ("367 Tage", date(2027, 11, 28)),
        ("53 Wochen", date(2027, 12, 2)),
        ("31.12.2099", date(2099, 12, 31)),
    ],
)
def test_parse_until_refuses_too_far(text: str, refused: date) -> None:
    error = _refusal(parse_until, text, today=TODAY)
    assert error.code == "date_too_far"
    assert error.params == {"date": refused, "max": LATEST}


# --- split_until -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (["14", "Tage", "Grund", "Deadline"], ("14 Tage", ["Grund", "Deadline"])),
        (["14", "tage"], ("14 tage", [])),
        (["1", "Tag", "x"], ("1 Tag", ["x"])),
        (["14", "t", "x"], ("14 t", ["x"])),
        (["14", "d", "x"], ("14 d", ["x"])),
        (["14", "days", "x"], ("14 days", ["x"])),
        (["1", "day"], ("1 day", [])),
        (["2", "W", "x"], ("2 W", ["x"])),
        (["2", "Wochen", "x"], ("2 Wochen", ["x"])),
        (["1", "Woche", "x"], ("1 Woche", ["x"])),
        (["2", "weeks", "x"], ("2 weeks", ["x"])),
        (["1", "week"], ("1 week", [])),
        (["2w", "rest"], ("2w", ["rest"])),
        (["31.12.2026", "rest", "of", "it"], ("31.12.2026", ["rest", "of", "it"])),
        (["14"], ("14", [])),
        (["14", "Grund"], ("14", ["Grund"])),  # second word is no unit
        (["Tage", "14"], ("Tage", ["14"])),
        (["14t", "Tage"], ("14t", ["Tage"])),  # first word is no bare number
    ],
)
def test_split_until(tokens: list[str], expected: tuple[str, list[str]]) -> None:
    assert split_until(tokens) == expected


def test_split_until_does_not_change_its_input() -> None:
    tokens = ["14", "Tage", "Grund"]
    split_until(tokens)
    assert tokens == ["14", "Tage", "Grund"]


def test_split_until_result_parses() -> None:
    text, rest = split_until(["2", "Wochen", "Kundenbeschwerde"])
    assert parse_until(text, today=TODAY) == date(2026, 12, 10)
    assert rest == ["Kundenbeschwerde"]


def test_split_until_refuses_empty() -> None:
    error = _refusal(split_until, [])
    assert error.code == "date_missing"
    assert error.params == {}


# --- holidays and working days ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), True),  # Thursday
        (date(2026, 11, 27), True),  # Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 12, 24), True),  # Heiligabend is no public holiday
        (date(2026, 12, 25), False),
        (date(2026, 12, 26), False),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),
        (date(2026, 5, 14), False),  # Christi Himmelfahrt 2026
        (date(2026, 4, 3), False),  # Karfreitag 2026
        (date(2027, 3, 26), False),  # Karfreitag 2027
        (date(2027, 3, 29), False),  # Ostermontag 2027
        (date(2026, 10, 3), False),  # Tag der Deutschen Einheit, a Saturday
        (date(2027, 10, 4), True),  # no substitute holiday in Germany
        (date(2028, 2, 29), True),  # leap day, Tuesday
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(day, holidays=NATIONWIDE) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), date(2026, 11, 27)),
        (date(2026, 11, 27), date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), date(2026, 11, 30)),
        (date(2026, 12, 24), date(2026, 12, 28)),  # over Christmas and the weekend
        (date(2026, 12, 31), date(2027, 1, 4)),  # over Neujahr and the weekend
        (date(2027, 3, 25), date(2027, 3, 30)),  # over Easter 2027
        (date(2026, 5, 13), date(2026, 5, 15)),  # over Himmelfahrt 2026
        (date(2028, 2, 28), date(2028, 2, 29)),  # leap day
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day, holidays=NATIONWIDE) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), date(2026, 11, 26)),  # already a working day
        (date(2026, 11, 28), date(2026, 11, 30)),
        (date(2026, 12, 25), date(2026, 12, 28)),
        (date(2027, 1, 1), date(2027, 1, 4)),
        (date(2027, 3, 26), date(2027, 3, 30)),
        (date(2026, 5, 14), date(2026, 5, 15)),
    ],
)
def test_working_day_on_or_after(day: date, expected: date) -> None:
    assert working_day_on_or_after(day, holidays=NATIONWIDE) == expected


# --- add_months ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 26), 3, date(2027, 2, 26)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 10, 15), 3, date(2027, 1, 15)),  # year change
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 5, 20), 0, date(2026, 5, 20)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -3, date(2025, 10, 15)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "months"),
    [(date(9999, 11, 1), 3), (date(1, 2, 1), -2)],
)
def test_add_months_refuses_out_of_range(day: date, months: int) -> None:
    error = _refusal(add_months, day, months)
    assert error.code == "date_out_of_range"
    assert error.params == {"date": day, "months": months}


# --- at_local_time ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "at", "tz_name", "expected"),
    [
        (date(2026, 11, 26), time(9, 0), "Europe/Berlin", datetime(2026, 11, 26, 8, 0)),
        (date(2026, 7, 1), time(9, 0), "Europe/Berlin", datetime(2026, 7, 1, 7, 0)),
        (date(2026, 11, 26), time(0, 30), "Europe/Berlin", datetime(2026, 11, 25, 23, 30)),
        (date(2026, 11, 26), time(9, 0), "UTC", datetime(2026, 11, 26, 9, 0)),
        (date(2026, 11, 26), time(9, 0), "America/New_York", datetime(2026, 11, 26, 14, 0)),
        # 02:30 does not exist on 2026-03-29: read with the winter offset
        (date(2026, 3, 29), time(2, 30), "Europe/Berlin", datetime(2026, 3, 29, 1, 30)),
        # 02:30 happens twice on 2026-10-25: the first one counts
        (date(2026, 10, 25), time(2, 30), "Europe/Berlin", datetime(2026, 10, 25, 0, 30)),
        (date(2026, 10, 25), time(2, 30, fold=1), "Europe/Berlin", datetime(2026, 10, 25, 0, 30)),
    ],
)
def test_at_local_time(day: date, at: time, tz_name: str, expected: datetime) -> None:
    result = at_local_time(day, at, tz_name)
    assert result == expected.replace(tzinfo=UTC)
    assert result.tzinfo is UTC


@pytest.mark.parametrize("tz_name", ["Mars/Olympus", "Europe", "", "../etc/passwd"])
def test_at_local_time_refuses_unknown_zone(tz_name: str) -> None:
    error = _refusal(at_local_time, TODAY, time(9, 0), tz_name)
    assert error.code == "timezone_unknown"
    assert error.params == {"tz": tz_name}


# --- parse_time_of_day -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:30", time(9, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 17:05 ", time(17, 5)),
    ],
)
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9",
        "9:5",
        "9.30",
        "24:00",
        "12:60",
        "123:00",
        "09:00:00",
        "9am",
        "abc",
        "-1:00",
        "\u0669:30",  # non-ASCII digit
    ],
)
def test_parse_time_of_day_refuses(text: str) -> None:
    error = _refusal(parse_time_of_day, text)
    assert error.code == "time_unreadable"
    assert error.params == {"text": text}


def test_a_regional_holiday_counts_only_in_the_calendar_that_has_it() -> None:
    fronleichnam = date(2026, 6, 4)  # a Thursday; a holiday in BY and NW, not in Berlin
    assert is_working_day(fronleichnam, holidays=NATIONWIDE)
    assert not is_working_day(fronleichnam, holidays={fronleichnam})
    assert next_working_day(date(2026, 6, 3), holidays={fronleichnam}) == date(2026, 6, 5)
