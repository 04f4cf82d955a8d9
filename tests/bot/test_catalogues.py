"""The message catalogues (de, en).

Texts an admin may pass on to an assistant (ids starting with ``assistant.``) must never carry
the internal word "Abmahnung" (DOMAIN.md rule 5). German and English must offer the same
messages with the same placeholders, so switching language never breaks a reply.
"""

from __future__ import annotations

import re
import string

import pytest

from vpabot.bot import i18n
from vpabot.bot.mrkdwn import escape, mention
from vpabot.bot.i18n import ASSISTANT_FACING_PREFIX, LANGUAGES, Translator, catalogue
from vpabot.policy.catalogue import DEFAULT_TAGS, Tag

INTERNAL_WORD = re.compile(r"abmahn|abgemahnt", re.IGNORECASE)  # Abmahnung, abmahnen, abgemahnt


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def dummy_values(template: str) -> dict[str, str]:
    return {name: f"<{name}>" for name in placeholders(template)}


def assistant_facing(lang: str) -> dict[str, str]:
    return {k: v for k, v in catalogue(lang).items() if k.startswith(ASSISTANT_FACING_PREFIX)}


ALL_MESSAGES = [
    pytest.param(lang, key, id=f"{lang}:{key}")
    for lang in LANGUAGES
    for key in sorted(catalogue(lang))
]
ASSISTANT_FACING = [
    pytest.param(lang, key, id=f"{lang}:{key}")
    for lang in LANGUAGES
    for key in sorted(assistant_facing(lang))
]
SHARED_IDS = sorted(set(catalogue("de")) & set(catalogue("en")))


def test_languages_are_german_and_english() -> None:
    assert LANGUAGES == ("de", "en")
    assert LANGUAGES[0] == "de"  # German is the default and the fallback


# (e) the Abmahnung scan below must not pass because there is nothing to scan
@pytest.mark.parametrize("lang", LANGUAGES)
def test_there_are_assistant_facing_messages(lang: str) -> None:
    drafts = assistant_facing(lang)
    assert drafts, f"no {ASSISTANT_FACING_PREFIX}* messages in {lang}"
    assert all(text.strip() for text in drafts.values())


def test_scanner_would_catch_the_internal_word() -> None:
    for text in ("Abmahnung", "ABMAHNUNG", "wir müssen dich abmahnen", "du wirst abgemahnt"):
        assert INTERNAL_WORD.search(text)
    assert not INTERNAL_WORD.search("wir möchten dich hiermit ermahnen")


# (a) no internal word in what the assistant may read
@pytest.mark.parametrize(("lang", "key"), ASSISTANT_FACING)
def test_assistant_facing_message_never_says_abmahnung(lang: str, key: str) -> None:
    text = catalogue(lang)[key]
    assert "abmahnung" not in text.lower()
    assert not INTERNAL_WORD.search(text), f"{lang}:{key} contains the internal word: {text!r}"


@pytest.mark.parametrize(("lang", "key"), ASSISTANT_FACING)
@pytest.mark.parametrize("tag", DEFAULT_TAGS.tags, ids=lambda t: t.key)
def test_rendered_draft_never_says_abmahnung(lang: str, key: str, tag: Tag) -> None:
    values = dummy_values(catalogue(lang)[key])
    values.update({k: v for k, v in {"name": "Anna", "tag": tag.label}.items() if k in values})
    rendered = Translator(lang)(key, **values)
    assert rendered.strip()
    assert "{" not in rendered and "}" not in rendered  # every placeholder was filled
    assert not INTERNAL_WORD.search(rendered), rendered


def test_the_internal_word_is_still_shown_to_admins() -> None:
    """Sanity check of the scanner's target: admin-only texts do use the word."""
    admin_texts = [
        v for k, v in catalogue("de").items() if not k.startswith(ASSISTANT_FACING_PREFIX)
    ]
    assert any(INTERNAL_WORD.search(text) for text in admin_texts)


# (b) same message ids in both languages
def test_german_and_english_have_the_same_message_ids() -> None:
    german, english = set(catalogue("de")), set(catalogue("en"))
    assert sorted(german - english) == [], "translated in German only"
    assert sorted(english - german) == [], "translated in English only"
    assert len(german) > 50


# (c) same placeholders in both languages
@pytest.mark.parametrize("key", SHARED_IDS)
def test_placeholders_match_between_languages(key: str) -> None:
    assert placeholders(catalogue("de")[key]) == placeholders(catalogue("en")[key])


# (d) every message formats with values for its placeholders
@pytest.mark.parametrize(("lang", "key"), ALL_MESSAGES)
def test_every_message_formats(lang: str, key: str) -> None:
    template = catalogue(lang)[key]
    values = dummy_values(template)
    rendered = template.format(**values)
    for value in values.values():
        assert value in rendered
    escaped = template.format(**{k: escape(v) for k, v in values.items()})
    assert Translator(lang)(key, **values) == escaped


@pytest.mark.parametrize("lang", ["de", "en"])
def test_translator_escapes_user_text_once_and_keeps_mrkdwn_it_is_given(lang: str) -> None:
    t = Translator(lang)
    name = "Eve <!channel> & <https://x.example|klick>"
    text = t("reply.resigned", who=name)
    assert "<!channel>" not in text and "<https://" not in text
    assert "Eve &lt;!channel&gt; &amp; &lt;https://x.example|klick&gt;" in text
    assert t("reply.resigned", who=escape(name)) == text  # escaped once, not twice
    assert "<@U1>" in t("question.thanks", by=mention("U1"))


def test_placeholder_helpers_work() -> None:
    assert placeholders("{step}. Verstoß – {label} {{literal}}") == {"step", "label"}
    assert placeholders("keine") == set()


def test_translator_speaks_the_chosen_language_and_refuses_unknown_keys() -> None:
    assert Translator("en")("step.2") == catalogue("en")["step.2"] != catalogue("de")["step.2"]
    with pytest.raises(KeyError):
        Translator("en")("no.such.key")
    with pytest.raises(ValueError):
        Translator("fr")
    assert i18n.LOCALE_DIR.is_dir()
