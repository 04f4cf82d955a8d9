"""Message catalogues (gettext .po, read with Babel). German first, English second.

Message ids are stable keys ("reply.violation.logged"); ids starting with ``assistant.`` are
texts an admin may pass on to an assistant, and must never contain the internal word
"Abmahnung" (a test scans every catalogue).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

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
            if not (m.id and m.string):
                continue
            if str(m.id) in messages:
                raise ValueError(f"message {m.id!r} is defined twice ({path.name})")
            messages[str(m.id)] = str(m.string)
    return messages


class Translator:
    """``t("key", name=...)``: the text in the chosen language, German when a key is missing."""

    def __init__(self, lang: str = "de") -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}; choose one of {LANGUAGES}")
        self.lang = lang
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
        safe = {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}
        return Mrkdwn(template.format(**safe))

    def has(self, key: str) -> bool:
        return key in self._messages or key in self._fallback
