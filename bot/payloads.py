"""Typed values for everything vpabot hands to Slack and gets back: button values, option
values, ``private_metadata`` of modals, and the commands kept in the durable inbox.

One codec for all of them: a frozen dataclass is written as compact JSON of its fields and
read back with every field checked against its type. A value carries keys (ids, handles,
dates), never content: Slack caps a button value at 2,000 characters and the
``private_metadata`` at 3,000, and user text may be as long as the note limit.

``decode`` raises ``PolicyError("payload_invalid")`` for anything that does not fit, so a
forged or garbled value becomes a polite refusal, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date
from enum import Enum
from functools import lru_cache
from typing import Any, TypeVar

from vpabot.policy.catalogue import Tag, TagCatalogue
from vpabot.policy.errors import PolicyError
from vpabot.policy.stops import ReviewToken
from vpabot.policy.text import MAX_NUMBER

T = TypeVar("T")

# Slack's documented maxima (api.slack.com/reference/block-kit): a button's value, an
# option's value, a view's private_metadata.
BUTTON_VALUE_MAX = 2000
OPTION_VALUE_MAX = 150
METADATA_MAX = 3000
# Python's int is unbounded; the databases' BIGINT is not. A bigger id cannot exist.
# Ids are INTEGER columns: past 2**31 - 1 PostgreSQL answers 'integer out of range'.
ID_MAX = MAX_NUMBER


def encode(value: Any) -> str:
    """``value`` (a frozen dataclass) as compact JSON; raises ``ValueError`` past 2,000 chars.

    The limit is the smallest place such a value goes (a button); a longer one means content
    slipped into a value, which is a bug to fix, not to truncate.
    """
    text = json.dumps(to_plain(value), separators=(",", ":"), ensure_ascii=False)
    if len(text) > BUTTON_VALUE_MAX:
        raise ValueError(f"{type(value).__name__} encodes to {len(text)} characters")
    return text


def decode(cls: type[T], text: str | None, *, tags: TagCatalogue | None = None) -> T:
    """Read ``text`` back as ``cls``; ``PolicyError("payload_invalid")`` if it does not fit."""
    try:
        data = json.loads(text or "")
    except (TypeError, ValueError) as error:
        raise PolicyError("payload_invalid") from error
    return from_plain(cls, data, tags=tags)


# Exact types (not subclasses: a StrEnum member is stored by its value below).
_AS_IS = frozenset({str, int, float, bool, type(None)})


def to_plain(value: Any) -> Any:
    """JSON-ready form: dataclasses as dicts, enums by value, dates ISO, tags by key."""
    # Runs for every field of every command an ack stores: the common cases are tested first,
    # and a dataclass's field names are looked up once per class.
    if type(value) in _AS_IS:
        return value
    if isinstance(value, Tag):  # a tag is configuration: stored by its key, looked up again
        return value.key
    names = _field_names(type(value))
    if names is not None:
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of dataclass ``cls``; ``None`` for any other type."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls))


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(cls: type[T], data: Any, *, tags: TagCatalogue | None = None) -> T:
    """Build ``cls`` from ``to_plain`` output, checking every field; see ``decode``."""
    if not isinstance(data, dict):
        raise PolicyError("payload_invalid")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in data:
            values[field.name] = _field(hints[field.name], data[field.name], tags)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise PolicyError("payload_invalid")
    if set(data) - set(values):
        raise PolicyError("payload_invalid")
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise PolicyError("payload_invalid") from error


def _field(hint: Any, raw: Any, tags: TagCatalogue | None) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if raw is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _field(option, raw, tags)
            except PolicyError:
                continue
        raise PolicyError("payload_invalid")
    if hint is bool:
        if isinstance(raw, bool):
            return raw
    elif hint is int:
        if isinstance(raw, int) and not isinstance(raw, bool) and -ID_MAX <= raw <= ID_MAX:
            return raw
    elif hint is str:
        if isinstance(raw, str):
            return raw
    elif hint is date:
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
    elif hint is Tag:
        if isinstance(raw, str) and tags is not None:
            try:
                return tags.parse(raw)
            except PolicyError:
                pass
    elif isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(raw)
        except ValueError:
            pass
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_plain(hint, raw, tags=tags)
    raise PolicyError("payload_invalid")


# --- button and option values -------------------------------------------------------------
# Each names what a click is about; Action (bot/ids.py) says what the click does.


@dataclasses.dataclass(frozen=True)
class HandleRef:
    """An assistant: "Akte öffnen", "VT-Stop setzen" for an overdue CG, "VPA Manager fragen"."""

    handle: str | None = None


@dataclasses.dataclass(frozen=True)
class FilePage:
    handle: str
    page: int


@dataclasses.dataclass(frozen=True)
class ListPage:
    """'Weitere anzeigen' / 'Zurück' under `/vpa stops` or `/vpa offen`: the first row of the
    page to show (0-based). The list is read again, so a page shows what is true now."""

    offset: int


@dataclasses.dataclass(frozen=True)
class HomePages:
    """Where each list of the App Home stands (0-based first row shown). A paging button
    carries the whole state with its own list moved on, so a click needs nothing stored."""

    approvals: int = 0
    overdue: int = 0
    dead: int = 0
    cg: int = 0
    upcoming: int = 0
    stops: int = 0
    violations: int = 0

    def __post_init__(self) -> None:
        if any(getattr(self, f.name) < 0 for f in dataclasses.fields(self)):
            raise ValueError("a page starts at row 0 or later")


@dataclasses.dataclass(frozen=True)
class StopOpen:
    """'VT-Stop setzen' under a violation or a new assistant: which form to prefill."""

    handle: str
    violation_id: int | None = None
    onboarding: bool = False


@dataclasses.dataclass(frozen=True)
class CaseRef:
    """A case waiting for (or decided by) the VPA manager: the violation's id."""

    violation_id: int


@dataclasses.dataclass(frozen=True)
class SevereRef:
    """A 'really severe?' question; the case itself waits in the database."""

    question_id: int


@dataclasses.dataclass(frozen=True)
class QuestionRef:
    """A question to the VPA manager (a note of kind 'question')."""

    note_id: int


@dataclasses.dataclass(frozen=True)
class MessageRef:
    """An outbox message (App Home: send a dead one again)."""

    message_id: int


# --- private_metadata of modals -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReplyTo:
    """Where the answer to a submitted form goes: the response_url of the command or click
    that opened it (valid 30 minutes), else a DM to the submitter."""

    response_url: str = ""


@dataclasses.dataclass(frozen=True)
class StopForm:
    """The lift/extend/convert forms: which stop, and which review reminder they answer."""

    handle: str
    review: ReviewToken | None = None
    kind: str | None = None
    response_url: str = ""


@dataclasses.dataclass(frozen=True)
class CaseForm:
    """The manager's reject form."""

    violation_id: int
    response_url: str = ""


@dataclasses.dataclass(frozen=True)
class AnswerForm:
    """The manager's answer to an admin's question."""

    question_id: int
    response_url: str = ""
