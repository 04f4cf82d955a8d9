"""One page of an assistant's file (VPA Akte), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vpabot.policy.cg import CgStatus


@dataclass(frozen=True)
class ViolationEntry:
    id: int
    logged_at: datetime
    source: str
    tag: str
    severe: bool
    step: int | None
    state: str
    note: str
    logged_by: str
    decision_reason: str | None
    decided_by: str | None
    communicated_at: datetime | None


@dataclass(frozen=True)
class NoteEntry:
    created_at: datetime
    text: str
    author: str
    kind: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    after: dict[str, Any] | None


@dataclass(frozen=True)
class StopEntry:
    kind: str
    starts_on: date
    until: date | None


@dataclass(frozen=True)
class AssistantFile:
    """One page of the file. Entries are newest first: violations, then notes, then history."""

    handle: str
    name: str
    status: str
    joined_on: date | None
    counting: int
    violations: list[ViolationEntry]
    notes: list[NoteEntry]
    audit: list[AuditEntry]
    stop: StopEntry | None
    total_violations: int
    total_notes: int
    page: int = 0
    pages: int = 1
    # CG re-acceptance; None once the collaboration has ended (nothing is due any more).
    cg: CgStatus | None = None
    cg_accepted_on: date | None = None
    cg_stop: bool = False  # the active stop is the one for "CG nicht akzeptiert"
