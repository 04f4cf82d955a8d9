"""Is a signed request shaped like something Slack sends? Checked before Bolt acts on it.

Bolt trusts the shape of a signed body: ``payload={not json`` or a view without ``type``
ends in a 500 with a traceback. A request with a valid signature but a body Slack would
never send (a forger with the secret, a proxy that mangled it) gets a 400 and one log line.
The shapes follow Slack's interaction payload reference (api.slack.com/reference/interaction-payloads)
and the Events API envelope.

The body is parsed once, by Bolt (``BoltRequest``), and its shape checked on what Bolt read,
before ``App.dispatch``: parsing it a second time for the check cost a form submission's ack
about a tenth of its CPU (percent-decoding a JSON payload is slow), and the check now sees
exactly what Bolt acts on (Bolt keeps the last of two ``payload`` fields, the check read the
first).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import parse_body
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

INTERACTION_TYPES = {
    "block_actions": ("actions", list),
    "view_submission": ("view", dict),
    "view_closed": ("view", dict),
    "block_suggestion": ("action_id", str),
    "shortcut": ("callback_id", str),
    "message_action": ("callback_id", str),
}


def malformed(body: str, content_type: str) -> str | None:
    """Why ``body`` is not a Slack request (a short reason for the log), or ``None`` if it is.

    Parses ``body`` as Bolt does; the server checks Bolt's own reading instead (``verdict``)."""
    try:
        data = parse_body(body, content_type.split(";")[0] or None)
    except (ValueError, RecursionError):
        return "body does not parse"
    return verdict(body, content_type, data)


def verdict(body: str, content_type: str, data: Any) -> str | None:
    """Why ``data``, Bolt's reading of ``body`` (``slack_bolt.request.internals.parse_body``:
    JSON for ``application/json`` or a body starting with ``{``; else the JSON in a form's
    ``payload`` if the body mentions one; else the form's fields), is not a Slack request."""
    bolt_read_json = content_type.split(";")[0] == "application/json" or body.startswith("{")
    if bolt_read_json != ("json" in content_type):
        return "body does not match its content type"
    if bolt_read_json:
        return _event(data)
    if "payload" in body:
        if data:
            return _interaction(data)
        # Bolt found no payload field in a body that mentions one (a command whose text says
        # "payload"): the form decides, as it does for any other form.
        return _form({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
    return _form(data)


def _form(form: dict[str, str]) -> str | None:
    if "payload" in form:
        return _interaction(_loads(form["payload"]))
    if "command" in form:
        return None if "user_id" in form else "command without user_id"
    if "ssl_check" in form:
        return None
    return "neither a command nor an interaction"


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _event(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "JSON body is not an object with a type"
    if data["type"] == "event_callback" and not isinstance(data.get("event"), dict):
        return "event_callback without an event object"
    return None


def _interaction(data: Any) -> str | None:
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


class CheckedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter with the shape check between Bolt's parse and its dispatch: a
    signed body Bolt cannot read, or whose reading is not shaped like a Slack request, is
    a 400 and one log line instead of a 500 with a traceback."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
        except Exception as error:  # noqa: BLE001 - bytes that are no UTF-8, JSON Bolt cannot read, ...
            reason = f"Bolt cannot read it ({type(error).__name__})"
        else:
            reason = verdict(bolt_request.raw_body, bolt_request.content_type or "", bolt_request.body)
            if reason is None:
                return self.app.dispatch(bolt_request)
        log.warning("refused a signed but malformed request: %s", reason)
        return BoltResponse(status=400, body='{"error": "malformed_request"}',
                            headers={"content-type": "application/json"})


def guard(app: Any, signing_secret: str) -> Any:
    """WSGI middleware around Bolt's handler (a ``CheckedRequestHandler``): an unsigned,
    forged or stale request (signature checked as Slack documents it, with the 5-minute
    window) gets a 401 before anything parses its body, so nobody without the secret
    learns how bodies are checked."""
    import io

    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(signing_secret)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            signed = verifier.is_valid(
                body=raw.decode("utf-8", errors="replace"),
                timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
                signature=environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            )
        except ValueError:  # a missing or non-numeric timestamp: not from Slack
            signed = False
        if not signed:
            return _refuse(start_response, "401 Unauthorized", b'{"error": "invalid_request"}')
        return app(environ, start_response)

    return wsgi


def _refuse(start_response: Any, status: str, data: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
