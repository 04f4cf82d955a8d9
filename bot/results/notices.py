"""What use cases tell people who did not ask: typed notices, addressed by audience.

A use case that must tell someone (the team of a new VT-Stop, the managers of an Ermahnung,
the admin of a manager's decision) builds one of these frozen dataclasses and hands it to
``services.notify.notify`` inside its transaction. The notice says *what* happened and *to
which audience* (its ``routes``); the presentation (``blocks/notices.py``) decides the words
and blocks; ``notify`` decides the channels and writes the outbox rows. Notices carry data,
never Block Kit, so this module sits below both services and blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from vpabot.bot.results.cases import Case, Further
from vpabot.bot.results.cg import CgEntry
from vpabot.bot.results.listing import Listing
from vpabot.bot.results.reports import MonthlyReport
from vpabot.policy.reports import Month
from vpabot.policy.stops import StopKind


class To(StrEnum):
    """An audience; ``services.notify`` turns it into channels from the settings."""

    TEAM = "team"  # the team channel: every stop set, changed or lifted (rule 11)
    MANAGERS = "managers"  # every VPA manager's DM
    # The admin the notice names (``notice.admin``); once they left the admin team, the admin
    # channel (or every admin), so personal data never reaches someone no longer entitled.
    ADMIN = "admin"
    ADMINS = "admins"  # the admin channel, or every admin's DM when there is none
    REQUESTS = "requests"  # every manager's approval request for the case, updated in place


class Purpose(StrEnum):
    """The outbox row's ``purpose``: stored, queried (a case's requests) and shown (dead rows,
    the access request), so the values never change."""

    STOP_ANNOUNCEMENT = "stop_announcement"
    MANAGER_FYI = "manager_fyi"
    APPROVAL_REQUEST = "approval_request"
    APPROVAL_UPDATE = "approval_update"  # a request re-rendered with its further violations
    APPROVAL_OUTCOME = "approval_outcome"
    APPROVAL_ADMIN = "approval_admin"
    CONSULTATION = "consultation"
    CONSULTATION_ANSWER = "consultation_answer"
    CG_DIGEST = "cg_digest"
    STOP_REVIEW = "stop_review"
    MONTHLY_REPORT = "monthly_report"


@dataclass(frozen=True)
class Route:
    """One audience of a notice and the purpose its rows are stored under."""

    to: To
    purpose: Purpose
    upload: bool = False  # a file upload (the monthly report's chart), not a message


@dataclass(frozen=True)
class Thread:
    """Where a follow-up goes: a reply under an earlier outbox message of the same lane (the
    parent may not be delivered yet; the dispatcher reads its ts when it sends the reply).

    ``parents``: ``(lane, outbox id)`` pairs, a lane being ``storage.outbox.lane_for`` of the
    row (one per recipient: each admin's DM has its own first reminder). ``broadcast``: also
    shown in the channel (``reply_broadcast``), for what everyone must see.
    """

    parents: tuple[tuple[str, int], ...] = ()
    broadcast: bool = False

    def parent(self, lane: str | None) -> int | None:
        return dict(self.parents).get(lane or "")


@dataclass(frozen=True)
class StopAnnounced:
    """A VT-Stop was set, changed or lifted. Never carries the violation: the team reads it."""

    stop_id: int
    action: str  # set | changed | extended (same kind, later end) | lifted
    name: str
    handle: str
    kind: StopKind
    until: date | None
    by: str
    thread: Thread | None = None  # a change or lift: under the stop's first announcement
    routes: ClassVar = (Route(To.TEAM, Purpose.STOP_ANNOUNCEMENT),)

    @property
    def subject_id(self) -> int:
        return self.stop_id


@dataclass(frozen=True)
class _AboutCase:
    case: Case

    @property
    def subject_id(self) -> int:
        return self.case.violation_id

    @property
    def violation_id(self) -> int:
        return self.case.violation_id


@dataclass(frozen=True)
class ErmahnungReported(_AboutCase):
    """Rule 4: every manager hears of an Ermahnung; nothing to decide."""

    routes: ClassVar = (Route(To.MANAGERS, Purpose.MANAGER_FYI),)


@dataclass(frozen=True)
class ApprovalRequested(_AboutCase):
    """Rule 5: a case waits for a manager's decision (``reminder``: the daily reminder)."""

    further: tuple[Further, ...] = ()
    reminder: bool = False
    routes: ClassVar = (Route(To.MANAGERS, Purpose.APPROVAL_REQUEST),)


@dataclass(frozen=True)
class RequestRefreshed(_AboutCase):
    """The open case's requests list the assistant's further violations as they stand now.

    An update of this kind still waiting in the outbox is rewritten, not queued again."""

    further: tuple[Further, ...] = ()
    routes: ClassVar = (Route(To.REQUESTS, Purpose.APPROVAL_UPDATE),)


@dataclass(frozen=True, kw_only=True)
class CaseDecided(_AboutCase):
    """A manager approved or rejected: every request shows it; the admin who logged it hears."""

    approved: bool
    by: str
    at: datetime  # local wall-clock time of the decision
    reason: str | None
    admin: str
    routes: ClassVar = (
        Route(To.REQUESTS, Purpose.APPROVAL_OUTCOME),
        Route(To.ADMIN, Purpose.APPROVAL_ADMIN),
    )


@dataclass(frozen=True, kw_only=True)
class CaseRestepped(_AboutCase):
    """An earlier case stopped counting, so this one moved down the ladder.

    Still waiting (``further`` as its request lists them): the requests show the lower step.
    No approval needed any more: the requests say so and the admin who logged it hears it."""

    still_pending: bool
    further: tuple[Further, ...] = ()
    admin: str

    @property
    def routes(self) -> tuple[Route, ...]:
        requests = Route(To.REQUESTS, Purpose.APPROVAL_OUTCOME)
        if self.still_pending:
            return (requests,)
        return (requests, Route(To.ADMIN, Purpose.APPROVAL_ADMIN))


@dataclass(frozen=True)
class CaseSettled(_AboutCase):
    """The collaboration ended: an open case has nothing left to decide."""

    routes: ClassVar = (Route(To.REQUESTS, Purpose.APPROVAL_OUTCOME),)


@dataclass(frozen=True, kw_only=True)
class CaseWithdrawn(_AboutCase):
    """An admin took back a case that was waiting for a manager."""

    by: str
    routes: ClassVar = (Route(To.REQUESTS, Purpose.APPROVAL_OUTCOME),)


@dataclass(frozen=True)
class QuestionAsked:
    """An admin is unsure and asks the VPA managers (rule 11)."""

    question_id: int
    handle: str
    name: str
    by: str
    question: str
    history: str
    routes: ClassVar = (Route(To.MANAGERS, Purpose.CONSULTATION),)

    @property
    def subject_id(self) -> int:
        return self.question_id


@dataclass(frozen=True)
class QuestionAnswered:
    """A manager's answer goes to the admin who asked (``admin``)."""

    answer_id: int
    handle: str
    name: str
    by: str
    question: str
    answer: str
    admin: str
    routes: ClassVar = (Route(To.ADMIN, Purpose.CONSULTATION_ANSWER),)

    @property
    def subject_id(self) -> int:
        return self.answer_id


@dataclass(frozen=True)
class CgDigest:
    """The working day's list of CG acceptances overdue and due soon (rule 13)."""

    overdue: Listing[CgEntry]
    due_soon: Listing[CgEntry]
    today: date
    subject_id: ClassVar = None
    routes: ClassVar = (Route(To.ADMINS, Purpose.CG_DIGEST),)


@dataclass(frozen=True)
class SinceStartViolation:
    """A violation logged since a stop began, as its review reminder lists it."""

    logged_at: datetime
    step: int | None
    severe: bool
    tag: str  # key
    state: str
    note: str


@dataclass(frozen=True)
class SinceStartNote:
    created_at: datetime
    text: str


@dataclass(frozen=True)
class ReviewDue:
    """A stop's end date came: the admin who set it decides (lift, extend, convert)."""

    stop_id: int
    name: str
    handle: str
    kind: StopKind
    starts_on: date
    until: date | None
    overdue: bool  # reminded before and still undecided
    today: date
    violations: tuple[SinceStartViolation, ...]
    notes: tuple[SinceStartNote, ...]
    admin: str
    thread: Thread | None = None  # a re-reminder: under the first reminder of this round
    # Why the stop was set, as the admin gave it: the decision is theirs. Defaults read the
    # reminders queued before these fields existed.
    reason: str = ""  # a StopReason value
    note: str = ""
    routes: ClassVar = (Route(To.ADMIN, Purpose.STOP_REVIEW),)

    @property
    def subject_id(self) -> int:
        return self.stop_id


@dataclass(frozen=True)
class MonthlyReportReady:
    """Last month's report and chart, to every manager on the first working day."""

    month: Month
    report: MonthlyReport
    subject_id: ClassVar = None
    routes: ClassVar = (Route(To.MANAGERS, Purpose.MONTHLY_REPORT, upload=True),)


Notice = (
    StopAnnounced
    | ErmahnungReported
    | ApprovalRequested
    | RequestRefreshed
    | CaseDecided
    | CaseRestepped
    | CaseSettled
    | CaseWithdrawn
    | QuestionAsked
    | QuestionAnswered
    | CgDigest
    | ReviewDue
    | MonthlyReportReady
)
