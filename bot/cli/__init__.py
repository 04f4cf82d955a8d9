"""``vpabot``: run (Socket Mode), serve (HTTP), doctor, demo, db, import, export, erase, report.

Every command reads its settings through :mod:`vpabot.bot.config` (``--env-file`` /
``VPA_ENV_FILE`` / ``.env`` in the working directory; the environment wins) and opens the
database through :func:`vpabot.bot.cli.common.open_engine`. Exit codes: 0 done, 1 the command
could not do its work (message on stderr), 2 a setting or argument cannot be used.
"""

from __future__ import annotations

import argparse
import sys

from vpabot.bot.cli.common import Exit
from vpabot.bot.config import ConfigError


def _demo(args: argparse.Namespace) -> int:
    from vpabot.bot.demo import run_demo

    return run_demo(database_url=args.database_url, language=args.language)


def build_parser() -> argparse.ArgumentParser:
    from vpabot.bot.cli import assistants, cg, db, report, service

    parser = argparse.ArgumentParser(prog="vpabot", description="Community Guidelines & VT-Stops in Slack")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument(
        "--env-file",
        metavar="PATH",
        help="settings file (default: VPA_ENV_FILE, else .env in the current directory); "
        "environment variables win over it; may also follow the command",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    service.add_commands(sub)

    demo = sub.add_parser("demo", help="scripted scenario against a local fake Slack")
    demo.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    demo.add_argument("--language", choices=("de", "en"), default="de")
    demo.set_defaults(func=_demo)

    export = sub.add_parser("export", help="data for other systems (reads DATABASE_URL only)")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    # `import <what>`: roster (and whatever else is loaded from files) share one parser.
    imports = sub.add_parser("import", help="load data from files (reads DATABASE_URL only)")
    import_sub = imports.add_subparsers(dest="import_command", required=True)

    db.add_commands(sub, export_sub)
    assistants.add_commands(import_sub, export_sub, sub)
    cg.add_commands(import_sub)
    report.add_commands(sub)
    return parser


def _split_env_file(argv: list[str]) -> tuple[str | None, list[str]]:
    """``--env-file PATH`` wherever it stands (before or after the command)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--env-file")
    known, rest = pre.parse_known_args(argv)
    return known.env_file, rest


def main(argv: list[str] | None = None) -> int:
    from vpabot.bot import logs

    env_file, rest = _split_env_file(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(rest)
    args.env_file = env_file
    logs.configure(verbose=args.verbose)
    try:
        return int(args.func(args) or 0)
    except ConfigError as error:
        print(f"vpabot: {error}", file=sys.stderr)
        return 2
    except Exit as done:
        if done.message:
            print(done.message, file=sys.stderr)
        return done.code
    except KeyboardInterrupt:
        return 130
