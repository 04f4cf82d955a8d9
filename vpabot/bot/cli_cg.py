"""``vpabot import acceptances FILE.csv``: CG read confirmations from the confirmation system.

Reads DATABASE_URL (and VPA_LANGUAGE, VPA_TIMEZONE) only: no Slack tokens needed.
Exit 0 when the file was imported (or changed nothing), 1 when nothing was written.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vpabot.bot.i18n import Translator


def _translator() -> Translator:
    language = os.environ.get("VPA_LANGUAGE", "").strip() or "de"
    return Translator(language if language in ("de", "en") else "de")


def _today(now: datetime) -> date:
    tz = os.environ.get("VPA_TIMEZONE", "").strip() or "Europe/Berlin"
    try:
        return now.astimezone(ZoneInfo(tz)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def _import_acceptances(args: argparse.Namespace) -> int:
    from sqlalchemy import make_url

    from vpabot.bot.cli import _database_url
    from vpabot.bot.services.cg_import import BadFile, decode, import_acceptances
    from vpabot.storage.db import make_engine, make_session_factory
    from vpabot.storage.migrate import upgrade

    t = _translator()
    path = Path(args.file)
    try:
        text = decode(path.read_bytes())
    except OSError as error:
        print(
            t("cg.import.file_unreadable", path=path, reason=error.strerror or error),
            file=sys.stderr,
        )
        return 1
    url = _database_url()
    file = make_url(url).database if url.startswith("sqlite") else None
    if file and file != ":memory:" and not Path(file).exists():
        print(f"vpabot: Datenbank {file} gibt es nicht (DATABASE_URL prüfen).", file=sys.stderr)
        return 1
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    try:
        upgrade(engine)
        summary = import_acceptances(make_session_factory(engine), text, now=now, today=_today(now))
    except BadFile as bad:
        for problem in bad.problems:
            reason = t(f"cg.import.error.{problem.code}", **problem.params)
            print(t("cg.import.line", line=problem.line, problem=reason), file=sys.stderr)
        print(t("cg.import.refused", count=len({p.line for p in bad.problems})), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        t(
            "cg.import.summary",
            rows=summary.rows,
            recorded=len(summary.recorded),
            unchanged=summary.unchanged,
            older=summary.older,
        )
    )
    if summary.still_stopped:
        print(t("cg.import.still_stopped", handles=", ".join(summary.still_stopped)))
    return 0


def add_commands(import_sub: Any) -> None:
    """Hooks ``acceptances`` into the shared ``vpabot import`` parser."""
    acceptances = import_sub.add_parser(
        "acceptances", help="CG read confirmations from a CSV (columns: handle, accepted_on)"
    )
    acceptances.add_argument("file", metavar="FILE.csv")
    acceptances.set_defaults(func=_import_acceptances)
