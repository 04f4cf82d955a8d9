"""Tests for vpabot.policy.catalogue: sources and tags as admins type them.

German words are canonical, English ones are aliases; case and umlaut spelling don't matter.
Severe tags (Eigenwerbung, Vertragsinhalte gegenüber Kunden) always go to the VPA manager.
"""

from __future__ import annotations

import pytest

from vpabot.policy.catalogue import DEFAULT_TAGS, Source, Tag, TagCatalogue, fold, parse_source
from vpabot.policy.errors import PolicyError

ALL_SOURCE_KEYS = [
    "response",
    "deadline",
    "feedback",
    "beschwerde",
    "pruefung",
    "kontakt",
    "sonstiges",
]
ALL_TAG_KEYS = [
    "erreichbarkeit",
    "deadline",
    "qualitaet",
    "kommunikation",
    "technik",
    "eigenwerbung",
    "vertragsinhalte",
    "sonstiges",
]


def _refusal(call, *args) -> PolicyError:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyError) as caught:
        call(*args)
    return caught.value


# --- fold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("Qualität", "qualitaet"),
        ("qualitaet", "qualitaet"),
        ("QUALITAET", "qualitaet"),
        ("QUALITÄT", "qualitaet"),
        ("Prüfung", "pruefung"),
        ("Verstoß", "verstoss"),
        ("  Kontakt\t", "kontakt"),
        ("Höflichkeit", "hoeflichkeit"),
    ],
)
def test_fold(word: str, folded: str) -> None:
    assert fold(word) == folded


def test_decomposed_umlaut_finds_the_same_tag() -> None:
    """Pasted text may carry 'a' + U+0308 instead of 'ä'."""
    nfd = "Qualita\u0308t"
    assert fold(nfd) == "qualitaet"
    assert DEFAULT_TAGS.parse(nfd).key == "qualitaet"


# --- sources ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "source"),
    [
        pytest.param("response", Source.RESPONSE, id="response"),
        pytest.param("deadline", Source.DEADLINE, id="deadline"),
        pytest.param("feedback", Source.FEEDBACK, id="feedback"),
        pytest.param("beschwerde", Source.COMPLAINT, id="beschwerde"),
        pytest.param("Kundenbeschwerde", Source.COMPLAINT, id="Kundenbeschwerde"),
        pytest.param("complaint", Source.COMPLAINT, id="en complaint"),
        pytest.param("pruefung", Source.REVIEW, id="pruefung"),
        pytest.param("Prüfung", Source.REVIEW, id="Prüfung with umlaut"),
        pytest.param("Aufgabenprüfung", Source.REVIEW, id="Aufgabenprüfung"),
        pytest.param("review", Source.REVIEW, id="en review"),
        pytest.param("kontakt", Source.CONTACT, id="kontakt"),
        pytest.param("contact", Source.CONTACT, id="en contact"),
        pytest.param("sonstiges", Source.OTHER, id="sonstiges"),
        pytest.param("other", Source.OTHER, id="en other"),
        pytest.param("BESCHWERDE", Source.COMPLAINT, id="upper case"),
        pytest.param("Review", Source.REVIEW, id="en capitalised"),
    ],
)
def test_parse_source(word: str, source: Source) -> None:
    assert parse_source(word) is source


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("complaint", "beschwerde"),
        ("review", "pruefung"),
        ("contact", "kontakt"),
        ("other", "sonstiges"),
    ],
)
def test_english_source_aliases_store_the_german_key(alias: str, canonical: str) -> None:
    assert parse_source(alias).value == canonical


def test_source_keys_are_german() -> None:
    assert [s.value for s in Source] == ALL_SOURCE_KEYS


@pytest.mark.parametrize("word", ["dashboard", "kunde", "", "beschwerden"])
def test_unknown_source_lists_every_valid_key(word: str) -> None:
    error = _refusal(parse_source, word)
    assert error.code == "unknown_source"
    assert error.params["word"] == word
    assert error.params["valid"].split(", ") == ALL_SOURCE_KEYS


# --- tags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "key"),
    [
        pytest.param("Qualität", "qualitaet", id="Qualität"),
        pytest.param("qualitaet", "qualitaet", id="qualitaet"),
        pytest.param("QUALITAET", "qualitaet", id="QUALITAET"),
        pytest.param("quality", "qualitaet", id="en quality"),
        pytest.param("Qualität/Feedback", "qualitaet", id="full label"),
        pytest.param("erreichbarkeit", "erreichbarkeit", id="erreichbarkeit"),
        pytest.param("reachability", "erreichbarkeit", id="en reachability"),
        pytest.param("Deadline", "deadline", id="deadline"),
        pytest.param("kommunikation", "kommunikation", id="kommunikation"),
        pytest.param("communication", "kommunikation", id="en communication"),
        pytest.param("technik", "technik", id="technik"),
        pytest.param("Arbeitsplatz", "technik", id="arbeitsplatz"),
        pytest.param("workplace", "technik", id="en workplace"),
        pytest.param("eigenwerbung", "eigenwerbung", id="eigenwerbung"),
        pytest.param("self-promotion", "eigenwerbung", id="en self-promotion"),
        pytest.param("vertragsinhalte", "vertragsinhalte", id="vertragsinhalte"),
        pytest.param("Vertrag", "vertragsinhalte", id="vertrag"),
        pytest.param("contract", "vertragsinhalte", id="en contract"),
        pytest.param("sonstiges", "sonstiges", id="sonstiges"),
        pytest.param("other", "sonstiges", id="en other"),
    ],
)
def test_parse_tag(word: str, key: str) -> None:
    assert DEFAULT_TAGS.parse(word).key == key


def test_default_tag_keys() -> None:
    assert [t.key for t in DEFAULT_TAGS.tags] == ALL_TAG_KEYS


def test_severe_tags_are_exactly_eigenwerbung_and_vertragsinhalte() -> None:
    assert {t.key for t in DEFAULT_TAGS.tags if t.severe} == {"eigenwerbung", "vertragsinhalte"}


@pytest.mark.parametrize("word", ["puenktlichkeit", "qualitat-feedback", "", "schwer"])
def test_unknown_tag_lists_every_valid_key(word: str) -> None:
    error = _refusal(DEFAULT_TAGS.parse, word)
    assert error.code == "unknown_tag"
    assert error.params["word"] == word
    assert error.params["valid"].split(", ") == ALL_TAG_KEYS


def test_get_known_key_returns_the_catalogue_tag() -> None:
    assert DEFAULT_TAGS.get("qualitaet") is DEFAULT_TAGS.parse("Qualität")


def test_get_unknown_stored_key_shows_a_placeholder_instead_of_failing() -> None:
    """A file may hold a tag that was later removed from the configured catalogue."""
    tag = DEFAULT_TAGS.get("puenktlichkeit")
    assert tag == Tag(key="puenktlichkeit", label="puenktlichkeit")
    assert tag.severe is False


def test_custom_catalogue_first_word_wins_and_folds() -> None:
    catalogue = TagCatalogue(
        (
            Tag("hoeflichkeit", "Höflichkeit", aliases=("politeness",)),
            Tag("other", "Andere", aliases=("hoeflichkeit",)),
        )
    )
    assert catalogue.parse("HÖFLICHKEIT").key == "hoeflichkeit"
    assert catalogue.parse("Politeness").key == "hoeflichkeit"
    assert catalogue.parse("andere").key == "other"
