"""``vpabot``: run (Socket Mode), serve (HTTP), demo (no Slack needed), db upgrade, export."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from vpabot.bot.config import ConfigError, load_settings


def _stop_on_sigterm() -> None:
    """Redeploys send SIGTERM: leave through ``finally`` so acknowledged work is finished
    (Runtime.stop waits for running lazy listeners) instead of being cut off."""

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)


def _start(need_app_token: bool = False):  # type: ignore[no-untyped-def]
    """Settings, database and Slack connection, with one clear line for what is wrong."""
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from vpabot.bot.runtime import Runtime

    settings = load_settings(need_app_token=need_app_token)
    try:
        return Runtime(settings)
    except (BoltError, SlackApiError) as error:
        raise ConfigError(f"Slack lehnt SLACK_BOT_TOKEN ab oder ist nicht erreichbar ({error})") from None
    except OSError as error:
        raise ConfigError(f"Slack ist unter {settings.api_url} nicht erreichbar ({error})") from None


def _run(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    runtime = _start(need_app_token=True)
    _stop_on_sigterm()
    if runtime.settings.run_scheduler:
        runtime.start_jobs()
    try:
        SocketModeHandler(runtime.app, runtime.settings.app_token).start()
    finally:
        runtime.stop()
    return 0


def _serve(args: argparse.Namespace) -> int:
    from vpabot.bot.server import serve

    runtime = _start()
    _stop_on_sigterm()
    if runtime.settings.run_scheduler:
        runtime.start_jobs()
    print(f"vpabot listening on http://{args.host}:{args.port}/slack/events", flush=True)
    try:
        serve(runtime, host=args.host, port=args.port, threads=args.threads)
    finally:
        runtime.stop()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from vpabot.bot.demo import run_demo

    return run_demo(database_url=args.database_url, language=args.language)


def _db_upgrade(args: argparse.Namespace) -> int:
    from vpabot.bot.cli_common import database_url
    from vpabot.storage.db import make_engine
    from vpabot.storage.migrate import upgrade

    upgrade(make_engine(database_url()))
    print("Datenbank ist auf dem neuesten Stand.")
    return 0


def _export_format(value: str) -> str:
    from vpabot.bot.services.export import FORMATS

    if value not in FORMATS:
        raise argparse.ArgumentTypeError(f"unbekanntes Format {value!r}, möglich sind: csv, json")
    return value


def _export_stops(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from vpabot.bot.cli_common import database_unreadable, holidays, open_engine
    from vpabot.bot.services.export import export_records, render
    from vpabot.storage.db import make_session_factory

    engine = open_engine()  # the export follows no VPA_LANGUAGE: its message stays German
    if engine is None:
        return 1
    now = datetime.now(timezone.utc)
    try:
        records = export_records(make_session_factory(engine), now=now, holidays=holidays())
    except SQLAlchemyError as error:
        return database_unreadable(error)
    finally:
        engine.dispose()
    text = render(records, args.format, generated_at=now)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


def build_parser() -> argparse.ArgumentParser:
    from vpabot.bot.cli_help import h, help_translator, parser_class

    # --help speaks VPA_LANGUAGE: our strings from the catalogue, argparse's own words too.
    parser = parser_class(help_translator())(prog="vpabot", description=h("cli.description"))
    parser.add_argument("-v", "--verbose", action="store_true", help=h("cli.verbose"))
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help=h("cli.run")).set_defaults(func=_run)

    serve = sub.add_parser("serve", help=h("cli.serve"))
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help=h("cli.demo"))
    demo.add_argument("--database-url", default=None, help=h("cli.demo.database_url"))
    demo.add_argument("--language", choices=("de", "en"), default="de", help=h("cli.demo.language"))
    demo.set_defaults(func=_demo)

    db = sub.add_parser("db", help=h("cli.db"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help=h("cli.db.upgrade")).set_defaults(func=_db_upgrade)

    export = sub.add_parser("export", help=h("cli.export"))
    export_sub = export.add_subparsers(dest="export_command", required=True)
    stops = export_sub.add_parser("stops", help=h("cli.export.stops"))
    stops.add_argument(
        "--format", type=_export_format, default="json", metavar="{csv,json}", help=h("cli.export.format")
    )
    stops.add_argument("--output", "-o", metavar=h("cli.file"), help=h("cli.output"))
    stops.set_defaults(func=_export_stops)

    # `import <what>`: roster (and whatever else is loaded from files) share one parser.
    imports = sub.add_parser("import", help=h("cli.import"))
    import_sub = imports.add_subparsers(dest="import_command", required=True)
    from vpabot.bot import cli_assistants  # import/export/erase assistants

    cli_assistants.add_commands(import_sub, export_sub, sub)
    from vpabot.bot import cli_cg  # import acceptances

    cli_cg.add_commands(import_sub)

    from vpabot.bot import cli_report  # monthly report and chart

    cli_report.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except ConfigError as error:
        print(f"vpabot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
