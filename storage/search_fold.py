"""Folded words for the assistant search: how names are indexed and typed text is compared.

Names come in every spelling an agency's freelancers have: "Müller" typed "mueller" or
"muller", "Łukasz" typed "lukasz", "O'Brien" typed "obrien", "Ольга" typed "olga" or in
Cyrillic. Both sides are folded the same way: NFC, casefolded, German umlauts spelled out
(and, as a second word, stripped to the base letter), every other letter or digit
transliterated to ASCII by anyascii (``ł`` -> ``l``, ``ø`` -> ``o``, ``ж`` -> ``zh``);
symbols and emoji are no part of a name and fold to nothing.

Storage, not policy: the transliteration tables are a library's (anyascii), and ``policy/``
imports the standard library only. Changing the folding changes what the index holds: add a
migration that re-indexes (as ``0013_search_fold``).
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

from vpabot.policy.text import nfc

# The index's word column holds 200 characters. A name has at most 100 (policy.text), but
# transliteration may lengthen it six times ("爽" -> "shuang"): words are cut to this, and
# words that are equal once cut are one word (the index's key is the word).
MAX_WORD = 200
UMLAUTS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"))
# Characters that end a word in a name or handle ("anna.m", "Meyer-Lüdenscheid", "o'brien").
WORD_BREAK = re.compile(r"[^a-z0-9]+")
# Apostrophes as typed or stored: ASCII, typographic (’ ‘), the modifier letters (ʼ, the
# Ukrainian apostrophe; ʻ), backtick and acute. One form, so "Oʼbrien" is found as "o'brien".
APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼʻ`´′"})


def _to_ascii(text: str) -> str:
    """``text`` (casefolded) in ASCII: apostrophes as ``'``, letters and digits
    transliterated, accents dropped, other symbols (emoji, dingbats) left out."""
    text = text.translate(APOSTROPHES)
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch.isalnum():  # a soft sign's "'" is no word break: "ольга" -> "olga"
            out.append(WORD_BREAK.sub("", anyascii(ch).lower()))
        elif unicodedata.category(ch) in ("Pd", "Pf", "Pi", "Po", "Zs"):
            out.append(anyascii(ch))  # a dash, quote or space inside a name still breaks words
    return "".join(out)


def fold_term(text: str) -> str:
    """How a searched word is compared: NFC, casefolded, ä -> ae, ß -> ss, the rest in ASCII,
    at most ``MAX_WORD`` characters (as the index holds them).

    ``fold_term("Mu\u0308ller") == fold_term("MÜLLER") == "mueller"``; ``"Çelik" -> "celik"``,
    ``"Łukasz" -> "lukasz"``, ``"Ольга" -> "olga"``, ``"😀" -> ""``.
    """
    folded = nfc(text).casefold()  # casefold also turns ß into ss
    for umlaut, spelled in UMLAUTS:
        folded = folded.replace(umlaut, spelled)
    return _to_ascii(folded)[:MAX_WORD]


def search_words(*texts: str) -> list[str]:
    """Every folded word under which a name or handle is found, sorted, without duplicates.

    A German name is typed both ways, "mueller" and "muller", so each word is kept with
    umlauts spelled out and with them stripped to the base letter. Words are kept whole
    ("anna.m", "o'brien") and in parts ("anna", "m"; "o", "brien"); a word with an
    apostrophe also run together ("obrien"), since the apostrophe is often left out when
    typing. (Only there: every further word of an assistant is one more index entry the
    picker walks past and a square more pairs.) Each word is cut to ``MAX_WORD`` characters;
    the list holds each cut word once.
    """
    words: set[str] = set()
    for text in texts:
        base = nfc(text).casefold()
        for variant in (fold_term(base), _to_ascii(base)):
            for chunk in variant.split():
                parts = [part for part in WORD_BREAK.split(chunk) if part]
                for word in (chunk, *parts):
                    words.add(word[:MAX_WORD])
                if "'" in chunk:  # "o'brien" is typed "obrien" as often: run together too
                    words.add(chunk.replace("'", "")[:MAX_WORD])
    words.discard("")
    return sorted(words)


def search_key(*texts: str) -> str:
    """The folded words of a name and handle as one string, " "-separated and -framed.

    The frame lets a word-prefix match be written ``LIKE '% mue%'`` for every word.
    """
    return " " + " ".join(search_words(*texts)) + " "
