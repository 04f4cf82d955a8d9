"""``vpabot doctor``: check a real installation against Slack and the database.

Prints a German checklist, one line per check (``✓`` passed, ``✗`` failed with ``→`` the fix);
the exit code is 0 only when every check passed. Read-only: it posts nothing, writes nothing
and creates no database file.

Checks, in order (later Slack checks are skipped when the token does not work):
token valid (``auth.test``), the bot scopes of ``manifest.yml`` granted (``X-OAuth-Scopes``),
the bot is a member of ``VPA_TEAM_CHANNEL`` and ``VPA_ADMIN_CHANNEL`` (``conversations.info``),
every ID in ``VPA_ADMIN_IDS`` / ``VPA_MANAGER_IDS`` is a real, active person (``users.info``),
the database is reachable and its migrations are current, review time and time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from vpabot.bot.config import PLACEHOLDERS, Settings, masked_url

# The bot scopes manifest.yml asks for (tests/test_doctor.py keeps them in step).
REQUIRED_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
    "usergroups:read",
    # The outbox looks up in-doubt messages in the channel's history (README "Delivery").
    "channels:history",
    "groups:history",
    "im:history",
)


@dataclass(frozen=True)
class Check:
    """One line of the checklist; ``fix`` says what to do when ``ok`` is False."""

    ok: bool
    text: str
    fix: str = ""

    def line(self) -> str:
        return f"✓ {self.text}" if self.ok else f"✗ {self.text}\n    → {self.fix}"


def _error(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _slack_checks(settings: Settings, client: WebClient) -> Iterator[Check]:
    try:
        auth = client.auth_test()
    except OSError as error:
        yield Check(
            False,
            f"Slack ist unter {settings.api_url} nicht erreichbar ({_error(error)})",
            "Netz, Proxy und SLACK_API_URL prüfen (Standard: https://slack.com/api/).",
        )
        yield Check(False, "Slack-Prüfungen übersprungen", "erst die Verbindung zu Slack herstellen.")
        return
    except SlackApiError as error:
        yield Check(
            False,
            f"SLACK_BOT_TOKEN wird von Slack nicht angenommen ({_error(error)})",
            "Bot-Token (xoxb-…) unter api.slack.com/apps → OAuth & Permissions kopieren; "
            f"SLACK_API_URL prüfen ({settings.api_url}).",
        )
        yield Check(False, "Slack-Prüfungen übersprungen", "erst das Token in Ordnung bringen.")
        return
    yield Check(True, f"Token gültig: Workspace {auth.get('team')}, Bot @{auth.get('user')}")
    headers = {k.lower(): v for k, v in (auth.headers or {}).items()}
    raw = headers.get("x-oauth-scopes", "")
    granted = {s.strip() for s in (raw if isinstance(raw, str) else ",".join(raw)).split(",")}
    missing = [scope for scope in REQUIRED_SCOPES if scope not in granted]
    yield Check(
        not missing,
        "Berechtigungen (Scopes) vollständig"
        if not missing
        else f"Es fehlen Berechtigungen: {', '.join(missing)}",
        "manifest.yml in der App-Konfiguration übernehmen und die App neu installieren "
        "(api.slack.com/apps → Install App → Reinstall).",
    )
    channels = [("VPA_TEAM_CHANNEL", settings.team_channel)]
    if settings.admin_channel:
        channels.append(("VPA_ADMIN_CHANNEL", settings.admin_channel))
    for name, channel in channels:
        yield _channel_check(client, name, channel, bot=str(auth.get("user") or "vpabot"))
    if settings.app_token and settings.app_token not in PLACEHOLDERS["SLACK_APP_TOKEN"]:
        yield _app_token_check(settings)
    people = [("VPA_ADMIN_IDS", uid) for uid in sorted(settings.admin_ids)]
    people += [("VPA_MANAGER_IDS", uid) for uid in sorted(settings.manager_ids)]
    for name, uid in people:
        yield _user_check(client, name, uid)


def _app_token_check(settings: Settings) -> Check:
    from vpabot.bot.cli.service import check_app_token
    from vpabot.bot.config import ConfigError

    try:
        check_app_token(settings)
    except ConfigError as error:
        return Check(False, "SLACK_APP_TOKEN (Socket Mode) wird nicht angenommen", str(error))
    return Check(True, "SLACK_APP_TOKEN (Socket Mode) gültig")


def _channel_check(client: WebClient, name: str, channel: str, *, bot: str) -> Check:
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except (SlackApiError, OSError) as error:
        return Check(
            False,
            f"{name} {channel}: Kanal nicht gefunden ({_error(error)})",
            "Kanal-ID prüfen (im Kanal: Kanaldetails → ganz unten, beginnt mit C oder G).",
        )
    if not info.get("is_member"):
        return Check(
            False,
            f"{name} {channel} (#{info.get('name', '?')}): der Bot ist kein Mitglied",
            f"im Kanal /invite @{bot} eingeben.",
        )
    return Check(True, f"{name} {channel} (#{info.get('name', '?')}): Bot ist Mitglied")


def _user_check(client: WebClient, name: str, uid: str) -> Check:
    fix = f"{name} prüfen: Slack-Mitglieds-ID aus dem Profil (⋮ → Mitglieds-ID kopieren)."
    try:
        user = client.users_info(user=uid)["user"]
    except (SlackApiError, OSError) as error:
        return Check(False, f"{name} {uid}: unbekannt ({_error(error)})", fix)
    if user.get("deleted"):
        return Check(False, f"{name} {uid}: Konto ist deaktiviert", fix)
    if user.get("is_bot"):
        return Check(False, f"{name} {uid}: ist ein Bot, keine Person", fix)
    return Check(True, f"{name} {uid}: aktive Person")


def _database_check(settings: Settings) -> Check:
    from vpabot.bot.cli.common import sqlite_file
    from vpabot.storage.db import make_engine
    from vpabot.storage.migrate import current_revisions, head_revisions

    shown = masked_url(settings.database_url)
    file = sqlite_file(settings.database_url)
    if file is not None and not file.exists():
        return Check(
            False,
            f"Datenbank {shown} gibt es nicht",
            "DATABASE_URL prüfen oder die Datenbank mit `vpabot db upgrade` anlegen.",
        )
    engine = make_engine(settings.database_url)
    try:
        current, heads = current_revisions(engine), head_revisions()
    except Exception as error:  # any driver error: the operator needs its first line
        return Check(
            False,
            f"Datenbank {shown} nicht erreichbar ({_error(error)})",
            "DATABASE_URL, Netz und Zugangsdaten prüfen.",
        )
    finally:
        engine.dispose()
    if current != heads:
        have = ", ".join(sorted(current)) or "leer"
        return Check(
            False,
            f"Datenbank {shown}: Stand {have}, erwartet {', '.join(sorted(heads))}",
            "`vpabot db upgrade` ausführen (oder den Bot starten: er migriert beim Start).",
        )
    return Check(True, f"Datenbank {shown} erreichbar und auf dem neuesten Stand")


def run_checks(settings: Settings, client: WebClient) -> list[Check]:
    """Every check, in the order printed. Never raises for what it checks."""
    checks = list(_slack_checks(settings, client))
    checks.append(_database_check(settings))
    # load_settings already refused a review time or zone it cannot parse: show what is used.
    checks.append(
        Check(
            True,
            f"Erinnerungen um {settings.review_time:%H:%M}, Zeitzone {settings.timezone}",
        )
    )
    return checks
