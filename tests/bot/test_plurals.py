"""Plural forms: wherever a count meets a word, the catalogue has a gettext plural message.

"1 Notizen", "1 Stops mit Enddatum", "1 waren schon so eingetragen" were the symptom: one
text for every number. Such messages are ``msgid_plural``/``msgstr[n]`` entries, read with
``Translator.plural`` (Babel ``Translations.ngettext``), in German and English.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from vpabot.bot.i18n import LANGUAGES, LOCALE_DIR, Translator, catalogue, translations

# The placeholder names the code fills with a number of things.
COUNT_NAMES = frozenset(
    "count rows recorded unchanged older lines new changed found expected violations notes "
    "stops events days active rejected awaiting overdue due_soon attempts done total counting "
    "planned".split()
)
# Words that read the same after 1 and after 2 in both languages ("1 neu", "2 neu", "3 overdue").
INVARIANT = frozenset("neu geändert unverändert überfällig bald new changed unchanged overdue due".split())
COUNT_THEN_WORD = re.compile(r"\{(\w+)\}\s+([^\W\d_][\w-]*)")
PLURAL_HACK = re.compile(r"\w\((?:n|en|e|s)\)")  # "Zeile(n)", "line(s)"


def count_without_plural(text: str) -> list[str]:
    """The places in a singular message where a count meets a word, or a "(n)" hack."""
    found = [
        match.group(0)
        for match in COUNT_THEN_WORD.finditer(text)
        if match.group(1) in COUNT_NAMES and match.group(2).lower() not in INVARIANT
    ]
    return found + PLURAL_HACK.findall(text)


def plural_messages(lang: str) -> dict[str, tuple[str, ...]]:
    """Every ``msgid_plural`` message of a language: id -> its forms."""
    out: dict[str, tuple[str, ...]] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.pluralizable:
                    out[str(message.id[0])] = tuple(message.string)
    return out


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_the_check_catches_a_count_without_plural_forms() -> None:
    assert count_without_plural("{count} Notizen, {stops} VT-Stops")
    assert count_without_plural("{unchanged} waren schon so eingetragen")
    assert count_without_plural("{count} bad line(s)")
    assert not count_without_plural("Import abgeschlossen: {new} neu, {changed} geändert")
    assert not count_without_plural("Aktive VT-Stops: {count} · {who} hat {kind}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_singular_message_puts_a_count_before_a_word(lang: str) -> None:
    offenders = {key: hits for key, text in catalogue(lang).items() if (hits := count_without_plural(text))}
    assert not offenders, f"{lang}: give these plural forms (msgid_plural): {offenders}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_plural_message_has_both_forms_with_the_count(lang: str) -> None:
    messages = plural_messages(lang)
    assert len(messages) >= 10
    for key, forms in messages.items():
        assert len(forms) == 2 and all(form.strip() for form in forms), key
        assert not PLURAL_HACK.search(" ".join(forms)), key


def test_german_and_english_offer_the_same_plural_messages_and_placeholders() -> None:
    german, english = plural_messages("de"), plural_messages("en")
    assert set(german) == set(english)
    for key in german:
        assert {frozenset(fields(f)) for f in german[key]} == {
            frozenset(fields(f)) for f in english[key]
        }, key


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("de", 0, "0 Notizen"),
        ("de", 1, "1 Notiz"),
        ("de", 2, "2 Notizen"),
        ("en", 1, "1 note"),
        ("en", 3, "3 notes"),
    ],
)
def test_the_form_follows_the_number(lang: str, n: int, expected: str) -> None:
    assert Translator(lang).plural("privacy.count.notes", n) == expected


def test_a_mean_shown_with_a_decimal_takes_the_plural() -> None:
    t = Translator("de")
    assert t.plural("report.days", 1.0, count="1,0") == "1,0 Tage"
    assert t.plural("report.days", 1) == "1 Tag"


def test_summaries_read_right_for_one() -> None:
    t = Translator("de")
    parts = [
        t.plural("cg.import.rows", 1),
        t.plural("cg.import.recorded", 1),
        t.plural("cg.import.unchanged", 1),
    ]
    assert parts == ["1 Zeile gelesen", "1 Lesebestätigung eingetragen", "1 war schon so eingetragen"]
    assert Translator("en").plural("report.stops_with_end", 1) == "1 stop with an end date"


def test_a_missing_plural_message_is_an_error_not_the_key() -> None:
    with pytest.raises(KeyError):
        Translator("de").plural("no.such.message", 2)


def test_catalogues_are_compiled_from_the_po_files_without_a_build_step() -> None:
    # No .mo is kept in the repository: a stale one would win over the .po text.
    assert not list(Path(LOCALE_DIR).rglob("*.mo"))
    assert translations("de").ngettext("privacy.count.stops", "privacy.count.stops", 2) == "{count} VT-Stops"


# --- dates in the reader's language (bot/datefmt.py is the only formatter) ---------------------


def test_dates_and_times_follow_the_language() -> None:
    from datetime import date, datetime

    from vpabot.bot.datefmt import fmt_date, fmt_instant

    assert fmt_date(date(2026, 12, 31), "de") == "31.12.2026"
    assert fmt_date(date(2026, 12, 31), "en") == "Dec 31, 2026"
    assert fmt_instant(datetime(2026, 12, 31, 9, 5), "de") == "31.12.2026 09:05"
    assert fmt_instant(datetime(2026, 12, 31, 15, 5), "en") == "Dec 31, 2026, 3:05 PM"


def test_no_module_but_the_formatter_formats_dates_itself() -> None:
    bot = Path(__file__).resolve().parents[2] / "bot"
    modules = list(bot.rglob("*.py"))
    assert len(modules) > 20  # the scan must not pass because it found nothing to scan
    formatting = [p.relative_to(bot).as_posix() for p in modules if "strftime(" in p.read_text("utf-8")]
    assert formatting in ([], ["datefmt.py"]), formatting
