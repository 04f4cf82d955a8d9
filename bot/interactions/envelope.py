"""Is a signed request shaped like something Slack sends? Checked before Bolt reads it.

Bolt trusts the shape of a signed body: ``payload={not json`` or a view without ``type``
ends in a 500 with a traceback. A request with a valid signature but a body Slack would
never send (a forger with the secret, a proxy that mangled it) gets a 400 and one log line.
The shapes follow Slack's interaction payload reference (api.slack.com/reference/interaction-payloads)
and the Events API envelope.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

INTERACTION_TYPES = {
    "block_actions": ("actions", list),
    "view_submission": ("view", dict),
    "view_closed": ("view", dict),
    "block_suggestion": ("action_id", str),
    "shortcut": ("callback_id", str),
    "message_action": ("callback_id", str),
}


def malformed(body: str, content_type: str) -> str | None:
    """Why ``body`` is not a Slack request (a short reason for the log), or ``None`` if it is."""
    if "json" in content_type:
        return _event(body)
    form = parse_qs(body, keep_blank_values=True)
    if "payload" in form:
        return _interaction(form["payload"][0])
    if "command" in form:
        return None if form.get("user_id") else "command without user_id"
    if "ssl_check" in form:
        return None
    return "neither a command nor an interaction"


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _event(body: str) -> str | None:
    data = _loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "JSON body is not an object with a type"
    if data["type"] == "event_callback" and not isinstance(data.get("event"), dict):
        return "event_callback without an event object"
    return None


def _interaction(text: str) -> str | None:
    data = _loads(text)
    if not isinstance(data, dict):
        return "payload is not a JSON object"
    kind = data.get("type")
    if kind not in INTERACTION_TYPES:
        return f"unknown interaction type {str(kind)[:40]!r}"
    if not isinstance(data.get("user"), dict):
        return "interaction without a user"
    field, shape = INTERACTION_TYPES[kind]
    if not isinstance(data.get(field), shape):
        return f"{kind} without {field}"
    if kind == "block_actions" and not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in data["actions"]):
        return "block_actions with a malformed action"
    if field == "view" and not (isinstance(data["view"].get("type"), str) and isinstance(data["view"].get("state", {}), dict)):
        return "view without type or state"
    return None


def guard(app: Any, signing_secret: str) -> Any:
    """WSGI middleware around Bolt's handler: a signed but malformed body gets a 400.

    An unsigned, forged or stale request (signature checked as Slack documents it, with the
    5-minute window) gets a 401 before anything reads its body: Bolt's adapter would parse
    it first and answer a mangled one with a 500. Nobody without the secret learns how
    bodies are checked.
    """
    import io
    import logging

    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(signing_secret)
    log = logging.getLogger(__name__)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        body = raw.decode("utf-8", errors="replace")
        try:
            signed = verifier.is_valid(
                body=body,
                timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
                signature=environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            )
        except ValueError:  # a missing or non-numeric timestamp: not from Slack
            signed = False
        if not signed:
            return _refuse(start_response, "401 Unauthorized", b'{"error": "invalid_request"}')
        reason = malformed(body, environ.get("CONTENT_TYPE", ""))
        if reason is None:
            return app(environ, start_response)
        log.warning("refused a signed but malformed request: %s", reason)
        return _refuse(start_response, "400 Bad Request", b'{"error": "malformed_request"}')

    return wsgi


def _refuse(start_response: Any, status: str, data: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
