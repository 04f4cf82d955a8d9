"""``vpabot --help`` in VPA_LANGUAGE, like everything else the CLI prints.

Our help strings are catalogue messages (``cli.*``); argparse's own words ("usage:",
"options:", "show this help message and exit", "error:") come from Python's gettext domain,
which no installed catalogue covers, so a parser class puts ours in their place.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from vpabot.bot.i18n import Translator


_current: Translator | None = None  # the language the parser being built speaks


def help_language(env_file: str | None = None) -> Translator:
    """The translator of VPA_LANGUAGE (``--env-file``, VPA_ENV_FILE, .env, environment), which
    the help strings of the parser being built use. German when the setting is unusable, so
    ``--help`` still works and the command itself reports the bad setting."""
    from vpabot.bot.config import ConfigError, read_environment
    from vpabot.bot.i18n import LANGUAGES

    global _current
    try:
        language = (read_environment(env_file).values.get("VPA_LANGUAGE") or "").strip()
    except ConfigError:  # e.g. a missing --env-file: the command says so itself
        language = ""
    _current = Translator(language if language in LANGUAGES else "de")
    return _current


def h(key: str, /, **params: Any) -> str:
    """A help string from the catalogue (``h("cli.run")``), with argparse's ``%`` escaped."""
    t = _current or help_language()
    return str(t(key, **params)).replace("%", "%%")


def parser_class(t: Translator) -> type[argparse.ArgumentParser]:
    """An ArgumentParser whose own words are in ``t``'s language; subparsers inherit it."""

    class Formatter(argparse.HelpFormatter):
        def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
            super().add_usage(usage, actions, groups, prefix if prefix is not None else t("cli.usage"))

    class LocalizedParser(argparse.ArgumentParser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["add_help"] = False  # ours below, with a translated help line
            kwargs.setdefault("formatter_class", Formatter)
            super().__init__(*args, **kwargs)
            self._positionals.title = t("cli.positionals")
            self._optionals.title = t("cli.options")
            self.add_argument("-h", "--help", action="help", help=t("cli.help"))

        def error(self, message: str) -> NoReturn:
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog}: {t('cli.error')}: {message}\n")

    return LocalizedParser
