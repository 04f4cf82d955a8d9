"""What every ``vpabot`` command shares: settings, the one way to open the database, exits.

Settings come from :mod:`vpabot.bot.config` (the reader the bot uses too), found through
``--env-file`` / ``VPA_ENV_FILE`` / ``.env`` in the working directory. A setting that cannot be
used raises ConfigError before a command reads a file or opens the database; ``main`` prints it
as one German line and exits 2: the same answer from every command, never a silent fallback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpabot.bot.config import CoreSettings, Environment, load_core_settings, read_environment
from vpabot.bot.i18n import Translator

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from vpabot.bot.context import AppContext


class Exit(Exception):
    """Leave the command with ``code``; ``message`` (if any) goes to stderr as one line."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def environment(args: argparse.Namespace) -> Environment:
    """Environment over the ``.env`` this invocation names (see config.read_environment)."""
    return read_environment(getattr(args, "env_file", None))


def core_settings(args: argparse.Namespace) -> CoreSettings:
    """The core settings (no Slack tokens). Raises ConfigError on a value that cannot be used."""
    return load_core_settings(environment(args))


def translator(settings: CoreSettings) -> Translator:
    """The CLI's translator: for the terminal, so a name like ``Hex <!channel>`` is printed as
    stored, not Slack-escaped. Services build their Slack texts with their context's own."""
    return Translator(settings.language, for_slack=False)


def actor() -> str:
    """Who ran the command, for the audit trail (the OS user; Slack is not involved)."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in a bare container: still say it came from the CLI
        user = "?"
    return f"cli:{user}"[:32]


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for other databases and in-memory SQLite)."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_engine(settings: CoreSettings, *, create: bool = False, say=None) -> Engine:  # type: ignore[no-untyped-def]
    """THE way a command opens the database named by DATABASE_URL.

    A SQLite file that does not exist is never created silently: without ``create`` the
    command stops (:class:`Exit` 1, "Datenbank … gibt es nicht"); with ``create`` (``db
    upgrade``, ``run``, ``serve``) the new file is announced through ``say`` (default: stderr)
    as ``neue Datenbank angelegt: <absolute path>``.
    """
    from vpabot.storage.db import make_engine

    file = sqlite_file(settings.database_url)
    if file is not None and not file.exists():
        if not create:
            t = translator(settings)
            raise Exit(1, t("privacy.cli.no_database", file=file.resolve()))
        file.parent.mkdir(parents=True, exist_ok=True)
        (say or _stderr)(f"vpabot: neue Datenbank angelegt: {file.resolve()}")
    return make_engine(settings.database_url)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def open_context(settings: CoreSettings, *, upgrade: bool = False) -> Iterator[AppContext]:
    """An :class:`AppContext` for a CLI command on an existing database, disposed afterwards.

    ``upgrade`` applies pending migrations first (commands that write); reads leave the schema
    alone. Same context type as Slack and HTTP use, so the CLI calls the same services.
    """
    from vpabot.bot.blocks import notices
    from vpabot.bot.context import AppContext
    from vpabot.storage.migrate import upgrade as migrate

    engine = open_engine(settings)
    try:
        if upgrade:
            migrate(engine)
        yield AppContext.on_engine(settings, engine, render=notices.render)
    finally:
        engine.dispose()


def database_unreadable(error: Exception) -> int:
    """Say on stderr that the database cannot be read (first line of the error); exit code 1."""
    reason = str(error).splitlines()[0]
    print(f"vpabot: Datenbank nicht lesbar: {reason}", file=sys.stderr)
    return 1


def read_import_file(t: Translator, path: Path, unreadable: str, /, **params: Any) -> str:
    """The text of a file to import (UTF-8 or Windows-1252).

    Raises :class:`Exit` 1 with the catalogue message ``unreadable`` (``reason`` and ``params``)
    when it cannot be read.
    """
    from vpabot.bot.services.csv_import import decode

    try:
        return decode(path.read_bytes())
    except OSError as error:
        raise Exit(1, t(unreadable, reason=error.strerror or error, **params)) from None
