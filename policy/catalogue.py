"""Where a violation was seen (source) and how it is labelled in the file (tag).

Admins type these as keywords; German words are canonical, English ones are aliases.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from vpabot.policy.errors import PolicyError


def fold(word: str) -> str:
    """Lower-case and spell out umlauts, so 'Qualität', 'QUALITAET' and 'qualitaet' meet.

    NFC first: pasted text may carry an umlaut as 'a' plus a combining diaeresis.
    """
    word = unicodedata.normalize("NFC", word.strip()).lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        word = word.replace(umlaut, plain)
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


class Source(StrEnum):
    """How quality is checked (rule 6): dashboards, complaints, task reviews, contact."""

    RESPONSE = "response"
    DEADLINE = "deadline"
    FEEDBACK = "feedback"
    COMPLAINT = "beschwerde"
    REVIEW = "pruefung"
    CONTACT = "kontakt"
    OTHER = "sonstiges"


_SOURCE_ALIASES = {
    "complaint": Source.COMPLAINT,
    "kundenbeschwerde": Source.COMPLAINT,
    "review": Source.REVIEW,
    "aufgabenpruefung": Source.REVIEW,
    "contact": Source.CONTACT,
    "other": Source.OTHER,
}


def parse_source(word: str) -> Source:
    key = fold(word)
    try:
        return Source(key)
    except ValueError:
        if key in _SOURCE_ALIASES:
            return _SOURCE_ALIASES[key]
    raise PolicyError("unknown_source", word=word, valid=", ".join(s.value for s in Source))


@dataclass(frozen=True)
class Tag:
    """A label for the VPA Akte. Severe tags always go to the VPA manager (rule 2)."""

    key: str
    label: str
    severe: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagCatalogue:
    tags: tuple[Tag, ...]
    _index: dict[str, Tag] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Tag] = {}
        for tag in self.tags:
            for word in (tag.key, fold(tag.label), *tag.aliases):
                index.setdefault(fold(word), tag)
        object.__setattr__(self, "_index", index)

    def parse(self, word: str) -> Tag:
        tag = self._index.get(fold(word))
        if tag is None:
            raise PolicyError("unknown_tag", word=word, valid=", ".join(t.key for t in self.tags))
        return tag

    def get(self, key: str) -> Tag:
        """The tag stored under ``key``; an unknown key (catalogue changed) shows as itself."""
        return self._index.get(fold(key)) or Tag(key=key, label=key)


DEFAULT_TAGS = TagCatalogue(
    (
        Tag("erreichbarkeit", "Erreichbarkeit/Response", aliases=("reachability", "availability")),
        Tag("deadline", "Deadline"),
        Tag("qualitaet", "Qualität/Feedback", aliases=("quality",)),
        Tag("kommunikation", "Kommunikation", aliases=("communication",)),
        Tag("technik", "Arbeitsplatz/Technik", aliases=("arbeitsplatz", "workplace", "tech")),
        Tag("eigenwerbung", "Eigenwerbung", severe=True, aliases=("selfpromotion", "self-promotion")),
        Tag(
            "vertragsinhalte",
            "Vertragsinhalte gegenüber Kunden",
            severe=True,
            aliases=("vertrag", "contract"),
        ),
        Tag("sonstiges", "Sonstiges", aliases=("other",)),
    )
)
