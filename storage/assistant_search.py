"""The assistant picker's search: a walk of the word index, answered inside Slack's ack.

Slack wants an ``external_select``'s options in the ack itself, so this runs on the web
process's request thread for every key typed into a picker, and its Python work is most of
the ack's CPU time. Hence: the statements are built once per shape (how many words were
typed, first page or a later one) with bound parameters instead of per call, so a call
neither constructs a ``Select`` nor computes its cache key (SQLAlchemy memoises the key on
the statement object and finds the compiled form in the engine's cache); and they select
table columns (Core), not mapped attributes, so the ORM's compile and result machinery is
skipped. What they read is unchanged: no copy of the roster in memory, so a name added or
renamed by any process is found at once.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Integer, Row, Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from vpabot.storage.search_fold import fold_term
from vpabot.storage.models import Assistant, AssistantSearchPair, AssistantSearchWord

MAX_SEARCH_WORDS = 4  # more words narrow nothing in practice and only lengthen the query
# Punctuation around a typed word is no part of the name ("anna,", "(anna)", "müller!"); inside
# one it may be ("o'brien", "anna.m"), and the index holds those words whole.
EDGE = string.punctuation

_ASSISTANTS = Assistant.__table__
_WORDS = AssistantSearchWord.__table__
_PAIRS = AssistantSearchPair.__table__


@dataclass(frozen=True)
class Found:
    """A page of assistants for a picker: ``rows`` (``handle``, ``name``) and whether more
    matched than were read (``more``): the full count is never computed."""

    rows: list[Row[Any]]
    more: bool


def find_assistants(session: Session | Connection, text: str, *, limit: int = 50) -> Found:
    """For the assistant picker: every typed word starts a word of the name or handle.

    Both sides are folded (``policy.text``): "mueller", "muller", "MÜLLER" and a decomposed
    "Mu\u0308ller" all find "Anna Müller". The longest typed word walks the primary key of
    ``assistant_search_words`` (word, assistant) in its own order; with two words or more it
    walks ``assistant_search_pairs`` (first, assistant, second) instead, so the second word is
    read from the entry itself, and any further words are checked per row found. The walk
    stops after ``limit`` + 1 assistants: what one call costs follows ``limit``, not how many
    on the roster match. Ordered by the matching word, then by when the assistant was added;
    empty text lists the first ``limit`` handles, text with no letter or digit nothing.

    ``session``: a Session or a Connection; the statements are Core, so a Session's unflushed
    changes are not flushed first (nothing that searches holds any).
    """
    terms = search_terms(text)
    if not terms and text.strip():
        # Typed, but nothing a name is indexed under (an emoji, symbols: they fold to
        # nothing): no match, rather than the first handles as if nothing had been typed.
        return Found([], False)
    if not terms:
        rows = session.execute(_first_handles(), {"page": limit + 1}).all()
        return Found(rows[:limit], len(rows) > limit)
    # The range [term, prefix_end(term)) is "starts with term" in binary order.
    params: dict[str, Any] = {}
    for n, term in enumerate(terms):
        params[f"lo{n}"], params[f"hi{n}"] = term, prefix_end(term)
    # Read in pages of (word, assistant) entries until ``limit`` + 1 assistants are seen: one
    # assistant may fill a page on its own (six words starting "ann"), and a fixed page would
    # hide the others and say there are no more. A page goes on after the last entry read.
    params["page"] = page = 2 * (limit + 1)
    query = _walk(len(terms), paged=False)
    seen: dict[int, Row[Any]] = {}
    while True:
        rows = session.execute(query, params).all()
        for row in rows:
            seen.setdefault(row.id, row)
            if len(seen) > limit:
                break
        if len(seen) > limit or len(rows) < page:
            break
        params["after_word"], params["after_id"] = rows[-1].matched, rows[-1].id
        query = _walk(len(terms), paged=True)
    found = list(seen.values())
    return Found(found[:limit], len(found) > limit)


def search_terms(text: str) -> list[str]:
    """The folded words of ``text`` the search checks, without punctuation around them: at
    most ``MAX_SEARCH_WORDS``, longest first, ties in alphabetical order, so every process
    checks the same ones (a set's order changes with each interpreter's hash seed)."""
    terms = sorted({fold_term(word).strip(EDGE) for word in text.split()} - {""}, key=lambda w: (-len(w), w))
    return terms[:MAX_SEARCH_WORDS]


def search_assistants(session: Session | Connection, text: str, *, limit: int = 50) -> list[Row[Any]]:
    """``find_assistants`` without the "more" flag: at most ``limit`` rows."""
    return find_assistants(session, text, limit=limit).rows


def prefix_end(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix`` (binary order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@lru_cache(maxsize=1)
def _first_handles() -> Select[Any]:
    """Empty text: the first ``:page`` handles (handle, name)."""
    a = _ASSISTANTS.c
    return select(a.handle, a.name).order_by(a.handle).limit(bindparam("page", type_=Integer))


@lru_cache(maxsize=2 * MAX_SEARCH_WORDS)
def _walk(words: int, *, paged: bool) -> Select[Any]:
    """One page of the walk for ``words`` typed words (longest first; ``:lo<n>``/``:hi<n>``
    bound word ``n``'s range), the next ``:page`` entries after (``:after_word``,
    ``:after_id``) when ``paged``, with the assistants' id, handle, name and the matched word
    (``matched``), in the picker's order."""
    if words > 1:
        # Two words or more: walk the pairs (first word, assistant, second word) in the same
        # order; the second word is in the entry itself, so the walk costs what it returns.
        entry = _PAIRS
        matching, assistant_id = entry.c.first, entry.c.assistant_id
        ranges = [entry.c.second >= bindparam("lo1"), entry.c.second < bindparam("hi1")]
        others = range(2, words)
    else:
        entry = _WORDS
        matching, assistant_id = entry.c.word, entry.c.assistant_id
        ranges, others = [], range(0)
    walk = select(matching, assistant_id).where(
        matching >= bindparam("lo0"), matching < bindparam("hi0"), *ranges
    )
    for n in others:
        also = _WORDS.alias(f"also{n}")
        walk = walk.where(
            select(also.c.assistant_id)
            .where(
                also.c.assistant_id == assistant_id,
                also.c.word >= bindparam(f"lo{n}"),
                also.c.word < bindparam(f"hi{n}"),
            )
            .exists()
        )
    if paged:
        after_word, after_id = bindparam("after_word"), bindparam("after_id")
        walk = walk.where(
            or_(matching > after_word, and_(matching == after_word, assistant_id > after_id))
        )
    page = bindparam("page", type_=Integer)
    a = _ASSISTANTS.c
    if words > 1:
        # One entry per (first word, assistant) however many of its words are second ones
        # ("schaefer" and "schafer"), grouped in index order before the assistants are read.
        found = (
            walk.group_by(matching, assistant_id).order_by(matching, assistant_id).limit(page).subquery()
        )
        return (
            select(a.id, a.handle, a.name, found.c.first.label("matched"))
            .join_from(_ASSISTANTS, found, found.c.assistant_id == a.id)
            .order_by(found.c.first, found.c.assistant_id)
        )
    # Two words of one name may match the same prefix ("Anna Annabell"): an assistant may
    # come several times, once per matching word.
    return (
        walk.with_only_columns(a.id, a.handle, a.name, matching.label("matched"))
        .join_from(entry, _ASSISTANTS, assistant_id == a.id)
        .order_by(matching, assistant_id)
        .limit(page)
    )
