"""``vpabot report [--month 2026-11] [--chart FILE.png]``: one month's report and its chart.

Reads DATABASE_URL (and VPA_LANGUAGE, VPA_TIMEZONE) only: no Slack tokens needed. Prints the
text to standard output, writes the PNG (default ``vpabot-report-2026-11.png``). Exit 2 on a
month or time zone that cannot be read, 1 when the database cannot be read.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def report_command(args: argparse.Namespace) -> int:
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from vpabot.bot.blocks.replies import error_text
    from vpabot.bot.blocks.report import render_report
    from vpabot.bot.charts import violations_chart
    from vpabot.bot.cli import _database_url
    from vpabot.bot.i18n import Translator
    from vpabot.bot.services.monthly_report import report_filename
    from vpabot.bot.services.reports import build_report
    from vpabot.policy.catalogue import DEFAULT_TAGS
    from vpabot.policy.errors import PolicyError
    from vpabot.policy.reports import Month, parse_month
    from vpabot.storage.db import make_engine, make_read_session_factory

    url = _database_url()  # also loads .env
    language = os.environ.get("VPA_LANGUAGE", "").strip() or "de"
    t = Translator(language if language in ("de", "en") else "de")
    tz = os.environ.get("VPA_TIMEZONE", "").strip() or "Europe/Berlin"
    try:
        today = datetime.now(timezone.utc).astimezone(ZoneInfo(tz)).date()
    except (ZoneInfoNotFoundError, ValueError):
        print(f"vpabot: VPA_TIMEZONE ist keine bekannte Zeitzone: {tz!r}", file=sys.stderr)
        return 2
    try:
        month = parse_month(args.month) if args.month is not None else Month.of(today).previous()
    except PolicyError as error:
        print(f"vpabot: {error_text(t, error)}", file=sys.stderr)
        return 2
    file = make_url(url).database if url.startswith("sqlite") else None
    if file and file != ":memory:" and not Path(file).exists():
        # Reading must not leave an empty database file behind in the wrong directory.
        print(f"vpabot: Datenbank {file} gibt es nicht (DATABASE_URL prüfen).", file=sys.stderr)
        return 1
    engine = make_engine(url)
    try:
        with make_read_session_factory(engine)() as session:  # never blocks the bot
            report = build_report(session, month, tz=tz, today=today)
    except SQLAlchemyError as error:
        reason = str(error).splitlines()[0]
        print(f"vpabot: Datenbank nicht lesbar: {reason}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    chart = Path(args.chart or report_filename(month))
    chart.write_bytes(violations_chart(t, report))
    print(render_report(t, report, tags=DEFAULT_TAGS), flush=True)
    print(t("report.written", path=chart), file=sys.stderr)  # stdout stays the report alone
    return 0


def add_commands(sub: Any) -> None:
    report = sub.add_parser("report", help="monthly report and chart (reads DATABASE_URL only)")
    report.add_argument(
        "--month", metavar="JJJJ-MM", help="calendar month in local time; default: last month"
    )
    report.add_argument(
        "--chart",
        metavar="FILE.png",
        help="where the chart goes; default: vpabot-report-JJJJ-MM.png",
    )
    report.set_defaults(func=report_command)
