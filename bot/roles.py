"""Admins and managers from Slack user groups (``VPA_ADMIN_GROUP``, ``VPA_MANAGER_GROUP``).

The agency keeps its teams as user groups (``@vpa-admins``); reading roles from there means
nobody has to edit an ID list when someone joins. Members are read with
``usergroups.users.list`` (scope ``usergroups:read``), kept in memory, and read again on
start, on Slack's ``subteam_members_changed`` event and every ``REFRESH_SECONDS``: a role
check in an ack never waits for the Web API. The ID lists keep working beside the groups.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from vpabot.bot.group_members import GroupMembers

log = logging.getLogger(__name__)

REFRESH_SECONDS = 600


def resolve_group(client: WebClient, group: str) -> str:
    """A user group's id from its id (``S…``) or handle (``vpa-admins``, ``@vpa-admins``).

    Raises ``LookupError`` when no group has that handle.
    """
    handle = group.lstrip("@")
    if handle[:1] == "S" and handle.isupper():
        return handle
    for found in client.usergroups_list()["usergroups"]:
        if found.get("handle") == handle:
            return str(found["id"])
    raise LookupError(f"no user group with handle @{handle}")


def refresh(members: GroupMembers, client: WebClient, groups: dict[str, str]) -> None:
    """Read every configured group's members now; a failure keeps the last known members."""
    for role, group in groups.items():
        try:
            group_id = members.group_id(role) or resolve_group(client, group)
            users = client.usergroups_users_list(usergroup=group_id)["users"]
        except (SlackApiError, LookupError, OSError) as error:
            log.warning("could not read the members of user group %s (%s): %s", group, role, error)
            continue
        members.set(role, group_id, frozenset(users))


def refresh_if_ours(members: GroupMembers, client: WebClient, groups: dict[str, str], subteam_id: str) -> bool:
    """On ``subteam_members_changed``: read the group again if it is one of ours."""
    ours = {role: g for role, g in groups.items() if members.group_id(role) == subteam_id}
    if ours:
        refresh(members, client, ours)
    return bool(ours)
