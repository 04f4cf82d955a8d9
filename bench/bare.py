"""The reference: a bare Bolt app with ack-only listeners, served exactly like vpabot.

Same Bolt settings (``process_before_response``), same WSGI adapter and path, same waitress
with the same thread count, same signing secret. Whatever vpabot's ack costs above this is
vpabot's own. Run: ``python -m bench.bare --port N --threads 8``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def make_app(signing_secret: str, api_url: str, token: str) -> App:
    app = App(
        client=WebClient(token=token, base_url=api_url, timeout=10),
        signing_secret=signing_secret,
        token_verification_enabled=False,  # no auth.test at start: the reference does no I/O
        process_before_response=True,
    )

    def ack_only(ack) -> None:  # type: ignore[no-untyped-def]
        ack()

    def no_options(ack) -> None:  # type: ignore[no-untyped-def]
        ack(options=[])

    app.command("/vpa")(ack_only)
    app.action(re.compile(".*"))(ack_only)
    app.view(re.compile(".*"))(ack_only)
    app.options(re.compile(".*"))(no_options)
    app.event("app_home_opened")(ack_only)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    app = make_app(os.environ["SLACK_SIGNING_SECRET"], os.environ.get("SLACK_API_URL", ""),
                   os.environ.get("SLACK_BOT_TOKEN", "xoxb-bench"))
    handler = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO") == "/healthz":  # so the bench can wait for it like for vpabot
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        return handler(environ, start_response)

    from waitress import serve

    print(f"bare bolt listening on http://{args.host}:{args.port}/slack/events", flush=True)
    serve(wsgi, host=args.host, port=args.port, threads=args.threads, ident="bare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
