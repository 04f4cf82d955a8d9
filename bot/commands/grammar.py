"""Parse ``/vpa`` text into a command. Pure: runs before ack, touches no database."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from datetime import date

from vpabot.policy.catalogue import Source, Tag, TagCatalogue, fold, parse_source
from vpabot.policy.cg import parse_accepted_on
from vpabot.policy.dates import parse_until, split_until
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus
from vpabot.policy.stops import ReviewToken, StopKind, StopReason, parse_kind, parse_reason
from vpabot.policy.text import (
    MAX_HANDLE,
    MAX_NAME,
    MAX_TEXT,
    check_length,
    check_name,
    clean,
    parse_number,
)


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class OpenModal:
    """A subcommand typed without arguments (or with the handle only) opens its form,
    with the assistant already chosen when a handle was typed."""

    modal: str  # violation | note | assistant | stop | question
    handle: str | None = None


@dataclass(frozen=True)
class AddAssistant:
    handle: str
    name: str


@dataclass(frozen=True)
class SetAssistantStatus:
    handle: str
    status: AssistantStatus


@dataclass(frozen=True)
class LogViolation:
    handle: str
    source: Source
    tag: Tag
    severe: bool
    note: str
    # The "schwer" typed before the note. It may just start the note ("schwer erreichbar"),
    # so a typed severity is confirmed with buttons before anything is written.
    severe_word: str = ""


@dataclass(frozen=True)
class AddNote:
    handle: str
    text: str


@dataclass(frozen=True)
class OpenFile:
    handle: str


@dataclass(frozen=True)
class SetStop:
    handle: str
    kind: StopKind
    until: date
    reason: StopReason
    note: str
    violation_id: int | None = None


@dataclass(frozen=True)
class ExtendStop:
    """Also a review's 'convert': ``kind`` switches the stop's kind with the new date."""

    handle: str
    until: date
    kind: StopKind | None = None
    review: ReviewToken | None = None  # the reminder it answers: a stale button changes nothing
    typed: str = ""  # what was typed: a duration counts from the stop's current end date


@dataclass(frozen=True)
class LiftStop:
    handle: str
    note: str
    review: ReviewToken | None = None


@dataclass(frozen=True)
class Resign:
    """Typed: asks first (the answer is irreversible); ``confirmed`` comes from the button
    behind Slack's confirm dialog."""

    handle: str
    confirmed: bool = False


@dataclass(frozen=True)
class ListStops:
    pass


@dataclass(frozen=True)
class Withdraw:
    handle: str
    number: int
    reason: str


@dataclass(frozen=True)
class ListPending:
    pass


@dataclass(frozen=True)
class AcceptCg:
    """A read confirmation of the Community Guidelines (rule 13)."""

    handle: str
    accepted_on: date


@dataclass(frozen=True)
class AskManager:
    handle: str
    question: str


@dataclass(frozen=True)
class Decide:
    """A manager's decision (from the approval buttons and the reject modal)."""

    violation_id: int
    approve: bool
    reason: str = ""


@dataclass(frozen=True)
class AnswerQuestion:
    question_id: int
    answer: str


Command = (
    ShowHelp
    | OpenModal
    | AddAssistant
    | SetAssistantStatus
    | LogViolation
    | AddNote
    | OpenFile
    | SetStop
    | ExtendStop
    | LiftStop
    | Resign
    | ListStops
    | ListPending
    | Withdraw
    | AcceptCg
    | AskManager
    | Decide
    | AnswerQuestion
)

# German first; English aliases. Folded (lower-case, umlauts spelled out) before lookup.
SUBCOMMANDS = {
    "hilfe": "help",
    "help": "help",
    "assistent": "assistant",
    "assistant": "assistant",
    "verstoss": "violation",
    "violation": "violation",
    "notiz": "note",
    "note": "note",
    "akte": "file",
    "file": "file",
    "stop": "stop",
    "vt-stop": "stop",
    "verlaengern": "extend",
    "extend": "extend",
    "aufheben": "lift",
    "lift": "lift",
    "gekuendigt": "resign",
    "resigned": "resign",
    "stops": "stops",
    "zurueckziehen": "withdraw",
    "withdraw": "withdraw",
    "offen": "pending",
    "pending": "pending",
    "frage": "ask",
    "ask": "ask",
    "cg": "cg",
}
SEVERE_WORDS = {"schwer", "severe", "gravierend"}
NEW_WORDS = {"neu", "new"}
STATUS_WORDS = {
    "neu": AssistantStatus.NEW,
    "new": AssistantStatus.NEW,
    "aktiv": AssistantStatus.ACTIVE,
    "active": AssistantStatus.ACTIVE,
}


# The user texts a command carries, by field name: limit and refusal code (policy/text.py).
TEXT_LIMITS = {
    "handle": (MAX_HANDLE, "handle_too_long"),
    "name": (MAX_NAME, "name_too_long"),
    "note": (MAX_TEXT, "text_too_long"),
    "text": (MAX_TEXT, "text_too_long"),
    "reason": (MAX_TEXT, "text_too_long"),
    "question": (MAX_TEXT, "text_too_long"),
    "answer": (MAX_TEXT, "text_too_long"),
}


def checked(command: Command) -> Command:
    """``command`` unchanged if every user text in it is within its limit (TEXT_LIMITS).

    The one check typed commands and forms share, before anything is written. Raises
    PolicyError(``<field>_too_long``, limit=, length=, field=) naming the limit, or
    ``name_formula`` for a new assistant's name a spreadsheet would run as a formula.
    """
    for field in fields(command):
        value = getattr(command, field.name)
        if field.name in TEXT_LIMITS and isinstance(value, str):
            limit, code = TEXT_LIMITS[field.name]
            try:
                check_length(value, limit, code)
            except PolicyError as error:
                raise PolicyError(error.code, field=field.name, **error.params) from None
    if isinstance(command, AddAssistant):
        check_name(command.name)
    return command


def parse(text: str, tags: TagCatalogue, *, today: date) -> Command:
    """``/vpa`` text as a command, or PolicyError. Control characters are dropped first
    (policy.text.clean) and every user text is measured (:func:`checked`)."""
    return checked(_parse(clean(text), tags, today=today))


def _parse(text: str, tags: TagCatalogue, *, today: date) -> Command:
    words = text.split()
    if not words:
        return ShowHelp()
    name = SUBCOMMANDS.get(fold(words[0]))
    args = words[1:]
    if name is None:
        close = difflib.get_close_matches(fold(words[0]), SUBCOMMANDS, n=1, cutoff=0.75)
        if close:
            raise PolicyError("unknown_command_suggest", word=words[0], suggestion=close[0])
        raise PolicyError("unknown_command", word=words[0])
    if name == "help":
        return ShowHelp()
    if name == "assistant":
        return _assistant(args)
    if name == "violation":
        if len(args) <= 1:
            return OpenModal("violation", handle=args[0] if args else None)
        return _violation(args, tags)
    if name == "note":
        if len(args) <= 1:
            return OpenModal("note", handle=args[0] if args else None)
        return AddNote(handle=args[0], text=" ".join(args[1:]))
    if name == "stop":
        if len(args) <= 1:
            return OpenModal("stop", handle=args[0] if args else None)
        return _stop(args, today)
    if name == "extend":
        if len(args) < 2:
            raise PolicyError("usage_extend")
        date_text, _rest = split_until(args[1:])
        return ExtendStop(handle=args[0], until=parse_until(date_text, today=today), typed=date_text)
    if name == "lift":
        if not args:
            raise PolicyError("usage_lift")
        if len(args) < 2:
            raise PolicyError("lift_note_missing")
        return LiftStop(handle=args[0], note=" ".join(args[1:]))
    if name == "resign":
        if len(args) != 1:
            raise PolicyError("usage_resign")
        return Resign(handle=args[0])
    if name == "stops":
        return ListStops()
    if name == "pending":
        return ListPending()
    if name == "withdraw":
        if len(args) < 2:
            raise PolicyError("usage_withdraw")
        number = parse_number(args[1], usage="usage_withdraw")
        if len(args) < 3:
            raise PolicyError("withdraw_reason_missing")
        return Withdraw(handle=args[0], number=number, reason=" ".join(args[2:]))
    if name == "cg":
        if not args or len(args) > 2:
            raise PolicyError("usage_cg")
        accepted_on = parse_accepted_on(args[1], today=today) if len(args) == 2 else today
        return AcceptCg(handle=args[0], accepted_on=accepted_on)
    if name == "ask":
        if not args:
            return OpenModal("question")
        if len(args) < 2:
            raise PolicyError("usage_ask")
        return AskManager(handle=args[0], question=" ".join(args[1:]))
    if not args:
        raise PolicyError("usage_file")
    return OpenFile(handle=args[0])


def _stop(args: list[str], today: date) -> SetStop:
    if len(args) < 3:
        raise PolicyError("usage_stop")
    handle, kind_word, *rest = args
    kind = parse_kind(kind_word)
    date_text, rest = split_until(rest)
    until = parse_until(date_text, today=today)
    reason = parse_reason(rest[0]) if rest else None
    if reason is not None:
        rest = rest[1:]
    return SetStop(
        handle=handle, kind=kind, until=until, reason=reason or StopReason.OTHER, note=" ".join(rest)
    )


def _assistant(args: list[str]) -> Command:
    if len(args) >= 2 and fold(args[1]) == "status":
        return _assistant_status(args)
    if not args or fold(args[0]) not in NEW_WORDS:
        raise PolicyError("usage_assistant")
    if len(args) == 1:
        return OpenModal("assistant")
    if len(args) < 3:
        raise PolicyError("usage_assistant")
    return AddAssistant(handle=args[1], name=" ".join(args[2:]))


def _assistant_status(args: list[str]) -> SetAssistantStatus:
    """``assistent <handle> status neu|aktiv``: ending a collaboration has its own commands."""
    if len(args) != 3:
        raise PolicyError("roster_status_usage")
    status = STATUS_WORDS.get(fold(args[2]))
    if status is None:
        raise PolicyError("roster_status_usage")
    return SetAssistantStatus(handle=args[0], status=status)


def _violation(args: list[str], tags: TagCatalogue) -> LogViolation:
    if len(args) < 3:
        raise PolicyError("usage_violation")
    handle, source_word, tag_word, *rest = args
    source = parse_source(source_word)
    tag = tags.parse(tag_word)
    severe = bool(rest) and fold(rest[0]) in SEVERE_WORDS
    severe_word = rest[0] if severe else ""
    if severe:
        rest = rest[1:]
    if not rest:
        raise PolicyError("note_missing")
    return LogViolation(
        handle=handle,
        source=source,
        tag=tag,
        severe=severe or tag.severe,
        note=" ".join(rest),
        severe_word=severe_word if not tag.severe else "",
    )
