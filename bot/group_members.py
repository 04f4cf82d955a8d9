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

    def snapshot(self) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
        """``(members by role, group id by role)``: what another process needs to decide
        roles as this one does (``restore`` there)."""
        with self._lock:
            return dict(self._members), dict(self._ids)

    def restore(self, snapshot: tuple[dict[str, frozenset[str]], dict[str, str]]) -> None:
        """Take over a ``snapshot`` of another process's cache, replacing this one's."""
        members, ids = snapshot
        with self._lock:
            self._members, self._ids = dict(members), dict(ids)

    # Picklable like the settings that carry it: the lock stays behind, the members go.
    def __getstate__(self) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
        return self.snapshot()

    def __setstate__(self, snapshot: tuple[dict[str, frozenset[str]], dict[str, str]]) -> None:
        self._lock = threading.Lock()
        self.restore(snapshot)
