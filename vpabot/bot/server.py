"""HTTP: Slack at ``POST /slack/events``, ``GET /healthz``, served by waitress (production WSGI)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from vpabot.bot.runtime import Runtime

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def make_wsgi_app(runtime: Runtime) -> WSGIApp:
    slack = SlackRequestHandler(runtime.app, path="/slack/events")

    def healthz(start_response: Callable[..., Any]) -> list[bytes]:
        try:
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # report, don't crash: a load balancer reads this
            return _json(start_response, "503 Service Unavailable", {"ok": False, "error": str(error)})
        return _json(start_response, "200 OK", {"ok": True})

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method == "GET":
            return healthz(start_response)
        return slack(environ, start_response)

    return wsgi


def serve(runtime: Runtime, *, host: str, port: int, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(make_wsgi_app(runtime), host=host, port=port, threads=threads, ident="vpabot")
