"""``vpabot import acceptances FILE.csv``: CG read confirmations from the confirmation system.

Reads DATABASE_URL (and VPA_LANGUAGE, VPA_TIMEZONE) only: no Slack tokens needed.
Exit 0 when the file was imported (or changed nothing), 1 when nothing was written.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vpabot.bot.cli_common import open_engine, read_import_file, today, translator
from vpabot.bot.cli_help import h


def _import_acceptances(args: argparse.Namespace) -> int:
    from vpabot.bot.services.cg_import import import_acceptances
    from vpabot.bot.services.csv_import import BadFile
    from vpabot.storage.db import make_session_factory
    from vpabot.storage.migrate import upgrade

    t = translator()
    now = datetime.now(timezone.utc)
    day = today(now)  # a bad VPA_TIMEZONE stops the command before it touches anything
    path = Path(args.file)
    text = read_import_file(t, path, "cg.import.file_unreadable", path=path)
    if text is None:
        return 1
    engine = open_engine()
    if engine is None:
        return 1
    try:
        upgrade(engine)
        summary = import_acceptances(make_session_factory(engine), text, now=now, today=day)
    except BadFile as bad:
        for problem in bad.problems:
            reason = t(f"cg.import.error.{problem.code}", **problem.params)
            print(t("cg.import.line", line=problem.line, problem=reason), file=sys.stderr)
        print(t.plural("cg.import.refused", len({p.line for p in bad.problems})), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        t(
            "cg.import.summary",
            rows=t.plural("cg.import.rows", summary.rows),
            recorded=t.plural("cg.import.recorded", len(summary.recorded)),
            unchanged=t.plural("cg.import.unchanged", summary.unchanged),
            older=t.plural("cg.import.older", summary.older),
        )
    )
    if summary.still_stopped:
        print(t("cg.import.still_stopped", handles=", ".join(summary.still_stopped)))
    return 0



def add_commands(import_sub: Any) -> None:
    """Hooks ``acceptances`` into the shared ``vpabot import`` parser."""
    acceptances = import_sub.add_parser(
        "acceptances", help=h("cli.import.acceptances")
    )
    acceptances.add_argument("file", metavar="FILE.csv")
    acceptances.set_defaults(func=_import_acceptances)
