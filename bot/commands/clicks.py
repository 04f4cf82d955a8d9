"""Commands that come from clicks rather than typed text. Pure dataclasses, like grammar's.

Together with ``grammar.Command`` these are everything a user can ask vpabot to do; each has
one handler (``bot/interactions/registry.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ShowFilePage:
    handle: str
    page: int


@dataclass(frozen=True)
class ShowFile:
    """'Akte öffnen' under a case or a question: the file as a new message."""

    handle: str


@dataclass(frozen=True)
class OpenStopForm:
    handle: str
    violation_id: int | None = None
    onboarding: bool = False


@dataclass(frozen=True)
class OpenReviewForm:
    """A review reminder's button: lift, extend or convert (``action`` names which)."""

    stop_id: int
    until: date | None
    action: str


@dataclass(frozen=True)
class AnswerSevere:
    """The admin's answer to 'really severe?'; the case waits in ``severe_questions``."""

    question_id: int
    severe: bool


@dataclass(frozen=True)
class OpenRejectForm:
    violation_id: int


@dataclass(frozen=True)
class MarkCommunicated:
    violation_id: int


@dataclass(frozen=True)
class OpenQuestionForm:
    handle: str | None = None


@dataclass(frozen=True)
class OpenAnswerForm:
    question_id: int


@dataclass(frozen=True)
class SetCgStop:
    handle: str


@dataclass(frozen=True)
class LiftCgStop:
    stop_id: int
    until: date | None


@dataclass(frozen=True)
class RetryMessage:
    message_id: int


@dataclass(frozen=True)
class ShowStopsPage:
    """`/vpa stops` from row ``offset`` on, replacing the message that was clicked."""

    offset: int


@dataclass(frozen=True)
class ShowPendingPage:
    """`/vpa offen` from row ``offset`` on, replacing the message that was clicked."""

    offset: int


@dataclass(frozen=True)
class ShowHomePage:
    """The App Home again with one list moved to another page (``pages``: a HomePages)."""

    pages: Any


@dataclass(frozen=True)
class FileMessage:
    """'In die VPA Akte' on a message (e.g. a client complaint): the violation form,
    prefilled with the message's text and a link to it."""

    channel_id: str
    channel_name: str
    message_ts: str
    text: str


Click = (
    ShowFilePage
    | ShowFile
    | OpenStopForm
    | OpenReviewForm
    | AnswerSevere
    | OpenRejectForm
    | MarkCommunicated
    | OpenQuestionForm
    | OpenAnswerForm
    | SetCgStop
    | LiftCgStop
    | RetryMessage
    | FileMessage
    | ShowStopsPage
    | ShowPendingPage
    | ShowHomePage
)
