"""Typed SQLAlchemy 2 models. Instants are timezone-aware UTC; dates users type are dates.

``vpabot.storage.models`` is where code, Alembic's env and the migrations take the models
from; they are defined by aggregate: ``base`` (``Base``, ``UTCDateTime``, ``stored_enum``,
the text limits), ``assistants`` (assistants, violations, notes, severe questions), ``stops``,
``audit`` and ``queues`` (outbox, inbox, job runs; ``OutboxStatus``, ``InboxState``). Importing
the package registers every table on ``Base.metadata``.
"""

from __future__ import annotations

from vpabot.storage.models.assistants import (
    Assistant,
    AssistantSearchPair,
    AssistantSearchWord,
    CgMonthFigures,
    Note,
    SevereQuestion,
    Violation,
    ViolationMonthCount,
)
from vpabot.storage.models.audit import AuditEvent
from vpabot.storage.models.base import Base, UTCDateTime
from vpabot.storage.models.queues import (
    InboundRequest,
    InboxState,
    JobRun,
    OutboxLane,
    OutboxMessage,
    OutboxStatus,
    SpoolMark,
)
from vpabot.storage.models.stops import SalesStop, StopEndDate

__all__ = [
    "Assistant",
    "AssistantSearchPair",
    "AssistantSearchWord",
    "AuditEvent",
    "CgMonthFigures",
    "Base",
    "InboundRequest",
    "InboxState",
    "JobRun",
    "Note",
    "OutboxLane",
    "OutboxMessage",
    "OutboxStatus",
    "SpoolMark",
    "SalesStop",
    "SevereQuestion",
    "StopEndDate",
    "UTCDateTime",
    "Violation",
    "ViolationMonthCount",
]

# Registers the mapper events that keep ``violation_month_counts`` in step with ``violations``;
# imported here so no writer can load the models without them.
from vpabot.storage import rollups as _rollups  # noqa: E402,F401
# Registers the flush hook that keeps ``stop_end_dates`` in step with stops and their trails.
from vpabot.storage import stop_history as _stop_history  # noqa: E402,F401
# Registers the mapper events that drop cached CG figures of months a roster write changes.
from vpabot.storage import cg_months as _cg_months  # noqa: E402,F401
