"""The roster: what a status change did."""

from __future__ import annotations

from dataclasses import dataclass

from vpabot.policy.ladder import AssistantStatus


@dataclass(frozen=True)
class StatusChange:
    handle: str
    name: str
    before: AssistantStatus
    after: AssistantStatus

    @property
    def changed(self) -> bool:
        return self.before != self.after
