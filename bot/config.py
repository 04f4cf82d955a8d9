"""Settings: ONE reader for the bot, the HTTP server and the CLI.

Where the values come from (:func:`read_environment`): the process environment, plus the ``.env``
file named by ``--env-file``, else by ``VPA_ENV_FILE``, else ``.env`` in the current working
directory (never a file found by searching upwards). A variable set in the environment wins over
the file. The file is read into a mapping, not into ``os.environ``, so nothing else (Bolt, for
one) picks values up behind our back.

Two layers of settings:

- :class:`CoreSettings` – what every entry point needs (database, time zone, language, expiry,
  tags, review time, jobs). The CLI builds an :class:`~vpabot.bot.context.AppContext` from these
  alone: no Slack token needed.
- :class:`Settings` – the core plus Slack (tokens, admins, managers, channels): ``run``, ``serve``
  and ``doctor``.

A missing, wrong or placeholder value raises :class:`ConfigError`: one German line that names
the setting; ``vpabot`` prints it and exits 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vpabot.policy.catalogue import DEFAULT_TAGS, TagCatalogue
from vpabot.bot.group_members import GroupMembers
from vpabot.policy.dates import parse_time_of_day
from vpabot.policy.errors import PolicyError

SLACK_API_DEFAULT = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///vpabot.db"
DEFAULT_TIMEZONE = "Europe/Berlin"
LANGUAGES = ("de", "en")
LOG_FORMATS = ("text", "json")
REQUIRED = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "VPA_ADMIN_IDS",
    "VPA_MANAGER_IDS",
    "VPA_TEAM_CHANNEL",
)
# The example values of `.env.example`: copied but not filled in, they would start a bot that
# talks to nobody (or loops on a dead Socket Mode token). tests/bot/test_env.py keeps this in
# step with the file.
PLACEHOLDERS: Mapping[str, frozenset[str]] = {
    "SLACK_BOT_TOKEN": frozenset({"xoxb-your-bot-token"}),
    "SLACK_SIGNING_SECRET": frozenset({"your-signing-secret"}),
    "SLACK_APP_TOKEN": frozenset({"xapp-your-app-token"}),
    "VPA_ADMIN_IDS": frozenset({"U01ADMIN1,U01ADMIN2", "U01ADMIN1", "U01ADMIN2"}),
    "VPA_MANAGER_IDS": frozenset({"U01MANAGER"}),
    "VPA_TEAM_CHANNEL": frozenset({"C01TEAM"}),
    "VPA_ADMIN_CHANNEL": frozenset({"C01ADMINS"}),
    "DATABASE_URL": frozenset({"postgresql+psycopg://vpabot:secret@db.internal:5432/vpabot"}),
}


class ConfigError(Exception):
    """One clear German line naming the setting that is missing or wrong."""


@dataclass(frozen=True)
class Environment:
    """The settings' source: ``values`` (environment over ``.env``) and the ``.env`` used."""

    values: Mapping[str, str]
    env_file: Path | None = None


def read_environment(
    env_file: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Environment:
    """The process environment over one ``.env`` file, found deterministically.

    ``env_file`` (``--env-file``) or else ``VPA_ENV_FILE`` names the file; a named file that does
    not exist is a :class:`ConfigError` (a typo must not start a bot with other settings).
    Otherwise ``.env`` in ``cwd`` (default: the current working directory) is used if it exists.
    ``environ`` defaults to ``os.environ``; its values win over the file's.
    """
    from dotenv import dotenv_values

    environ = os.environ if environ is None else environ
    named = env_file or environ.get("VPA_ENV_FILE", "").strip() or None
    if named is not None:
        path: Path | None = Path(named).expanduser()
        if not path.is_file():  # type: ignore[union-attr]
            raise ConfigError(
                f"Die .env-Datei {path} gibt es nicht (--env-file oder VPA_ENV_FILE prüfen)."
            )
    else:
        path = Path(cwd or os.getcwd()) / ".env"
        if not path.is_file():
            path = None
    from_file: dict[str, str] = {}
    if path is not None:
        from_file = {k: v for k, v in dotenv_values(path).items() if v is not None}
    return Environment({**from_file, **environ}, path.resolve() if path else None)


@dataclass(frozen=True, kw_only=True)
class CoreSettings:
    """What every entry point shares; no Slack. ``database_url`` is a SQLAlchemy URL."""

    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = DEFAULT_TIMEZONE
    language: str = "de"
    strike_expiry_months: int | None = None  # violations older than this stop counting
    review_time: time = time(9, 0)  # local time of reminders and digests
    sweep_seconds: int = 60
    run_scheduler: bool = True
    retention_months: int | None = None  # anonymise this long after the collaboration ended
    holiday_region: str | None = None  # German state for regional holidays; None: nationwide
    api_token: str | None = None  # bearer token of GET /api/stops
    health_port: int | None = None  # Socket Mode: /healthz, /readyz, /metrics on this port
    log_format: str = "text"
    tags: TagCatalogue = DEFAULT_TAGS
    env_file: Path | None = None  # the .env these came from, for the start line

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, kw_only=True)
class Settings(CoreSettings):
    """The core plus Slack: tokens, who is admin or manager, where announcements go."""

    bot_token: str
    signing_secret: str
    admin_ids: frozenset[str]
    manager_ids: frozenset[str]
    team_channel: str
    app_token: str | None = None
    api_url: str = SLACK_API_DEFAULT
    admin_channel: str | None = None
    # User groups (handle or id) whose members are admins / managers too: bot/roles.py.
    admin_group: str | None = None
    manager_group: str | None = None
    group_members: GroupMembers = field(default_factory=GroupMembers, compare=False, repr=False)
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def groups(self) -> dict[str, str]:
        """``{"admin": "vpa-admins", ...}`` for the configured groups."""
        found = {"admin": self.admin_group, "manager": self.manager_group}
        return {role: group for role, group in found.items() if group}

    def admins(self) -> frozenset[str]:
        """Everyone in ``VPA_ADMIN_IDS`` or in the admin user group."""
        return self.admin_ids | self.group_members.of("admin")

    def managers(self) -> frozenset[str]:
        """Everyone in ``VPA_MANAGER_IDS`` or in the manager user group."""
        return self.manager_ids | self.group_members.of("manager")

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins()

    def is_manager(self, user_id: str) -> bool:
        return user_id in self.managers()

    def is_staff(self, user_id: str) -> bool:
        """Admins and managers: the people who may read files (personal data)."""
        return self.is_admin(user_id) or self.is_manager(user_id)


def _ids(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _text(env: Mapping[str, str], name: str, default: str = "") -> str:
    value = (env.get(name) or "").strip() or default
    if value in PLACEHOLDERS.get(name, ()) or "your-" in value:
        raise ConfigError(
            f"{name} enthält noch den Platzhalter aus .env.example ({value!r}) – bitte den echten "
            "Wert eintragen."
        )
    return value


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = _text(env, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} muss eine ganze Zahl sein, nicht {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} muss größer als 0 sein, nicht {raw!r}.")
    return value


def _database_url(url: str, env_file: Path | None) -> str:
    """``url``, checked; a relative SQLite path is taken relative to the ``.env`` it came with.

    The admin who keeps ``/srv/vpabot/.env`` expects ``/srv/vpabot/vpabot.db`` wherever the
    bot is started from (a service unit without a working directory, ``--env-file``).
    Raises ``ConfigError`` for a URL SQLAlchemy cannot read (e.g. a password with ``@`` or
    ``:`` that is not percent-encoded).
    """
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a non-numeric port only fails when read
    except (ArgumentError, ValueError):
        raise ConfigError(
            "DATABASE_URL lässt sich nicht lesen. Sonderzeichen im Passwort (@ : / #) bitte "
            "prozent-kodieren, z. B. @ als %40 – Beispiel: postgresql+psycopg://vpabot:p%40ss@host/vpabot"
        ) from None
    database = parsed.database
    if (
        env_file is not None
        and parsed.drivername.startswith("sqlite")
        and database not in (None, "", ":memory:")
        and not Path(database).is_absolute()
    ):
        return parsed.set(database=str(env_file.resolve().parent / database)).render_as_string(hide_password=False)
    return url


def load_core_settings(env: Mapping[str, str] | Environment | None = None) -> CoreSettings:
    """The core settings from ``env`` (default: :func:`read_environment` of the process).

    Checked in this order, first problem wins: VPA_LANGUAGE, VPA_TIMEZONE, VPA_REVIEW_TIME,
    the numbers, DATABASE_URL placeholders. Raises :class:`ConfigError`.
    """
    return CoreSettings(**_core_values(env))


def _core_values(env: Mapping[str, str] | Environment | None) -> dict[str, object]:
    source = env if isinstance(env, Environment) else (
        read_environment() if env is None else Environment(env)
    )
    values = source.values
    language = _text(values, "VPA_LANGUAGE", "de")
    if language not in LANGUAGES:
        raise ConfigError(f"VPA_LANGUAGE ist keine bekannte Sprache (de oder en): {language!r}")
    timezone = _text(values, "VPA_TIMEZONE", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # tzdata: a folder name is no zone
        raise ConfigError(f"VPA_TIMEZONE ist keine bekannte Zeitzone: {timezone!r}") from None
    try:
        review_time = parse_time_of_day(_text(values, "VPA_REVIEW_TIME", "09:00"))
    except PolicyError:
        raise ConfigError("VPA_REVIEW_TIME muss wie 09:00 aussehen.") from None
    log_format = _text(values, "VPA_LOG_FORMAT", "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"VPA_LOG_FORMAT muss text oder json sein, nicht {log_format!r}.")
    return dict(
        holiday_region=_holiday_region(_text(values, "VPA_HOLIDAY_REGION")),
        database_url=_database_url(_text(values, "DATABASE_URL", DEFAULT_DATABASE_URL), source.env_file),
        timezone=timezone,
        language=language,
        strike_expiry_months=_int(values, "VPA_STRIKE_EXPIRY_MONTHS", None),
        review_time=review_time,
        sweep_seconds=_int(values, "VPA_SWEEP_SECONDS", 60) or 60,
        api_token=_text(values, "VPA_API_TOKEN") or None,
        run_scheduler=_text(values, "VPA_RUN_SCHEDULER", "1").lower() not in ("0", "false", "no"),
        retention_months=_int(values, "VPA_RETENTION_MONTHS", None),
        health_port=_int(values, "VPA_HEALTH_PORT", None),
        log_format=log_format,
        env_file=source.env_file,
    )


def load_settings(
    env: Mapping[str, str] | Environment | None = None, *, need_app_token: bool = False
) -> Settings:
    """Core and Slack settings (``run``, ``serve``, ``doctor``); ``env`` as in
    :func:`load_core_settings`. Every missing required setting is named in one line."""
    source = env if isinstance(env, Environment) else (
        read_environment() if env is None else Environment(env)
    )
    values = source.values
    needed = REQUIRED + (("SLACK_APP_TOKEN",) if need_app_token else ())
    missing = [name for name in needed if not (values.get(name) or "").strip()]
    # A user group may stand in for the ID list of its role.
    for ids, group in (("VPA_ADMIN_IDS", "VPA_ADMIN_GROUP"), ("VPA_MANAGER_IDS", "VPA_MANAGER_GROUP")):
        if ids in missing and (values.get(group) or "").strip():
            missing.remove(ids)
    if missing:
        # All at once: nobody should have to restart five times to find five settings.
        raise ConfigError(
            f"Es fehlen Einstellungen: {', '.join(missing)} – bitte in .env oder in der Umgebung "
            "setzen (README, Abschnitt Configuration)."
        )
    core = _core_values(source)
    api_url = _text(values, "SLACK_API_URL", SLACK_API_DEFAULT)
    return Settings(
        **core,  # type: ignore[arg-type]
        bot_token=_text(values, "SLACK_BOT_TOKEN"),
        signing_secret=_text(values, "SLACK_SIGNING_SECRET"),
        # Only `vpabot run` uses it: an example value left in .env must not stop `serve`.
        app_token=(
            _text(values, "SLACK_APP_TOKEN")
            if need_app_token
            else (values.get("SLACK_APP_TOKEN") or "").strip() or None
        ),
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        admin_ids=_ids(_text(values, "VPA_ADMIN_IDS")),
        manager_ids=_ids(_text(values, "VPA_MANAGER_IDS")),
        admin_group=_text(values, "VPA_ADMIN_GROUP") or None,
        manager_group=_text(values, "VPA_MANAGER_GROUP") or None,
        team_channel=_text(values, "VPA_TEAM_CHANNEL"),
        admin_channel=_text(values, "VPA_ADMIN_CHANNEL") or None,
    )


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***``; a relative SQLite path made absolute,
    so the start line says which file is meant."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    return parsed.render_as_string(hide_password=True)


def start_line(settings: CoreSettings, *, mode: str, api_url: str | None = None) -> str:
    """The one line every start prints: .env used, database (masked), Slack API URL, mode."""
    env = str(settings.env_file) if settings.env_file else "keine (nur Umgebungsvariablen)"
    api = api_url or getattr(settings, "api_url", SLACK_API_DEFAULT)
    return (
        f"vpabot: .env: {env} · Datenbank: {masked_url(settings.database_url)} · "
        f"Slack-API: {api} · Modus: {mode}"
    )


def _holiday_region(raw: str) -> str | None:
    """VPA_HOLIDAY_REGION as the ``holidays`` package spells it (``BY``); None when unset."""
    from vpabot.bot.workdays import check_region, regions

    try:
        return check_region(raw)
    except ValueError:
        raise ConfigError(
            f"VPA_HOLIDAY_REGION ist keine bekannte Region ({', '.join(regions())}): {raw!r}"
        ) from None
