"""The last known members of the role user groups (``VPA_ADMIN_GROUP``, ``VPA_MANAGER_GROUP``).

Only the cache the settings carry; reading the groups from Slack is ``bot/roles.py``. Kept
apart so that the settings, and with them every use case, need no Slack library.
"""

from __future__ import annotations

import threading


class GroupMembers:
    """The last known members of the configured groups, by role; thread-safe."""

    def __init__(self) -> None:
        self._members: dict[str, frozenset[str]] = {}
        self._ids: dict[str, str] = {}  # role -> user group id, once resolved
        self._lock = threading.Lock()

    def of(self, role: str) -> frozenset[str]:
        with self._lock:
            return self._members.get(role, frozenset())

    def group_id(self, role: str) -> str | None:
        with self._lock:
            return self._ids.get(role)

    def set(self, role: str, group_id: str, members: frozenset[str]) -> None:
        with self._lock:
            self._ids[role], self._members[role] = group_id, members
