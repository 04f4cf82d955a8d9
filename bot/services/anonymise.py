"""Finding and replacing one assistant's personal text: pseudonyms, the scrubber, audit values.

Used by ``privacy`` (export and erasure). Matching is case-insensitive and on word borders, and
also finds the Slack-escaped form (``&amp;``) in which message payloads store user text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Column, String, Table, select, update
from sqlalchemy.orm import Session

from vpabot.bot.mrkdwn import escape
from vpabot.bot.services.assistants import RESERVED_HANDLE_PREFIX
from vpabot.storage.models import Assistant, Base, Note, SalesStop, Violation

ERASED = "[gelöscht]"
# An assistant's own rows: their texts are overwritten whole, not scanned for mentions.
OWN_TABLES = ("assistants", "violations", "notes", "sales_stops")

# Audit before/after values that say nothing about the person: kept for the reports.
KEPT_KEYS = frozenset(
    {
        "status", "source", "tag", "severe", "step", "state", "kind", "reason",
        "starts_on", "until", "lifted_at", "joined_on", "ended_on", "cg_accepted_on",
        "logged_on", "decided_at", "communicated_at", "decided_by", "logged_by",
        "set_by", "lifted_by", "question_id", "violation_id",
    }
)  # fmt: skip
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}([T ][\d:.]+([+-]\d{2}:\d{2}|Z)?)?")
MIN_FREE_TEXT = 12  # shorter free texts are only removed where they are known to belong
BATCH = 500  # rows per page when scanning a table


def erased_handle(assistant_id: int) -> str:
    return f"{RESERVED_HANDLE_PREFIX}{assistant_id}"


def erased_name(assistant_id: int) -> str:
    return f"Gelöscht #{assistant_id}"


@dataclass(frozen=True)
class Secrets:
    """What identifies one assistant in a text, and what replaces it."""

    pattern: re.Pattern[str] | None
    replacements: dict[str, str]  # lower-cased secret -> replacement

    @classmethod
    def of(cls, session: Session, assistant: Assistant, *, with_texts: bool = True) -> Secrets:
        """Name, handle and Slack ID of ``assistant`` (pseudonyms as replacements) and, with
        ``with_texts``, their free texts (replaced by "[gelöscht]"). Other assistants' files
        are scrubbed ``with_texts=False``: an identical sentence about someone else is theirs."""
        words = {
            assistant.name: erased_name(assistant.id),
            assistant.handle: erased_handle(assistant.id),
        }
        if assistant.slack_user_id:
            words[assistant.slack_user_id] = ERASED
        texts = list(free_texts(session, assistant.id)) if with_texts else []
        variants: dict[str, str] = {}
        for secret, replacement in list(words.items()) + [(t, ERASED) for t in texts]:
            for variant in {secret, escape(secret)}:
                variant = variant.strip()
                if variant and variant.lower() not in variants:
                    variants[variant.lower()] = replacement
        if not variants:
            return cls(None, {})
        word_like = [re.escape(w) for w in words if w]
        free = [re.escape(t.strip()) for t in texts if len(t.strip()) >= MIN_FREE_TEXT]
        free += [re.escape(escape(t.strip())) for t in texts if len(t.strip()) >= MIN_FREE_TEXT]
        word_like += [re.escape(escape(w)) for w in words if w and escape(w) != w]
        alternatives = sorted({*word_like, *free}, key=len, reverse=True)
        pattern = re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)
        return cls(pattern, variants)

    def scrub(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.replacements.get(m.group(0).lower(), ERASED), text)

    def scrub_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        if isinstance(value, dict):
            # Codes and dates stay: an assistant whose handle is "aktiv" must not rename a status.
            return {k: v if k in KEPT_KEYS else self.scrub_json(v) for k, v in value.items()}
        return value

    def mentioned(self, value: Any) -> bool:
        return self.scrub_json(value) != value


def free_texts(session: Session, assistant_id: int) -> Iterator[str]:
    for column, owner in (
        (Violation.note, Violation.assistant_id),
        (Violation.decision_reason, Violation.assistant_id),
        (Note.text, Note.assistant_id),
        (SalesStop.note, SalesStop.assistant_id),
        (SalesStop.lift_note, SalesStop.assistant_id),
    ):
        for text in session.scalars(select(column).where(owner == assistant_id)):
            if text and text != ERASED:
                yield text


def anonymise_audit(value: Any, secrets: Secrets, assistant_id: int, key: str | None = None) -> Any:
    """Keep what reports count (codes, numbers, dates); everything else said about them goes."""
    if isinstance(value, dict):
        return {k: anonymise_audit(v, secrets, assistant_id, k) for k, v in value.items()}
    if isinstance(value, list):
        return [anonymise_audit(v, secrets, assistant_id, key) for v in value]
    if not isinstance(value, str):
        return value
    if key == "handle":
        return erased_handle(assistant_id)
    if key == "name":
        return erased_name(assistant_id)
    if key in KEPT_KEYS or _ISO_INSTANT.fullmatch(value):
        return secrets.scrub(value)
    return ERASED if value else value


def text_columns(table: Table) -> list[Column[Any]]:
    """JSON, Text and long strings: where a name or a sentence can be. Short strings are codes."""
    return [
        c
        for c in table.columns
        if not c.primary_key
        and not c.foreign_keys
        and (
            isinstance(c.type, JSON)
            or (isinstance(c.type, String) and (c.type.length is None or c.type.length >= 100))
        )
    ]


def scrub_other_files(session: Session, identity: Secrets, assistant_id: int) -> Iterator[tuple[str, int]]:
    """Mentions of the erased assistant in OTHER assistants' files: their notes, questions and
    answers, violation notes and reasons, stop notes (``identity``: name, handle, Slack ID).

    "erwähnt Zacharias Quellenbaum" in someone else's note becomes "erwähnt Gelöscht #7"; the
    rest of that note is about its own assistant and stays. Yields (table, rows changed).
    """
    for model in (Violation, Note, SalesStop):
        table = model.__table__
        columns = [c for c in text_columns(table) if c.name not in ("handle", "name")]
        keys = list(table.primary_key.columns)
        changed = 0
        for page in _pages(session, table, keys, columns):
            for row in page:
                if any(identity.mentioned(row._mapping[c]) for c in columns):
                    changed += _scrub_row(session, identity, table, {keys[0]: row[0]}, columns)
        yield table.name, changed


def scrub_mentions(
    session: Session, secrets: Secrets, skip: dict[str, set[int]]
) -> Iterable[tuple[str, int]]:
    """Every text and JSON column outside the assistant's own rows: mentions become pseudonyms."""
    for table in Base.metadata.sorted_tables:
        columns = text_columns(table)
        if table.name in OWN_TABLES or not columns:
            continue
        keys = list(table.primary_key.columns)
        changed = 0
        for page in _pages(session, table, keys, columns):
            for row in page:
                key = tuple(row[: len(keys)])
                if len(keys) == 1 and key[0] in skip.get(table.name, set()):
                    continue
                if any(secrets.mentioned(row._mapping[c]) for c in columns):
                    changed += _scrub_row(
                        session, secrets, table, dict(zip(keys, key, strict=True)), columns
                    )
        yield table.name, changed


def _pages(
    session: Session, table: Table, keys: list[Column[Any]], columns: list[Column[Any]]
) -> Iterator[list[Any]]:
    """The rows in pages by primary key (all at once for the rare table with a composite key)."""
    query = select(*keys, *columns).order_by(*keys)
    if len(keys) != 1:
        yield list(session.execute(query))
        return
    (key,), last = keys, None
    while True:
        page = query.limit(BATCH) if last is None else query.where(key > last).limit(BATCH)
        rows = list(session.execute(page))
        yield rows
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def _scrub_row(
    session: Session,
    secrets: Secrets,
    table: Table,
    key: dict[Column[Any], Any],
    columns: list[Column[Any]],
) -> int:
    """Re-read the row locked, then write: two erasures touching one digest row must not
    undo each other (PostgreSQL hands the waiting one the other's committed version)."""
    where = [column == value for column, value in key.items()]
    fresh = session.execute(select(*columns).where(*where).with_for_update()).one_or_none()
    if fresh is None:
        return 0
    values = {c.name: secrets.scrub_json(fresh._mapping[c]) for c in columns}
    if all(values[c.name] == fresh._mapping[c] for c in columns):
        return 0
    session.execute(update(table).where(*where).values(**values))
    return 1
