"""Settings from the environment (and ``.env``). A missing required one stops start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vpabot.policy.dates import parse_time_of_day
from vpabot.policy.errors import PolicyError

SLACK_API_DEFAULT = "https://slack.com/api/"
REQUIRED = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "VPA_ADMIN_IDS",
    "VPA_MANAGER_IDS",
    "VPA_TEAM_CHANNEL",
)


class ConfigError(Exception):
    """One clear line naming the setting that is missing or wrong."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str
    admin_ids: frozenset[str]
    manager_ids: frozenset[str]
    team_channel: str
    app_token: str | None = None
    api_url: str = SLACK_API_DEFAULT
    database_url: str = "sqlite:///vpabot.db"
    admin_channel: str | None = None
    timezone: str = "Europe/Berlin"
    language: str = "de"
    strike_expiry_months: int | None = None
    review_time: time = time(9, 0)
    sweep_seconds: int = 60
    api_token: str | None = None
    run_scheduler: bool = True
    retention_months: int | None = None  # anonymise this long after the collaboration ended
    holiday_region: str | None = None  # German state for regional holidays; None: nationwide
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admin_ids

    def is_manager(self, user_id: str) -> bool:
        return user_id in self.manager_ids

    def is_staff(self, user_id: str) -> bool:
        """Admins and managers: the people who may read files (personal data)."""
        return self.is_admin(user_id) or self.is_manager(user_id)


def _ids(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0, got {raw!r}")
    return value


def load_settings(env: Mapping[str, str] | None = None, *, need_app_token: bool = False) -> Settings:
    """Read settings from ``env`` (default: the process environment after loading ``.env``)."""
    if env is None:
        from dotenv import load_dotenv

        load_dotenv(override=False)
        env = os.environ

    needed = REQUIRED + (("SLACK_APP_TOKEN",) if need_app_token else ())
    missing = [name for name in needed if not env.get(name, "").strip()]
    if missing:
        # All at once: nobody should have to restart five times to find five settings.
        raise ConfigError(
            f"Es fehlen Einstellungen: {', '.join(missing)} – bitte in .env oder in der Umgebung "
            "setzen (README, Abschnitt Configuration)."
        )

    def required(name: str) -> str:
        return env[name].strip()

    language = env.get("VPA_LANGUAGE", "de").strip() or "de"
    if language not in ("de", "en"):
        raise ConfigError(f"VPA_LANGUAGE must be de or en, got {language!r}")
    timezone = env.get("VPA_TIMEZONE", "Europe/Berlin").strip() or "Europe/Berlin"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # tzdata: a folder name is no zone
        raise ConfigError(f"VPA_TIMEZONE is not a known time zone: {timezone!r}") from None
    try:
        review_time = parse_time_of_day(env.get("VPA_REVIEW_TIME", "09:00") or "09:00")
    except PolicyError:
        raise ConfigError("VPA_REVIEW_TIME must look like 09:00") from None
    admin_ids = _ids(required("VPA_ADMIN_IDS"))
    holiday_region = _holiday_region(env)
    api_url = env.get("SLACK_API_URL", "").strip() or SLACK_API_DEFAULT
    return Settings(
        bot_token=required("SLACK_BOT_TOKEN"),
        signing_secret=required("SLACK_SIGNING_SECRET"),
        app_token=required("SLACK_APP_TOKEN") if need_app_token else env.get("SLACK_APP_TOKEN"),
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        database_url=env.get("DATABASE_URL", "").strip() or "sqlite:///vpabot.db",
        admin_ids=admin_ids,
        manager_ids=_ids(required("VPA_MANAGER_IDS")),
        team_channel=required("VPA_TEAM_CHANNEL"),
        admin_channel=env.get("VPA_ADMIN_CHANNEL", "").strip() or None,
        timezone=timezone,
        language=language,
        strike_expiry_months=_int(env, "VPA_STRIKE_EXPIRY_MONTHS", None),
        review_time=review_time,
        sweep_seconds=_int(env, "VPA_SWEEP_SECONDS", 60) or 60,
        api_token=env.get("VPA_API_TOKEN", "").strip() or None,
        run_scheduler=env.get("VPA_RUN_SCHEDULER", "1").strip().lower() not in ("0", "false", "no"),
        retention_months=_int(env, "VPA_RETENTION_MONTHS", None),
        holiday_region=holiday_region,
    )


def _holiday_region(env: Mapping[str, str]) -> str | None:
    from vpabot.bot.workdays import check_region, regions

    try:
        return check_region(env.get("VPA_HOLIDAY_REGION"))
    except ValueError:
        raw = env.get("VPA_HOLIDAY_REGION", "").strip()
        raise ConfigError(
            f"VPA_HOLIDAY_REGION must be one of {', '.join(regions())} (or unset), got {raw!r}"
        ) from None
