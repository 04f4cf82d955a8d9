"""manifest.yml: valid against Slack's manifest schema, and wired the way the bot expects."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from referencing import Registry
from referencing.exceptions import NoSuchResource

REPO = Path(__file__).resolve().parents[1]
MANIFEST_PATH = REPO / "manifest.yml"
SCHEMA_PATH = REPO.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"

EVENTS_PATH = "/slack/events"
# The minimal bot scopes. Widening them is a decision: change this set on purpose.
# channels:read / groups:read: `vpabot doctor` checks that the bot is in the team and admin
# channels (conversations.info); they reveal channel metadata, never messages.
BOT_SCOPES = {
    "commands",
    "chat:write",
    "im:write",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
    # Roles from Slack user groups (usergroups.users.list).
    "usergroups:read",
    # The outbox's look-up of in-doubt messages (conversations.history, README "Delivery").
    "channels:history",
    "groups:history",
    "im:history",
}


def _offline(uri: str) -> Any:
    """Never fetch a ``$ref`` over the network: an unknown remote reference is an error."""
    raise NoSuchResource(ref=uri)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    with MANIFEST_PATH.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, dict), "manifest.yml must be a YAML mapping"
    return data


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    if not SCHEMA_PATH.is_file():
        pytest.skip("../shared/slack not present (fresh clone)")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # Local "#/definitions/..." refs resolve inside the schema; anything remote fails
    # instead of going online.
    return cls(schema, registry=Registry(retrieve=_offline))


def _errors(validator: jsonschema.protocols.Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
    ]


def _vpa(manifest: dict[str, Any]) -> dict[str, Any]:
    commands = manifest["features"]["slash_commands"]
    matches = [c for c in commands if c.get("command") == "/vpa"]
    assert len(matches) == 1, f"expected exactly one /vpa command, got {commands!r}"
    return matches[0]


# --- schema ----------------------------------------------------------------------


def test_manifest_is_valid_against_slack_schema(
    manifest: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    assert _errors(validator, manifest) == []


def _without_command_key(m: dict[str, Any]) -> None:
    del m["features"]["slash_commands"][0]["command"]


def _scopes_as_string(m: dict[str, Any]) -> None:
    m["oauth_config"]["scopes"]["bot"] = "commands,chat:write"


def _command_without_slash(m: dict[str, Any]) -> None:
    m["features"]["slash_commands"][0]["command"] = "vpa"


def _unknown_setting(m: dict[str, Any]) -> None:
    m["settings"]["socket_mode"] = True  # typo for socket_mode_enabled


def _interactivity_without_is_enabled(m: dict[str, Any]) -> None:
    del m["settings"]["interactivity"]["is_enabled"]


@pytest.mark.parametrize(
    "break_it",
    [
        _without_command_key,
        _scopes_as_string,
        _command_without_slash,
        _unknown_setting,
        _interactivity_without_is_enabled,
    ],
)
def test_broken_manifest_fails_validation(
    manifest: dict[str, Any], validator: jsonschema.protocols.Validator, break_it: Any
) -> None:
    broken = copy.deepcopy(manifest)
    break_it(broken)
    assert _errors(validator, broken), f"{break_it.__name__}: schema accepted a broken manifest"


# --- what a user would notice ----------------------------------------------------


def test_vpa_command_exists_and_points_at_slack_events(manifest: dict[str, Any]) -> None:
    vpa = _vpa(manifest)
    assert vpa["url"].startswith("https://")
    assert vpa["url"].endswith(EVENTS_PATH)
    assert vpa["description"].strip()
    assert "verstoss" in vpa["usage_hint"] and "akte" in vpa["usage_hint"]
    assert vpa["should_escape"] is False


def test_interactivity_and_options_load_url_point_at_slack_events(
    manifest: dict[str, Any],
) -> None:
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"].endswith(EVENTS_PATH)
    # external_select menus load their options from here; without it they stay empty.
    assert interactivity["message_menu_options_url"].endswith(EVENTS_PATH)


def test_app_home_opened_is_subscribed(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]
    assert "app_home_opened" in events["bot_events"]
    assert events["request_url"].endswith(EVENTS_PATH)


def test_all_request_urls_share_one_host(manifest: dict[str, Any]) -> None:
    """Replacing the example domain must not leave one URL behind."""
    settings = manifest["settings"]
    urls = [
        _vpa(manifest)["url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
        settings["event_subscriptions"]["request_url"],
    ]
    assert len({urlsplit(u).netloc for u in urls}) == 1, urls


def test_app_home_tab_enabled_and_messages_read_only(manifest: dict[str, Any]) -> None:
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is True


def test_bot_user_always_online(manifest: dict[str, Any]) -> None:
    bot_user = manifest["features"]["bot_user"]
    assert bot_user["display_name"] == "vpabot"
    assert bot_user["always_online"] is True


def test_bot_scopes_are_exactly_the_minimal_set(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    bot = scopes["bot"]
    assert len(bot) == len(set(bot)), f"duplicate scopes: {bot!r}"
    assert set(bot) == BOT_SCOPES
    # No user token and no optional scopes sneaking in beside the bot scopes.
    assert set(scopes) == {"bot"}


def test_socket_mode_enabled(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_every_shortcut_in_the_manifest_is_handled(manifest: dict[str, Any]) -> None:
    from vpabot.bot.ids import Shortcut

    declared = {s["callback_id"]: s["type"] for s in manifest["features"]["shortcuts"]}
    assert declared == {Shortcut.LOG_VIOLATION: "global", Shortcut.FILE_MESSAGE: "message"}
