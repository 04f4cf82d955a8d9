"""What every model builds on: the declarative ``Base``, aware-UTC instants (``UTCDateTime``),
enums stored as plain strings (``stored_enum``) and the user-text length checks.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum as PyEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, Enum, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

from vpabot.policy.text import MAX_HANDLE, MAX_NAME, MAX_TEXT


def stored_enum(kind: type[PyEnum], length: int) -> Enum:
    """A StrEnum (a policy concept or a storage state) in a VARCHAR(length) column holding its
    values ("neu", "voll", "pending"), exactly as the plain strings were stored before: no native
    type, no CHECK, nothing to migrate. Rows read back as members, so code compares and passes
    them without converting."""
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


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
