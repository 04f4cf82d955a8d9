"""What every model builds on: the declarative ``Base``, aware-UTC instants (``UTCDateTime``),
enums stored as plain strings (``stored_enum``) and the user-text length checks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from enum import Enum as PyEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

from vpabot.policy.text import MAX_HANDLE, MAX_NAME, MAX_TEXT

log = logging.getLogger(__name__)


def stored_enum(kind: type[PyEnum], length: int) -> StoredEnum:
    """A StrEnum (a policy concept or a storage state) in a VARCHAR(length) column holding its
    values ("neu", "voll", "pending"), exactly as the plain strings were stored before: no native
    type, no CHECK, nothing to migrate. Rows read back as members, so code compares and passes
    them without converting."""
    return StoredEnum(kind, length)


class StoredEnum(TypeDecorator[Any]):
    """``stored_enum``'s type. Writing a value that is no member raises ``ValueError``; a
    stored value that is no member (written by a newer version before a rollback, or by hand)
    reads back as the plain string with one warning in the log, so one such row does not take
    ``/readyz``, ``/metrics`` or an export down with it."""

    impl = String
    cache_ok = True

    def __init__(self, kind: type[PyEnum], length: int) -> None:
        super().__init__(length)
        self.kind = kind

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(self.kind(value).value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        try:
            return self.kind(value)
        except ValueError:
            if (self.kind, value) not in _UNKNOWN_SEEN:
                _UNKNOWN_SEEN.add((self.kind, value))
                log.warning("stored %s %r is unknown to this version; read as plain text", self.kind.__name__, value)
            return value


_UNKNOWN_SEEN: set[tuple[type[PyEnum], str]] = set()


# The user-text limits of policy/text.py, enforced by the database too (CHECK length(x) <= n;
# SQLite ignores String(n)). Migration harden_1 adds the same constraints to existing databases.
TEXT_CHECKS: dict[str, tuple[tuple[str, int], ...]] = {
    "assistants": (("handle", MAX_HANDLE), ("name", MAX_NAME)),
    "violations": (("note", MAX_TEXT), ("decision_reason", MAX_TEXT)),
    "notes": (("text", MAX_TEXT),),
    "sales_stops": (("note", MAX_TEXT), ("lift_note", MAX_TEXT)),
}


def length_checks(table: str) -> tuple[CheckConstraint, ...]:
    return tuple(
        CheckConstraint(f"length({column}) <= {limit}", name=f"ck_{table}_{column}_length")
        for column, limit in TEXT_CHECKS[table]
    )


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns aware datetimes (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=value.tzinfo or timezone.utc).astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}
