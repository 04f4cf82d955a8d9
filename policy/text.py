"""Text as admins type it: one Unicode form on the way in, one folded form for searching.

Slack clients, spreadsheets and macOS file names may send an umlaut as "o" plus a combining
diaeresis (NFD). Stored as typed, "Müller" and "Mu\u0308ller" would be two different names:
the search would miss one and a re-import would report a change nobody made.
"""

from __future__ import annotations

import re
import unicodedata

UMLAUTS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"))
# Characters that end a word in a name or handle ("anna.m", "Meyer-Lüdenscheid").
WORD_BREAK = re.compile(r"[^a-z0-9]+")


def nfc(text: str) -> str:
    """``text`` in Unicode NFC: composed umlauts, the form everything is stored in."""
    return unicodedata.normalize("NFC", text)


def _strip_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def fold_term(text: str) -> str:
    """How a searched word is compared: NFC, casefolded, ä -> ae, ß -> ss, accents stripped.

    ``fold_term("Mu\u0308ller") == fold_term("MÜLLER") == "mueller"``; ``"Çelik" -> "celik"``.
    """
    folded = nfc(text).casefold()  # casefold also turns ß into ss
    for umlaut, spelled in UMLAUTS:
        folded = folded.replace(umlaut, spelled)
    return _strip_accents(folded)


def search_words(*texts: str) -> list[str]:
    """Every folded word under which a name or handle is found, sorted, without duplicates.

    A German name is typed both ways, "mueller" and "muller", so each word is kept with
    umlauts spelled out and with them stripped to the base letter. Handles are kept whole
    ("anna.m") and in parts ("anna", "m").
    """
    words: set[str] = set()
    for text in texts:
        base = nfc(text).casefold()
        for variant in (fold_term(base), _strip_accents(base)):
            for chunk in variant.split():
                words.add(chunk)
                words.update(part for part in WORD_BREAK.split(chunk) if part)
    return sorted(words)


def search_key(*texts: str) -> str:
    """The folded words of a name and handle as one string, " "-separated and -framed.

    The frame lets a word-prefix match be written ``LIKE '% mue%'`` for every word.
    """
    return " " + " ".join(search_words(*texts)) + " "
