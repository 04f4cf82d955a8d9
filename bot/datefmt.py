"""Dates and times as the reader's language writes them: the one place that formats them.

German: ``31.12.2026`` and ``31.12.2026 09:05``, as the admin team types dates. English: CLDR's
English forms through Babel, ``Dec 31, 2026`` and ``Dec 31, 2026, 9:05 AM``, so English output
never shows a German date. ``git grep 'strftime(' bot/`` finds nothing else (issue 8): every
date a person reads comes through here.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime

# Explicit German patterns: CLDR's German "short" datetime has a two-digit year ("31.12.26").
_GERMAN_DATE = "dd.MM.yyyy"
_GERMAN_INSTANT = "dd.MM.yyyy HH:mm"
_ENGLISH_INSTANT = "MMM d, y, h:mm a"  # CLDR English medium date + short time


def fmt_date(day: date | None, lang: str) -> str:
    """A calendar date for people: ``31.12.2026`` (de), ``Dec 31, 2026`` (en); ``–`` for None."""
    if day is None:
        return "–"
    if lang == "de":
        return format_date(day, _GERMAN_DATE, locale="de")
    return format_date(day, "medium", locale=lang)


def fmt_instant(instant: datetime, lang: str) -> str:
    """A wall-clock moment, already in the reader's time zone (``ctx.local(...)``):
    ``31.12.2026 09:05`` (de), ``Dec 31, 2026, 9:05 AM`` (en). The zone is not printed."""
    wall_clock = instant.replace(tzinfo=None)  # Babel would otherwise convert it to UTC
    pattern = _GERMAN_INSTANT if lang == "de" else _ENGLISH_INSTANT
    return format_datetime(wall_clock, pattern, locale=lang)
