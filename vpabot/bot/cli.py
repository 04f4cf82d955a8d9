"""``vpabot``: run (Socket Mode), serve (HTTP), demo (no Slack needed), db upgrade."""

from __future__ import annotations

import argparse
import logging
import sys

from vpabot.bot.config import ConfigError, load_settings


def _run(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from vpabot.bot.runtime import Runtime

    runtime = Runtime(load_settings(need_app_token=True))
    if runtime.settings.run_scheduler:
        runtime.start_jobs()
    try:
        SocketModeHandler(runtime.app, runtime.settings.app_token).start()
    finally:
        runtime.stop()
    return 0


def _serve(args: argparse.Namespace) -> int:
    from vpabot.bot.runtime import Runtime
    from vpabot.bot.server import serve

    runtime = Runtime(load_settings())
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
    import os

    from vpabot.storage.db import make_engine
    from vpabot.storage.migrate import upgrade

    from dotenv import load_dotenv

    load_dotenv(override=False)
    url = os.environ.get("DATABASE_URL") or "sqlite:///vpabot.db"
    upgrade(make_engine(url))
    print("Datenbank ist auf dem neuesten Stand.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vpabot", description="Community Guidelines & VT-Stops in Slack")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="connect to Slack over Socket Mode").set_defaults(func=_run)

    serve = sub.add_parser("serve", help="serve Slack requests over HTTP (waitress)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="scripted scenario against a local fake Slack")
    demo.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    demo.add_argument("--language", choices=("de", "en"), default="de")
    demo.set_defaults(func=_demo)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply Alembic migrations").set_defaults(func=_db_upgrade)
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
