"""Message catalogues (gettext .po, read with Babel). German first, English second.

Message ids are stable keys ("reply.violation.logged"); ids starting with ``assistant.`` are
texts an admin may pass on to an assistant, and must never contain the internal word
"Abmahnung" (a test scans every catalogue).
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from vpabot.bot.mrkdwn import Mrkdwn, escape

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("de", "en")
ASSISTANT_FACING_PREFIX = "assistant."


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """All translated messages of one language, keyed by message id.

    Every ``*.po`` file of the language is read (one per feature keeps files small and
    merges painless); a message id defined twice is an error, not a silent override.
    """
    messages: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            parsed = read_po(fh, locale=lang)
        for m in parsed:
            if not (m.id and m.string) or m.pluralizable:  # plural ids: see Translator.plural
                continue
            if str(m.id) in messages:
                raise ValueError(f"message {m.id!r} is defined twice ({path.name})")
            messages[str(m.id)] = str(m.string)
    return messages


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    """The compiled gettext catalogue of one language (all its ``*.po`` files merged).

    Plural messages (``msgid_plural``/``msgstr[n]``) are read from here with ``ngettext``, so
    the plural rule is the one in the catalogue's ``Plural-Forms`` header, not our own code.
    A ``.mo`` next to a ``.po`` is used when it is at least as new; otherwise the ``.po`` is
    compiled in memory with Babel. That is why no build step is needed: ``pip install -e .``,
    a wheel and a fresh CI venv all load the same ``.po`` files, and a stale ``.mo`` that
    someone forgot to rebuild can never win over the text in the repository.
    """
    compiled = [_compiled(po, lang) for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))]
    if not compiled:
        return NullTranslations()
    merged, *rest = compiled
    for other in rest:
        merged.merge(other)
    return merged


def _compiled(po: Path, lang: str) -> Translations:
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return Translations(fh)
    with po.open("rb") as fh:
        parsed = read_po(fh, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, parsed, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


class Translator:
    """``t("key", name=...)``: the text in the chosen language, German when a key is missing."""

    def __init__(self, lang: str = "de", *, for_slack: bool = True) -> None:
        """``for_slack=False``: a translator for the terminal (the CLI), where ``&lt;`` would
        be shown as is; its texts must never reach Slack."""
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}; choose one of {LANGUAGES}")
        self.lang = lang
        self._escape = escape if for_slack else str
        self._messages = catalogue(lang)
        self._fallback = catalogue("de")

    def __call__(self, key: str, /, **params: Any) -> Mrkdwn:
        """The message ``key`` with ``params`` filled in, as mrkdwn.

        Every text parameter is escaped for Slack here, the one place (a name like
        ``Eve <!channel>`` must never notify a channel), unless it is ``Mrkdwn`` already:
        escaped text, a mention written on purpose, another translated message.
        Raises ``KeyError`` for a key no catalogue defines.
        """
        template = self._messages.get(key) or self._fallback.get(key)
        if template is None:
            raise KeyError(f"message {key!r} is missing from the catalogues")
        if not params:
            return Mrkdwn(template)
        safe = {k: self._escape(v) if isinstance(v, str) else v for k, v in params.items()}
        return Mrkdwn(template.format(**safe))

    def plural(self, key: str, n: float, /, **params: Any) -> Mrkdwn:
        """``t.plural("cg.import.recorded", 2)``: the form of a plural message that fits ``n``.

        ``n`` is shown as ``{count}`` unless ``count=`` gives its display form (e.g. "12,5"
        for a mean). German and English have one form for exactly 1 and one for everything
        else (also 0), as their catalogue headers say. A fraction (a mean shown as "1,0") takes
        the "other" form in both (CLDR: "1,0 Tage", "1.0 days"), which is the form for 2:
        gettext's rule is defined on whole numbers only. Text parameters are escaped for Slack
        like ``__call__`` does. German is the fallback when the chosen language lacks the key; a
        key missing in both raises KeyError.
        """
        whole = n if isinstance(n, int) else 2
        for lang in (self.lang, "de"):
            template = translations(lang).ngettext(key, key, whole)
            if template != key:
                safe = {k: self._escape(v) if isinstance(v, str) else v for k, v in params.items()}
                return Mrkdwn(template.format(**{"count": n, **safe}))
        raise KeyError(f"plural message {key!r} is missing from the catalogues")

    def has(self, key: str) -> bool:
        return key in self._messages or key in self._fallback
