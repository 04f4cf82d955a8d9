"""``vpabot import acceptances FILE.csv``: CG read confirmations from the confirmation system.

Reads DATABASE_URL (and VPA_LANGUAGE, VPA_TIMEZONE) only: no Slack tokens needed.
Exit 0 when the file was imported (or changed nothing), 1 when nothing was written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vpabot.bot.cli.common import core_settings, open_context, read_import_file, translator


def _import_acceptances(args: argparse.Namespace) -> int:
    from vpabot.bot.services.cg_import import import_acceptances
    from vpabot.bot.services.csv_import import BadFile

    settings = core_settings(args)  # a bad setting stops the command before it touches anything
    t = translator(settings)
    path = Path(args.file)
    text = read_import_file(t, path, "cg.import.file_unreadable", path=path)
    with open_context(settings, upgrade=True) as ctx:
        try:
            summary = import_acceptances(ctx, text)
        except BadFile as bad:
            for problem in bad.problems:
                reason = t(f"cg.import.error.{problem.code}", **problem.params)
                print(t("cg.import.line", line=problem.line, problem=reason), file=sys.stderr)
            lines = len({p.line for p in bad.problems})
            print(t("cg.import.refused", count=lines), file=sys.stderr)
            return 1
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
