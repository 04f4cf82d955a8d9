"""What the commands that need no Slack tokens share: DATABASE_URL, VPA_LANGUAGE, VPA_TIMEZONE.

Each setting is read in one place, after ``.env``. A VPA_LANGUAGE or VPA_TIMEZONE that cannot
be used raises ConfigError, which ``vpabot.bot.cli.main`` prints as one line and exits 2 on:
the same answer from every command, never a silent fallback.
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vpabot.bot.config import ConfigError
from vpabot.bot.i18n import Translator

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from vpabot.bot.workdays import RegionalHolidays

DEFAULT_DATABASE_URL = "sqlite:///vpabot.db"
DEFAULT_LANGUAGE = "de"
DEFAULT_TIMEZONE = "Europe/Berlin"
LANGUAGES = ("de", "en")


def _setting(name: str, default: str) -> str:
    from dotenv import load_dotenv

    load_dotenv(override=False)  # the process environment wins over .env
    return os.environ.get(name, "").strip() or default


def database_url() -> str:
    """Only the database: maintenance, import and export must work without Slack tokens."""
    return _setting("DATABASE_URL", DEFAULT_DATABASE_URL)


def language() -> str:
    value = _setting("VPA_LANGUAGE", DEFAULT_LANGUAGE)
    if value not in LANGUAGES:
        raise ConfigError(f"VPA_LANGUAGE ist keine bekannte Sprache (de oder en): {value!r}")
    return value


def translator() -> Translator:
    return Translator(language())


def timezone_name() -> str:
    value = _setting("VPA_TIMEZONE", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # tzdata: a folder name is no zone
        raise ConfigError(f"VPA_TIMEZONE ist keine bekannte Zeitzone: {value!r}") from None
    return value


def holidays() -> RegionalHolidays:
    """The working-day calendar of VPA_HOLIDAY_REGION (unset: nationwide holidays only)."""
    from vpabot.bot.workdays import check_region, holiday_calendar, regions

    value = _setting("VPA_HOLIDAY_REGION", "")
    try:
        return holiday_calendar(check_region(value))
    except ValueError:
        raise ConfigError(
            f"VPA_HOLIDAY_REGION ist keine bekannte Region ({', '.join(regions())}): {value!r}"
        ) from None


def today(now: datetime | None = None) -> date:
    """The calendar day in VPA_TIMEZONE at ``now`` (default: this moment)."""
    return (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(timezone_name())).date()


def missing_database_file(url: str) -> str | None:
    """The SQLite file ``url`` names when it does not exist (else None).

    Commands that only read or import must not leave an empty database file behind in the
    wrong directory, so they stop with :func:`open_engine` instead of creating one.
    """
    from sqlalchemy import make_url

    file = make_url(url).database if url.startswith("sqlite") else None
    return file if file and file != ":memory:" and not Path(file).exists() else None


def open_engine(t: Translator | None = None) -> Engine | None:
    """An engine on DATABASE_URL, or None (and a line on stderr) when its file is missing.

    ``t`` words that line in the command's language; without it the line is German.
    """
    from vpabot.storage.db import make_engine

    url = database_url()
    file = missing_database_file(url)
    if file is not None:
        print((t or Translator("de"))("privacy.cli.no_database", file=file), file=sys.stderr)
        return None
    return make_engine(url)


def database_unreadable(error: Exception) -> int:
    """Say on stderr that the database cannot be read (first line of the error); exit code 1."""
    reason = str(error).splitlines()[0]
    print(f"vpabot: Datenbank nicht lesbar: {reason}", file=sys.stderr)
    return 1


def read_import_file(t: Translator, path: Path, unreadable: str, /, **params: Any) -> str | None:
    """The text of a file to import (UTF-8 or Windows-1252), or None when it cannot be read.

    Then the catalogue message ``unreadable`` goes to stderr, with ``reason`` and ``params``.
    """
    from vpabot.bot.services.csv_import import decode

    try:
        return decode(path.read_bytes())
    except OSError as error:
        print(t(unreadable, reason=error.strerror or error, **params), file=sys.stderr)
        return None
