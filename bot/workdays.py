"""The public holidays the admin team does not work on, from the ``holidays`` package.

Reviews, reminders, the CG digest and the monthly report skip weekends and these days.
``VPA_HOLIDAY_REGION`` names a German state (``BY``, ``NW``, … as ``holidays`` spells them);
unset, only the nationwide holidays count. The package keeps the rules (Easter, Fronleichnam,
Reformationstag, Buß- und Bettag, new holidays like Berlin's 8 March) so we do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays as holiday_rules

COUNTRY = "DE"


def regions() -> list[str]:
    """The region codes ``VPA_HOLIDAY_REGION`` accepts, e.g. ``["BB", "BE", "BW", "BY", …]``."""
    return sorted(holiday_rules.country_holidays(COUNTRY).subdivisions)


def check_region(region: str | None) -> str | None:
    """``region`` upper-cased when ``holidays`` knows it, None when unset; ValueError otherwise."""
    if region is None or not region.strip():
        return None
    wanted = region.strip()
    for known in regions():
        if known.upper() == wanted.upper():
            return known
    raise ValueError(f"unknown holiday region {region!r}; known: {', '.join(regions())}")


@dataclass(frozen=True)
class RegionalHolidays:
    """``day in calendar``: True on a public holiday of Germany (and of ``region`` if set).

    Years are computed once and frozen, so threads can share one calendar without the
    package's lazy expansion mutating it under them.
    """

    region: str | None = None

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in _holidays_of(self.region, day.year)

    def names(self, year: int) -> dict[date, str]:
        """The holidays of a year with their (English) names, for tests and support."""
        return dict(holiday_rules.country_holidays(COUNTRY, subdiv=self.region, years=year))


@lru_cache(maxsize=256)
def _holidays_of(region: str | None, year: int) -> frozenset[date]:
    return frozenset(holiday_rules.country_holidays(COUNTRY, subdiv=region, years=year))


@lru_cache(maxsize=None)
def holiday_calendar(region: str | None = None) -> RegionalHolidays:
    """The calendar for ``VPA_HOLIDAY_REGION`` (None: nationwide holidays only)."""
    return RegionalHolidays(check_region(region))
