"""The assistant's file: the assistant and the search index of their name, their violations
(with the monthly counts the report reads), notes, and the "really severe?" questions a
violation waits in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, delete, event, insert, inspect, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vpabot.policy.catalogue import Source
from vpabot.policy.ladder import AssistantStatus, ViolationState
from vpabot.policy.notes import NoteKind
from vpabot.storage.search_fold import MAX_WORD, search_key, search_words
from vpabot.storage.models.base import Base, length_checks, stored_enum, utcnow


class Assistant(Base):
    __tablename__ = "assistants"
    # Who is overdue or due soon is a range of acceptance dates (policy.cg
    # .latest_acceptance_due_by) among those we still work with: counted from the index alone.
    __table_args__ = (
        *length_checks("assistants"),
        Index(
            "ix_assistants_cg_due",
            "cg_accepted_on",
            "handle",  # pages in (due date, handle) order straight from the index
            "status",
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[AssistantStatus] = mapped_column(
        stored_enum(AssistantStatus, 20), default=AssistantStatus.NEW
    )
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    # active_history on the dates the report's CG figures depend on (storage/cg_months.py):
    # an update knows the day it was before, and so the first month it changes.
    joined_on: Mapped[date | None] = mapped_column(active_history=True)
    cg_accepted_on: Mapped[date | None] = mapped_column(active_history=True)
    # collaboration ended (resigned, excluded, terminated)
    ended_on: Mapped[date | None] = mapped_column(active_history=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, active_history=True)
    created_by: Mapped[str] = mapped_column(String(32))
    # Folded name and handle (policy.text.search_key), kept by the mapper events below.
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="")

    violations: Mapped[list[Violation]] = relationship(
        back_populates="assistant", order_by="Violation.id"
    )
    notes: Mapped[list[Note]] = relationship(back_populates="assistant", order_by="Note.id")


# Binary order on PostgreSQL too, so ``word >= 'mue' AND word < 'muf'`` is exactly "starts with".
SEARCH_WORD = String(MAX_WORD).with_variant(String(MAX_WORD, collation="C"), "postgresql")


class AssistantSearchWord(Base):
    """One folded word of an assistant's name or handle: the index the picker searches.

    A word-prefix match on ``assistants.search_key`` alone (``LIKE '% mue%'``) cannot use an
    index; a range on this table's ``word`` can, so a search touches only the matching rows.
    """

    __tablename__ = "assistant_search_words"

    word: Mapped[str] = mapped_column(SEARCH_WORD, primary_key=True)
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistants.id"), primary_key=True, index=True
    )


class AssistantSearchPair(Base):
    """Two folded words of one assistant's name or handle (each word with itself too): a
    search for two words walks the first word's range in the picker's order and checks the
    second in the same index entry, instead of probing the assistant's words per row.

    Kept with ``assistant_search_words`` by ``write_search_words``.
    """

    __tablename__ = "assistant_search_pairs"
    # (first, assistant, second): the picker's order (matching word, then assistant) is the
    # index order, and the second word is read from the same entry.
    first: Mapped[str] = mapped_column(SEARCH_WORD, primary_key=True)
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistants.id"), primary_key=True, index=True
    )
    second: Mapped[str] = mapped_column(SEARCH_WORD, primary_key=True)


@event.listens_for(Assistant, "before_insert")
@event.listens_for(Assistant, "before_update")
def _fold_for_search(_mapper: Any, _connection: Any, target: Assistant) -> None:
    key = search_key(target.name or "", target.handle or "")
    if target.search_key != key:
        target.search_key = key


@event.listens_for(Assistant, "after_insert")
@event.listens_for(Assistant, "after_update")
def _index_for_search(_mapper: Any, connection: Any, target: Assistant) -> None:
    if not inspect(target).attrs.search_key.history.has_changes():
        return
    write_search_words(connection, {target.id: (target.name, target.handle)}, replace=True)


def write_search_words(
    connection: Any, names: dict[int, tuple[str, str]], *, replace: bool = False
) -> None:
    """Index ``{assistant_id: (name, handle)}`` for the search; ``replace`` drops old words.

    For writers that bypass the ORM (the migration, bulk loaders): one executemany.
    """
    table, pairs = AssistantSearchWord.__table__, AssistantSearchPair.__table__
    if replace and names:
        for t in (table, pairs):
            connection.execute(delete(t).where(t.c.assistant_id.in_(list(names))))
    words = {assistant: search_words(name, handle) for assistant, (name, handle) in names.items()}
    rows = [{"word": w, "assistant_id": a} for a, found in words.items() for w in found]
    if rows:
        connection.execute(insert(table), rows)
        connection.execute(insert(pairs), list(search_pairs(words)))


def search_pairs(words: dict[int, list[str]]) -> Iterator[dict[str, Any]]:
    """``assistant_search_pairs`` rows of ``{assistant_id: folded words}``."""
    for assistant_id, found in words.items():
        for first in found:
            for second in found:
                yield {"first": first, "assistant_id": assistant_id, "second": second}


class Violation(Base):
    __tablename__ = "violations"
    __table_args__ = (
        *length_checks("violations"),
        # "This week" on Home and the monthly report read a range of instants; the report
        # groups by the other columns, counted from the index without touching the table.
        Index("ix_violations_logged_at", "logged_at", "state", "source", "tag", "step", "severe"),
        # Cases waiting for the manager, oldest first, without sorting every open case.
        Index("ix_violations_state_logged_at", "state", "logged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("assistants.id"), index=True)
    # active_history on the columns the report rollup counts by (storage/rollups.py): a change
    # must know the value it replaces even when the row was expired, to move its count.
    source: Mapped[Source] = mapped_column(stored_enum(Source, 20), active_history=True)
    tag: Mapped[str] = mapped_column(String(40), active_history=True)
    severe: Mapped[bool] = mapped_column(default=False, active_history=True)
    step: Mapped[int | None] = mapped_column(active_history=True)  # None: severe, off the ladder
    state: Mapped[ViolationState] = mapped_column(
        stored_enum(ViolationState, 20), index=True, active_history=True
    )
    note: Mapped[str] = mapped_column(Text)
    logged_by: Mapped[str] = mapped_column(String(32))
    logged_at: Mapped[datetime] = mapped_column(default=utcnow, active_history=True)
    logged_on: Mapped[date]  # local date, what expiry counts from
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    communicated_at: Mapped[datetime | None]
    approval_reminder_at: Mapped[datetime | None] = mapped_column(index=True)

    assistant: Mapped[Assistant] = relationship(back_populates="violations")


class ViolationMonthCount(Base):
    """How many violations per UTC month of ``logged_at`` and (source, tag, rung, state).

    The monthly report reads one month of these few hundred rows instead of the month's
    violations. Kept in the writing transaction by ``vpabot.storage.rollups`` (mapper events
    on ``Violation``; ``rebuild`` for bulk writers). UTC months, not local ones: the time zone
    is a setting the writers do not know and may change; the report adds the few hours
    between the local and the UTC month boundary from the violations' index.
    """

    __tablename__ = "violation_month_counts"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11", UTC
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    rung: Mapped[int] = mapped_column(primary_key=True)  # step 1..4; 0: severe (or no step)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Note(Base):
    """An observation that is not a violation: in the file, off the ladder."""

    __tablename__ = "notes"
    __table_args__ = length_checks("notes")

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("assistants.id"), index=True)
    kind: Mapped[NoteKind] = mapped_column(stored_enum(NoteKind, 20), default=NoteKind.NOTE)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assistant: Mapped[Assistant] = relationship(back_populates="notes")



class SevereQuestion(Base):
    """'Really severe?' asked after a typed ``schwer``: the case waits here, not in a button.

    ``answered_at`` is set by the first answer; a second click changes nothing.
    """

    __tablename__ = "severe_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    command: Mapped[dict[str, Any]]  # the LogViolation, as bot/payloads writes it
    asked_by: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


class CgMonthFigures(Base):
    """The monthly report's CG figures of a closed month, as computed from the roster.

    A cache, not a record: written by the monthly report's sweep (``bot/services/report_cg``)
    and deleted, in the writing transaction, by every roster write that could change them
    (``storage/cg_months.py``). A month without a row is counted from the roster.
    """

    __tablename__ = "cg_month_figures"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11", local
    tz: Mapped[str] = mapped_column(String(64), primary_key=True)  # the months' time zone
    active: Mapped[int]
    accepted: Mapped[int]
    computed_at: Mapped[datetime]

