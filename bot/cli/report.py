"""``vpabot report [--month 2026-11] [--chart FILE.png]``: one month's report and its chart.

Reads DATABASE_URL (and VPA_LANGUAGE, VPA_TIMEZONE) only: no Slack tokens needed. Prints the
text to standard output, writes the PNG (default ``vpabot-report-2026-11.png``). Exit 2 on a
month, language or time zone that cannot be read, 1 when the database cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vpabot.bot.cli.common import core_settings, database_unreadable, open_context, translator
from vpabot.bot.cli.help import h


def report_command(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from vpabot.bot.blocks.replies import error_text
    from vpabot.bot.blocks.report import render_report, report_filename
    from vpabot.bot.blocks.chart import violations_chart
    from vpabot.bot.services.reports import build_report
    from vpabot.policy.clock import SystemClock
    from vpabot.policy.errors import PolicyError
    from vpabot.policy.reports import Month, parse_month

    settings = core_settings(args)
    t = translator(settings)
    day = SystemClock().now().astimezone(settings.tz).date()
    try:
        month = parse_month(args.month) if args.month is not None else Month.of(day).previous()
    except PolicyError as error:
        print(f"vpabot: {error_text(t, error)}", file=sys.stderr)
        return 2
    with open_context(settings) as ctx:
        try:
            with ctx.read() as session:  # never blocks the bot
                report = build_report(
                    session, month, tz=settings.timezone, today=ctx.today(), holidays=ctx.holidays
                )
        except SQLAlchemyError as error:
            return database_unreadable(error)
    chart = Path(args.chart or report_filename(month))
    chart.write_bytes(violations_chart(t, report))
    print(render_report(t, report, tags=ctx.tags), flush=True)
    print(t("report.written", path=chart), file=sys.stderr)  # stdout stays the report alone
    return 0


def add_commands(sub: Any) -> None:
    report = sub.add_parser("report", help=h("cli.report"))
    report.add_argument(
        "--month", metavar=h("cli.month"), help=h("cli.report.month")
    )
    report.add_argument(
        "--chart",
        metavar=h("cli.file") + ".png",
        help=h("cli.report.chart"),
    )
    report.set_defaults(func=report_command)
