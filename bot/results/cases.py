"""A violation as the VPA manager sees it, and what became of it: logged, decided, withdrawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from vpabot.policy.catalogue import Source, Tag
from vpabot.policy.ladder import ViolationDecision


@dataclass(frozen=True)
class Case:
    violation_id: int
    handle: str
    name: str
    step: int | None
    severe: bool
    tag: str  # label
    source: str  # key
    note: str
    logged_by: str
    history: str


@dataclass(frozen=True)
class Further:
    """A violation attached to an open case (services/open_cases.py), as its request lists it."""

    violation_id: int
    logged_on: date
    step: int | None
    severe: bool
    tag: str  # label
    note: str


@dataclass(frozen=True)
class Decision:
    violation_id: int
    approved: bool
    handle: str
    name: str


@dataclass(frozen=True)
class Communicated:
    case: Case
    at: datetime
    decided_by: str


@dataclass(frozen=True)
class LoggedViolation:
    violation_id: int
    handle: str
    name: str
    source: Source
    tag: Tag
    note: str
    decision: ViolationDecision


@dataclass(frozen=True)
class Withdrawn:
    number: int
    handle: str
    name: str


@dataclass(frozen=True)
class Asked:
    question_id: int
    handle: str
    name: str
