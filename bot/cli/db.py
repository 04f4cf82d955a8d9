"""``vpabot db upgrade``, ``vpabot db backup FILE`` and ``vpabot export stops``.

They read the core settings only (DATABASE_URL …), no Slack tokens.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

from vpabot.bot.cli.common import (
    Exit,
    core_settings,
    database_unreadable,
    environment,
    open_context,
    open_engine,
    sqlite_file,
)
from vpabot.bot.config import load_core_settings, masked_url, start_line


def _db_upgrade(args: argparse.Namespace) -> int:
    from vpabot.storage.migrate import current_revisions, head_revisions, upgrade

    env = environment(args)
    settings = load_core_settings(env)
    api_url = (env.values.get("SLACK_API_URL") or "").strip() or None  # shown, not needed
    print(start_line(settings, mode="db upgrade", api_url=api_url), file=sys.stderr, flush=True)
    engine = open_engine(settings, create=True)  # the one command that may create the file
    try:
        before = current_revisions(engine)
        upgrade(engine)
    finally:
        engine.dispose()
    heads = ", ".join(sorted(head_revisions()))
    if before != head_revisions():
        was = ", ".join(sorted(before)) or "leer"
        print(f"Migrationen angewandt: {was} → {heads}.")
    print(f"Datenbank ist auf dem neuesten Stand (Revision {heads}).")
    return 0


def _db_backup(args: argparse.Namespace) -> int:
    """SQLite's online backup API: a consistent copy while the bot keeps writing (WAL),
    with the requests acknowledged before it began (spool included)."""
    from vpabot.storage import spool
    from vpabot.storage.db import make_engine

    settings = core_settings(args)
    source = sqlite_file(settings.database_url)
    if source is None:
        raise Exit(
            2,
            f"vpabot: db backup sichert SQLite-Dateien; {masked_url(settings.database_url)} ist "
            "keine. PostgreSQL: pg_dump -Fc (README, Abschnitt „Backups“).",
        )
    if not source.exists():
        raise Exit(1, f"vpabot: Datenbank {source} gibt es nicht (DATABASE_URL prüfen).")
    target = Path(args.file)
    if target.exists():
        raise Exit(1, f"vpabot: {target} gibt es schon; eine Sicherung überschreibt nichts.")
    # Acknowledged requests a worker has not taken yet wait in the spool file beside the
    # database; read before the copy, each is either in the copy already or added to it.
    spooled = spool.read_spool(source.with_name(source.name + spool.SUFFIX))
    # Read-only source: a backup must never change the live database.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        raise Exit(1, f"vpabot: Sicherung fehlgeschlagen: {error}") from None
    finally:
        src.close()
    if check != "ok":
        raise Exit(1, f"vpabot: Sicherung {target} ist beschädigt ({check}).")
    if spooled is not None:
        copy = make_engine(f"sqlite:///{target}")
        try:
            spool.add_to_copy(copy, spooled)
        finally:
            copy.dispose()
    size = target.stat().st_size
    print(f"Sicherung geschrieben: {target.resolve()} ({size // 1024} KiB, geprüft).")
    return 0


def _export_format(value: str) -> str:
    from vpabot.bot.services.export import FORMATS

    if value not in FORMATS:
        raise argparse.ArgumentTypeError(f"unbekanntes Format {value!r}, möglich sind: csv, json")
    return value


def _export_stops(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from vpabot.bot.services.export import export_records, render

    settings = core_settings(args)
    with open_context(settings) as ctx:
        try:
            records = export_records(ctx)  # overdue reviews in VPA_TIMEZONE, like the bot
        except SQLAlchemyError as error:
            return database_unreadable(error)
    text = render(records, args.format, generated_at=ctx.now())
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


def add_commands(sub: Any, export_sub: Any) -> None:
    from vpabot.bot.cli.help import h

    db = sub.add_parser("db", help=h("cli.db"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help=h("cli.db.upgrade")).set_defaults(func=_db_upgrade)
    backup = db_sub.add_parser("backup", help=h("cli.db.backup"))
    backup.add_argument("file", metavar=h("cli.file"))
    backup.set_defaults(func=_db_backup)

    stops = export_sub.add_parser("stops", help=h("cli.export.stops"))
    stops.add_argument(
        "--format", type=_export_format, default="json", metavar="{csv,json}", help=h("cli.export.format")
    )
    stops.add_argument("--output", "-o", metavar=h("cli.file"), help=h("cli.output"))
    stops.set_defaults(func=_export_stops)
