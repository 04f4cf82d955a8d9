"""HTTP: Slack at ``POST /slack/events``, ``GET /healthz``, ``/readyz``, ``/metrics`` (see
``vpabot.bot.health``), served by waitress (production WSGI).

``GET /api/stops`` gives the scheduling system the active VT-Stops (JSON, ``?format=csv``),
behind ``Authorization: Bearer <VPA_API_TOKEN>``; without a configured token it stays closed.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from vpabot.bot.health import make_ops_app
from vpabot.bot.interactions.envelope import CheckedRequestHandler, guard
from vpabot.bot.runtime import Runtime
from vpabot.bot.services.export import FORMATS, export_records, render

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


Header = tuple[str, str]


def _respond(
    start_response: Callable[..., Any], status: str, content_type: str, body: str, *headers: Header
) -> list[bytes]:
    data = body.encode()
    length = ("Content-Length", str(len(data)))
    start_response(status, [("Content-Type", content_type), length, *headers])
    return [data]


def _json(
    start_response: Callable[..., Any], status: str, body: dict[str, Any], *headers: Header
) -> list[bytes]:
    return _respond(start_response, status, "application/json", json.dumps(body), *headers)


def bearer_ok(environ: dict[str, Any], token: str | None) -> bool:
    """Constant-time check of ``Authorization: Bearer <token>``; no token configured: closed."""
    scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    # WSGI hands headers over as latin-1 strings: back to the bytes the client sent.
    return hmac.compare_digest(given.strip().encode("latin-1"), token.encode())


def make_wsgi_app(runtime: Runtime) -> WSGIApp:
    slack = guard(CheckedRequestHandler(runtime.app, path="/slack/events"), runtime.settings.signing_secret)

    def api_stops(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            body = {"error": "method_not_allowed"}
            return _json(start_response, "405 Method Not Allowed", body, ("Allow", "GET"))
        if not bearer_ok(environ, runtime.settings.api_token):
            challenge = ("WWW-Authenticate", 'Bearer realm="vpabot"')
            return _json(start_response, "401 Unauthorized", {"error": "unauthorized"}, challenge)
        fmt = parse_qs(environ.get("QUERY_STRING", "")).get("format", ["json"])[0]
        if fmt not in FORMATS:
            return _json(start_response, "400 Bad Request", {"error": "format must be json or csv"})
        document = render(export_records(runtime.ctx), fmt, generated_at=runtime.ctx.now())
        content_type = "text/csv" if fmt == "csv" else "application/json"
        # Personal data: no shared cache may keep a copy.
        no_store = ("Cache-Control", "no-store")
        content_type += "; charset=utf-8"
        return _respond(start_response, "200 OK", content_type, document, no_store)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") == "/api/stops":
            return api_stops(environ, start_response)
        return slack(environ, start_response)

    # /healthz, /readyz and /metrics first: the same answers as in Socket Mode.
    return make_ops_app(runtime, fallback=wsgi)


def bind(runtime: Runtime, *, host: str, port: int, threads: int = 8) -> Any:
    """The waitress server, bound to ``host:port`` (OSError when taken); ``.run()`` serves.

    Bound before the jobs start, so a port in use stops the start before anything runs.
    """
    from waitress import create_server

    return create_server(make_wsgi_app(runtime), host=host, port=port, threads=threads, ident="vpabot")
