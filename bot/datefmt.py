"""Dates and times as the reader's language writes them: the one place that formats them.

German: ``31.12.2026`` and ``31.12.2026 09:05``, as the admin team types dates. English: CLDR's
English forms through Babel, ``Dec 31, 2026`` and ``Dec 31, 2026, 9:05 AM``, so English output
never shows a German date. ``git grep 'strftime(' bot/`` finds nothing else (issue 8): every
date a person reads comes through here.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from vpabot.bot.mrkdwn import Mrkdwn

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


def fmt_date_for_slack(day: date, lang: str, tz: ZoneInfo) -> Mrkdwn:
    """A date in a Slack message people read later (a team announcement, a review reminder):
    ``<!date^1798714800^{date_short}|31.12.2026>``. Slack shows it in each reader's own
    locale and time zone; clients that cannot, and notifications, show the fallback
    (``fmt_date``). The instant is noon in ``tz`` (VPA_TIMEZONE), so readers within eleven
    hours of it see the same calendar day.
    """
    noon = datetime.combine(day, time(12), tzinfo=tz)
    return Mrkdwn(f"<!date^{int(noon.timestamp())}^{{date_short}}|{fmt_date(day, lang)}>")
