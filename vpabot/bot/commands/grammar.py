"""Parse ``/vpa`` text into a command. Pure: runs before ack, touches no database."""

from __future__ import annotations

from dataclasses import dataclass

from vpabot.policy.catalogue import Source, Tag, TagCatalogue, fold, parse_source
from vpabot.policy.errors import PolicyError


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class OpenModal:
    """A subcommand typed without arguments opens its modal."""

    modal: str  # violation | note | assistant


@dataclass(frozen=True)
class AddAssistant:
    handle: str
    name: str


@dataclass(frozen=True)
class LogViolation:
    handle: str
    source: Source
    tag: Tag
    severe: bool
    note: str


@dataclass(frozen=True)
class AddNote:
    handle: str
    text: str


@dataclass(frozen=True)
class OpenFile:
    handle: str


Command = ShowHelp | OpenModal | AddAssistant | LogViolation | AddNote | OpenFile

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
}
SEVERE_WORDS = {"schwer", "severe", "gravierend"}
NEW_WORDS = {"neu", "new"}


def parse(text: str, tags: TagCatalogue) -> Command:
    words = text.split()
    if not words:
        return ShowHelp()
    name = SUBCOMMANDS.get(fold(words[0]))
    args = words[1:]
    if name is None:
        raise PolicyError("unknown_command", word=words[0])
    if name == "help":
        return ShowHelp()
    if name == "assistant":
        return _assistant(args)
    if name == "violation":
        return _violation(args, tags) if args else OpenModal("violation")
    if name == "note":
        if not args:
            return OpenModal("note")
        if len(args) < 2:
            raise PolicyError("usage_note")
        return AddNote(handle=args[0], text=" ".join(args[1:]))
    if not args:
        raise PolicyError("usage_file")
    return OpenFile(handle=args[0])


def _assistant(args: list[str]) -> Command:
    if not args or fold(args[0]) not in NEW_WORDS:
        raise PolicyError("usage_assistant")
    if len(args) == 1:
        return OpenModal("assistant")
    if len(args) < 3:
        raise PolicyError("usage_assistant")
    return AddAssistant(handle=args[1], name=" ".join(args[2:]))


def _violation(args: list[str], tags: TagCatalogue) -> LogViolation:
    if len(args) < 3:
        raise PolicyError("usage_violation")
    handle, source_word, tag_word, *rest = args
    source = parse_source(source_word)
    tag = tags.parse(tag_word)
    severe = bool(rest) and fold(rest[0]) in SEVERE_WORDS
    if severe:
        rest = rest[1:]
    if not rest:
        raise PolicyError("note_missing")
    return LogViolation(
        handle=handle, source=source, tag=tag, severe=severe or tag.severe, note=" ".join(rest)
    )
