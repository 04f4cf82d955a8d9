"""An access request (GDPR Art. 15): everything stored about one assistant, as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Person:
    name: str
    handle: str
    status: str  # AssistantStatus value
    joined_on: date | None
    cg_accepted_on: date | None
    ended_on: date | None
    has_slack_account: bool


@dataclass(frozen=True)
class ViolationEntry:
    logged_at: datetime
    source: str
    tag: str
    severe: bool
    step: int | None
    state: str
    note: str
    decision_reason: str | None
    communicated_at: datetime | None


@dataclass(frozen=True)
class NoteEntry:
    created_at: datetime
    kind: str  # note | question | answer
    text: str


@dataclass(frozen=True)
class StopEntry:
    kind: str
    reason: str
    starts_on: date
    until: date | None
    note: str
    lifted_at: datetime | None
    lift_note: str | None


@dataclass(frozen=True)
class EventEntry:
    at: datetime
    action: str  # audit action, e.g. "violation.logged"


@dataclass(frozen=True)
class MessageEntry:
    created_at: datetime
    purpose: str  # outbox purpose, e.g. "stop_announcement"


@dataclass(frozen=True)
class AccessRequest:
    """Everything stored about one assistant, oldest first in every list."""

    exported_at: datetime
    person: Person
    violations: list[ViolationEntry]
    notes: list[NoteEntry]
    stops: list[StopEntry]
    events: list[EventEntry]
    messages: list[MessageEntry]
