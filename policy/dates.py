"""Dates as admins type them, working days (holidays come in as a parameter), wall-clock times.

Pure domain layer: standard library only. Every refused input raises PolicyError.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from collections.abc import Container
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vpabot.policy.errors import PolicyError
from vpabot.policy.text import shown

MAX_DAYS_AHEAD = 366
"""The longest duration in days a number may name ("366 Tage" in a leap year); the end date
itself is capped at one calendar year, see ``one_year_after``."""

_DAY_UNITS = frozenset({"t", "tag", "tage", "d", "day", "days"})
_WEEK_UNITS = frozenset({"w", "woche", "wochen", "week", "weeks"})

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_RELATIVE = re.compile(r"(\d+)\s*([a-z]+)", re.ASCII)
_NUMBER = re.compile(r"\d+", re.ASCII)
_TIME = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)


def parse_until(text: str, *, today: date, start: date | None = None) -> date:
    """Read the end date of a sales stop: an absolute date or a duration from ``start``
    (default today; extending a stop counts "2w" from its current end date).

    The result must lie after today (a stop ending today is pointless) and at most one
    calendar year ahead (``one_year_after``), so every stop comes up for review within a
    year. Raises PolicyError ``date_unreadable``, ``date_in_past``, ``date_too_far`` (with
    ``max``, the last allowed day) or ``date_duration_too_long`` (a number of over six digits,
    with ``text`` and ``max``).
    """
    cleaned = text.strip().lower()
    until = _absolute_date(cleaned, text)
    if until is None:
        until = _relative_date(cleaned, text, max(start or today, today))
    if until <= today:
        raise PolicyError("date_in_past", date=until)
    latest = one_year_after(today)
    if until > latest:
        raise PolicyError("date_too_far", date=until, max=latest)
    return until


def one_year_after(day: date) -> date:
    """The same calendar day a year later: 26.11.2026 → 26.11.2027; 29.02.2028 → 28.02.2029
    (a year has no 29 February, so its last February day)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 2, 28)


def _absolute_date(cleaned: str, original: str) -> date | None:
    """Return the typed calendar date, None if the text is not date-shaped."""
    if match := _ISO.fullmatch(cleaned):
        year, month, day = match.groups()
    elif match := _GERMAN.fullmatch(cleaned):
        day, month, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31.02.2026 looks like a date but is none
        raise PolicyError("date_unreadable", text=original) from None


def parse_day(text: str) -> date:
    """A calendar date typed as ``31.12.2026`` or ``2026-12-31`` (no durations)."""
    try:
        day = _absolute_date(text.strip(), text)
    except PolicyError:
        day = None
    if day is None or day.year < 2000:  # a typo like 01.01.0001 is no acceptance date
        raise PolicyError("day_unreadable", text=text)
    return day


def _relative_date(cleaned: str, original: str, today: date) -> date:
    """Return ``today`` plus a duration such as "14 Tage" or "2w"."""
    match = _RELATIVE.fullmatch(cleaned)
    if match is None:
        raise PolicyError("date_unreadable", text=original)
    if len(match.group(1)) > 6:  # no int() of a 5,000-digit word; a million days is no stop
        raise PolicyError("date_duration_too_long", text=shown(original), max=one_year_after(today))
    count, unit = int(match.group(1)), match.group(2)
    if unit in _DAY_UNITS:
        days = count
    elif unit in _WEEK_UNITS:
        days = count * 7
    else:
        raise PolicyError("date_unreadable", text=original)
    try:
        return today + timedelta(days=days)
    except OverflowError:  # beyond the year 9999: no date at all
        raise PolicyError("date_unreadable", text=original) from None


def split_until(tokens: list[str]) -> tuple[str, list[str]]:
    """Cut the date words off the front of a command: "14 Tage" is two words, "2w" one."""
    if not tokens:
        raise PolicyError("date_missing")
    if (
        len(tokens) >= 2
        and _NUMBER.fullmatch(tokens[0])
        and tokens[1].lower() in _DAY_UNITS | _WEEK_UNITS
    ):
        return f"{tokens[0]} {tokens[1]}", list(tokens[2:])
    return tokens[0], list(tokens[1:])


HolidayCalendar = Container[date]
"""The public holidays on which the admin team does not work: anything that answers ``day in
holidays``. The bot passes ``holidays.country_holidays("DE", subdiv=VPA_HOLIDAY_REGION)`` (see
``vpabot.bot.workdays``); this layer stays standard-library only and never guesses a region."""


def is_working_day(day: date, *, holidays: HolidayCalendar) -> bool:
    """Monday to Friday and not a public holiday: the days the admin team works."""
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: date, *, holidays: HolidayCalendar) -> date:
    """The first working day strictly after ``day``, e.g. for re-sending an overdue review."""
    return working_day_on_or_after(day + timedelta(days=1), holidays=holidays)


def working_day_on_or_after(day: date, *, holidays: HolidayCalendar) -> date:
    """``day`` itself if it is a working day, else the next one: reviews never fall on a holiday."""
    while not is_working_day(day, holidays=holidays):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Calendar months later (or earlier), clamped to month end: CGs are due 3 months on."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    if not 1 <= year <= 9999:
        raise PolicyError("date_out_of_range", date=day, months=months)
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def at_local_time(day: date, at: time, tz_name: str) -> datetime:
    """The UTC instant of a wall-clock time in a zone, so schedules follow daylight saving.

    A time skipped by the spring change is read with the winter offset (02:30 becomes
    03:30 local); a time repeated in autumn means its first occurrence.
    """
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # tzdata: a folder name is no zone
        raise PolicyError("timezone_unknown", tz=tz_name) from None
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0)).replace(tzinfo=zone)
    return local.astimezone(UTC)  # the same object as timezone.utc


def parse_time_of_day(text: str) -> time:
    """Read a wall-clock time such as "09:00" or "9:30" (24-hour clock)."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise PolicyError("time_unreadable", text=text)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise PolicyError("time_unreadable", text=text)
    return time(hour, minute)
