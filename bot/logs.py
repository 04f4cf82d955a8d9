"""Logging setup: plain text by default, one JSON object per line with ``VPA_LOG_FORMAT=json``.

JSON lines carry ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and, inside a
Slack request, ``request_id``, ``user_id`` (the Slack ID, e.g. ``U01ABC``) and ``kind``
(``command``, ``action``, ``view``, ``options``, ``event``). Never names or note texts: the
fields are fixed here, and log messages in vpabot name ids, not people (personal data stays
in the database, where erasure can reach it).

The interaction shell binds the request fields around its work::

    with logs.request_context(request_id=body["trigger_id"], user_id=user, kind="command"):
        ...

The fields live in a ContextVar: a lazy listener runs on another thread, so bind them again
there (or submit the work with ``contextvars.copy_context().run``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

REQUEST_FIELDS = ("request_id", "user_id", "kind")
_HANDLER = "vpabot"
_request: ContextVar[dict[str, str]] = ContextVar("vpabot_request", default={})


@contextmanager
def request_context(**fields: str | None) -> Iterator[None]:
    """Bind ``request_id``, ``user_id``, ``kind`` to every log line inside the block."""
    unknown = set(fields) - set(REQUEST_FIELDS)
    if unknown:  # a typo would otherwise silently drop the field
        raise TypeError(f"unknown log fields: {sorted(unknown)}")
    token = _request.set({k: str(v) for k, v in fields.items() if v})
    try:
        yield
    finally:
        _request.reset(token)


# PostgreSQL's error messages carry a DETAIL line with the values of the offending row ("Key
# (word, assistant_id)=(mueller, 26) already exists", "Failing row contains (…)"): user text
# that ``hide_parameters`` does not reach, since the server writes it into the message.
_DETAIL = re.compile(r"(DETAIL:)[^\n]*")
HIDDEN = r"\1 [hidden: the row's values]"


def redact(text: str) -> str:
    """``text`` without the values a database error's DETAIL line names."""
    return _DETAIL.sub(HIDDEN, text) if "DETAIL:" in text else text


class TextFormatter(logging.Formatter):
    """``time level logger: message`` (and the traceback), database values hidden."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request fields bound by :func:`request_context`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            **_request.get(),
        }
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure(*, verbose: bool = False, fmt: str = "text") -> None:
    """Root logging for a ``vpabot`` process: INFO with ``verbose``, else WARNING."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.set_name(_HANDLER)
    root = logging.getLogger()
    # Replace only our own handler (configure runs again once the settings are read); leave
    # whatever else is attached (a test runner's capture, an embedding application's).
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
