"""User text on the way in: cleaned, measured and refused before anything is written.

Pure domain layer: standard library only. Every refused input raises PolicyError with a code
whose message (``error.<code>``) names the limit. The same limits are enforced by the
database (CHECK constraints in migration ``harden_1``), so a path that forgets to ask here
fails loudly instead of storing more than Slack and the reports can show.

Limits (characters, counted after cleaning; documented in README "Limits"):

- handle: ``MAX_HANDLE`` (64, the handle pattern's length since the first schema),
- assistant name: ``MAX_NAME`` (100),
- every free text (violation note, note, stop note, lift note, withdraw reason, question,
  answer, manager's reason): ``MAX_TEXT`` (3,000, one Slack section),
- typed numbers (a violation's number in the file): ``MAX_NUMBER`` (2,147,483,647, the
  largest INTEGER both SQLite and PostgreSQL store without overflow).
"""

from __future__ import annotations

import re
import unicodedata

from vpabot.policy.errors import PolicyError

MAX_HANDLE = 64
MAX_NAME = 100
MAX_TEXT = 3000
MAX_NUMBER = 2_147_483_647
# Echoing a 5,000-digit "number" back would make the refusal itself too long to show.
SHOWN = 20

# OWASP "CSV injection": a cell starting with one of these is a formula in Excel/LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Unicode's Cc (control) and Cs (surrogate) categories, which Unicode's stability policy
# keeps fixed (U+0000-001F, U+007F-009F; U+D800-DFFF), minus newline and tab. One regex pass
# instead of a category lookup per character: ``clean`` runs on every text of every ack.
_DROPPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_NUMBER = re.compile(r"#?([0-9]+)", re.ASCII)


def clean(text: str) -> str:
    """``text`` without NUL and the other control characters (newline and tab stay).

    Also drops lone UTF-16 surrogates (a JSON body may carry ``"\\ud800"``): PostgreSQL
    refuses NUL with a DataError and no database encoder takes a lone surrogate. ``\\r\\n``
    becomes ``\\n`` first so a Windows line break stays a line break. The result is NFC
    (``nfc``): what is stored has one form, however the umlauts were typed.
    """
    return nfc(_DROPPED.sub("", text.replace("\r\n", "\n")))


def shown(text: str, limit: int = SHOWN) -> str:
    """A short excerpt of user text for a refusal message (ends with "…" when cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_length(text: str, limit: int, code: str = "text_too_long") -> str:
    """``text`` unchanged, or PolicyError(``code``, limit=, length=) when longer than ``limit``."""
    if len(text) > limit:
        raise PolicyError(code, limit=limit, length=len(text))
    return text


def user_text(text: str, limit: int = MAX_TEXT) -> str:
    """A free text as a use case stores it: cleaned, stripped, at most ``limit`` characters.

    The parsers refuse over-long texts before the ack already; the use cases ask again so
    that no way in (a button, a CLI, a later listener) can store more, and the refusal stays
    the friendly ``text_too_long`` instead of the database's CHECK error.
    """
    return check_length(clean(text).strip(), limit)


def check_name(name: str) -> str:
    """An assistant's name as typed, form or CSV: at most MAX_NAME characters, no formula.

    Refuses (PolicyError ``name_too_long`` / ``name_formula``) rather than rewrites: the admin
    sees what is wrong, and the export never meets a name a spreadsheet would execute.
    """
    check_length(name, MAX_NAME, "name_too_long")
    if name.startswith(FORMULA_STARTS):
        raise PolicyError("name_formula", char=name[0].replace("\t", "Tab").replace("\r", "CR"))
    return name


def parse_number(word: str, *, usage: str) -> int:
    """A typed whole number (``7`` or ``#7``) from 0 to MAX_NUMBER.

    Raises PolicyError(``usage``) for anything that is not ASCII digits (so "²" or "٣" never
    reach ``int``), and ``number_too_large`` (text=, limit=) above MAX_NUMBER: the databases'
    INTEGER would overflow, and no file has that many entries.
    """
    match = _NUMBER.fullmatch(word)
    if match is None:
        raise PolicyError(usage)
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > len(str(MAX_NUMBER)) or int(digits) > MAX_NUMBER:
        raise PolicyError("number_too_large", text=shown(word), limit=MAX_NUMBER)
    return int(digits)


def neutralise_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix a single quote).

    Non-text values (numbers, booleans) pass unchanged; a text starting with ``=``, ``+``,
    ``-``, ``@``, tab or CR gets a leading ``'``.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- one form for stored text (the search folds it further: storage/search_fold.py) --------
# Slack clients, spreadsheets and macOS may send an umlaut as "o" plus a combining diaeresis
# (NFD). Stored as typed, "Müller" and "Mu\u0308ller" would be two different names: the
# search would miss one and a re-import would report a change nobody made.


def nfc(text: str) -> str:
    """``text`` in Unicode NFC: composed umlauts, the form everything is stored in."""
    return unicodedata.normalize("NFC", text)
