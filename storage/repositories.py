"""Queries and writes the use cases share. Callers own the transaction."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from vpabot.policy.ladder import NOT_COUNTING
from vpabot.policy.text import fold_term
from vpabot.storage.models import (
    Assistant,
    AssistantSearchPair,
    AssistantSearchWord,
    AuditEvent,
    SalesStop,
    Violation,
)
# Queueing a Slack call is part of the outbox; use cases reach it through this module.
from vpabot.storage.outbox import enqueue, enqueue_many, enqueue_reply  # noqa: F401


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def get_assistant(session: Session, handle: str, *, lock: bool = False) -> Assistant | None:
    """Load an assistant by handle; ``lock`` serialises concurrent writes to the same file."""
    query = select(Assistant).where(Assistant.handle == normalise_handle(handle))
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def lock_row(session: Session, model: Any, row_id: int) -> Any | None:
    """The row, locked for this transaction: a decision on it is made once."""
    return session.scalars(select(model).where(model.id == row_id).with_for_update()).one_or_none()


@dataclass(frozen=True)
class Found:
    """A page of assistants for a picker: ``rows`` (``handle``, ``name``) and whether more
    matched than were read (``more``): the full count is never computed."""

    rows: list[Row[Any]]
    more: bool


def find_assistants(session: Session, text: str, *, limit: int = 50) -> Found:
    """For the assistant picker: every typed word starts a word of the name or handle.

    Both sides are folded (``policy.text``): "mueller", "muller", "MÜLLER" and a decomposed
    "Mu\u0308ller" all find "Anna Müller". The longest typed word walks the primary key of
    ``assistant_search_words`` (word, assistant) in its own order; with two words or more it
    walks ``assistant_search_pairs`` (first, assistant, second) instead, so the second word is
    read from the entry itself, and any further words are checked per row found. The walk
    stops after ``limit`` + 1 assistants: what one call costs follows ``limit``, not how many
    on the roster match. Ordered by the matching word, then by when the assistant was added;
    empty text lists the first ``limit`` handles.
    """
    terms = sorted({fold_term(word) for word in text.split()} - {""}, key=len, reverse=True)
    terms = terms[:MAX_SEARCH_WORDS]
    if not terms:
        query = select(Assistant.handle, Assistant.name).order_by(Assistant.handle).limit(limit + 1)
        rows = list(session.execute(query))
        return Found(rows[:limit], len(rows) > limit)
    walked, *others = terms
    if others:
        # Two words or more: walk the pairs (first word, assistant, second word) in the same
        # order; the second word is in the entry itself, so the walk costs what it returns.
        second, *others = others
        word = AssistantSearchPair
        matching = word.first
        also_second = (word.second >= second, word.second < _prefix_end(second))
    else:
        word, matching, also_second = AssistantSearchWord, AssistantSearchWord.word, ()
    walk = select(matching, word.assistant_id).where(
        matching >= walked, matching < _prefix_end(walked), *also_second
    )
    for term in others:
        also = aliased(AssistantSearchWord)
        walk = walk.where(
            select(also.assistant_id)
            .where(
                also.assistant_id == word.assistant_id,
                also.word >= term,
                also.word < _prefix_end(term),
            )
            .exists()
        )
    # Read in pages of (word, assistant) entries until ``limit`` + 1 assistants are seen: one
    # assistant may fill a page on its own (six words starting "ann"), and a fixed page would
    # hide the others and say there are no more. A page goes on after the last entry read.
    page, after = 2 * (limit + 1), None
    seen: dict[int, Row[Any]] = {}
    while True:
        rows = list(session.execute(_page(walk, word, matching, bool(also_second), after, page)))
        for row in rows:
            seen.setdefault(row.id, row)
            if len(seen) > limit:
                break
        if len(seen) > limit or len(rows) < page:
            break
        after = (rows[-1].matched, rows[-1].id)
    rows = list(seen.values())
    return Found(rows[:limit], len(rows) > limit)


def _page(
    walk: Any, word: Any, matching: Any, grouped: bool, after: tuple[str, int] | None, page: int
) -> Any:
    """One page of the walk (its next ``page`` entries after ``after``, the (word, assistant)
    read last) with the assistants' handles and names, in the picker's order."""
    if after is not None:
        walk = walk.where(
            or_(matching > after[0], and_(matching == after[0], word.assistant_id > after[1]))
        )
    if grouped:
        # One entry per (first word, assistant) however many of its words are second ones
        # ("schaefer" and "schafer"), grouped in index order before the assistants are read.
        found = (
            walk.group_by(matching, word.assistant_id)
            .order_by(matching, word.assistant_id)
            .limit(page)
            .subquery()
        )
        return (
            select(Assistant.id, Assistant.handle, Assistant.name, found.c.first.label("matched"))
            .join(found, found.c.assistant_id == Assistant.id)
            .order_by(found.c.first, found.c.assistant_id)
        )
    # Two words of one name may match the same prefix ("Anna Annabell"): an assistant may
    # come several times, once per matching word.
    return (
        walk.with_only_columns(
            Assistant.id, Assistant.handle, Assistant.name, matching.label("matched")
        )
        .join_from(word, Assistant, word.assistant_id == Assistant.id)
        .order_by(matching, word.assistant_id)
        .limit(page)
    )


def search_assistants(session: Session, text: str, *, limit: int = 50) -> list[Row[Any]]:
    """``find_assistants`` without the "more" flag: at most ``limit`` rows."""
    return find_assistants(session, text, limit=limit).rows


MAX_SEARCH_WORDS = 4  # more words narrow nothing in practice and only lengthen the query


def _prefix_end(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix`` (binary order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def similar_handles(session: Session, handle: str, *, limit: int = 3) -> list[str]:
    """Close matches for a mistyped handle, best first."""
    wanted = normalise_handle(handle)
    if not wanted:
        return []
    # Typos rarely hit the first letter: compare with the handles that share it (an index
    # range) instead of reading the whole roster on every mistyped command.
    handles = list(
        session.scalars(
            select(Assistant.handle).where(
                Assistant.handle >= wanted[0], Assistant.handle < _prefix_end(wanted[0])
            )
        )
    )
    close = difflib.get_close_matches(wanted, handles, n=limit, cutoff=0.6)
    prefixed = [h for h in handles if h.startswith(wanted[:3]) and h not in close]
    return (close + sorted(prefixed))[:limit]


def count_counting_violations(
    session: Session, assistant_id: int, *, since: date | None, before_id: int | None = None
) -> int:
    """Violations that count for the ladder: not rejected/withdrawn, logged after ``since``
    (and, to re-check an older case, logged before violation ``before_id``)."""
    query = select(func.count(Violation.id)).where(
        Violation.assistant_id == assistant_id,
        Violation.state.not_in(sorted(NOT_COUNTING)),
    )
    if since is not None:
        query = query.where(Violation.logged_on > since)
    if before_id is not None:
        query = query.where(Violation.id < before_id)
    return session.scalar(query) or 0


def latest_violations(session: Session, assistant_id: int, *, limit: int, offset: int = 0) -> list[Violation]:
    query = (
        select(Violation)
        .where(Violation.assistant_id == assistant_id)
        .order_by(Violation.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_rows(session: Session, model: type, assistant_id: int) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.assistant_id == assistant_id)) or 0


def active_stop(session: Session, assistant_id: int, *, lock: bool = False) -> SalesStop | None:
    query = select(SalesStop).where(
        SalesStop.assistant_id == assistant_id, SalesStop.lifted_at.is_(None)
    )
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    at: datetime,
    subject: str,
    subject_id: int | None = None,
    assistant_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        at=at,
        subject=subject,
        subject_id=subject_id,
        assistant_id=assistant_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event
