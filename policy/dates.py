"""Dates as admins type them, German working days, and wall-clock times.

Pure domain layer: standard library only. Every refused input raises PolicyError.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vpabot.policy.errors import PolicyError
from vpabot.policy.text import shown

MAX_DAYS_AHEAD = 366
"""A stop is reviewed at least once a year, so its end date may be at most this far away."""

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

    The result must lie after today (a stop ending today is pointless) and at most
    MAX_DAYS_AHEAD days ahead, so every stop comes up for review within a year.
    """
    cleaned = text.strip().lower()
    until = _absolute_date(cleaned, text)
    if until is None:
        until = _relative_date(cleaned, text, max(start or today, today))
    if until <= today:
        raise PolicyError("date_in_past", date=until)
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    if until > latest:
        raise PolicyError("date_too_far", date=until, max=latest)
    return until


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
        raise PolicyError("number_too_large", text=shown(original), limit=MAX_DAYS_AHEAD)
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


def _easter_sunday(year: int) -> date:
    """Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def german_public_holidays(year: int) -> frozenset[date]:
    """The nationwide German public holidays: no reminders are due on these days."""
    easter = _easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),  # Neujahr
            easter - timedelta(days=2),  # Karfreitag
            easter + timedelta(days=1),  # Ostermontag
            date(year, 5, 1),  # Tag der Arbeit
            easter + timedelta(days=39),  # Christi Himmelfahrt
            easter + timedelta(days=50),  # Pfingstmontag
            date(year, 10, 3),  # Tag der Deutschen Einheit
            date(year, 12, 25),  # 1. Weihnachtstag
            date(year, 12, 26),  # 2. Weihnachtstag
        }
    )


def is_working_day(day: date) -> bool:
    """Monday to Friday and no nationwide holiday: the days the admin team works."""
    return day.weekday() < 5 and day not in german_public_holidays(day.year)


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``, e.g. for re-sending an overdue review."""
    return working_day_on_or_after(day + timedelta(days=1))


def working_day_on_or_after(day: date) -> date:
    """``day`` itself if it is a working day, else the next one: reviews never fall on a holiday."""
    while not is_working_day(day):
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
