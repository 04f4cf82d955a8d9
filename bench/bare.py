"""The reference: a bare Bolt app with ack-only listeners, served exactly like vpabot.

Same Bolt settings (``process_before_response``), same WSGI adapter and path, same waitress
with the same thread count, same signing secret. Whatever vpabot's ack costs above this is
vpabot's own. Run: ``python -m bench.bare --port N --threads 8``.

``--durable URL``: the *floor*. A command or form submission first commits one row
into a table of its own (``bench_floor``) where vpabot's acks write, through vpabot's engine
settings (``storage.db.make_engine``: on a SQLite file its spool, ``storage/spool.py``, in
WAL mode with ``BEGIN IMMEDIATE``; one autocommit round trip on PostgreSQL), then acks. It is the least an ack can do that keeps issue 9's
first promise ("acknowledged means durable"), so it shows how much of vpabot's ratio to the
ack-only app that promise alone costs on this machine and database. An options request gets
25 options from one indexed read of vpabot's picker index (``picker_query``): the least an
answer with options in it can do, where the ack-only app answers an empty list.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from typing import Any, Callable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def durable_write(url: str) -> Callable[[dict[str, Any]], None]:
    """One committed INSERT per call into ``bench_floor`` where vpabot's acks write for the
    database at ``url`` (created if missing)."""
    from sqlalchemy import Column, Integer, MetaData, Table, Text, insert

    from vpabot.storage.db import make_engine
    from vpabot.storage.spool import spool_path

    engine = make_engine(url)
    spool = spool_path(engine)
    if spool is not None:
        engine.dispose()
        engine = make_engine(f"sqlite:///{spool}")
    table = Table("bench_floor", MetaData(), Column("id", Integer, primary_key=True),
                  Column("body", Text, nullable=False))
    table.create(engine, checkfirst=True)
    autocommit = engine.dialect.name == "postgresql"  # like vpabot's inbox.accept

    def write(body: dict[str, Any]) -> None:
        row = insert(table).values(body=str(body.get("trigger_id") or body.get("view", {}).get("id")))
        if autocommit:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(row)
        else:
            with engine.begin() as conn:
                conn.execute(row)

    return write


def picker_query(url: str) -> Callable[[str], list[dict[str, Any]]]:
    """The least an options answer can do: one range read of the picker's word index
    (``assistant_search_words``, the word folded as vpabot folds it) joined to the names,
    through vpabot's lock-free read connection settings, as 25 options."""
    from sqlalchemy import text

    from vpabot.storage.search_fold import fold_term
    from vpabot.storage.db import READ_ONLY, make_engine

    engine = make_engine(url).execution_options(**{READ_ONLY: True})
    sql = text(
        "SELECT a.handle, a.name FROM assistant_search_words w JOIN assistants a"
        " ON a.id = w.assistant_id WHERE w.word >= :lo AND w.word < :hi"
        " ORDER BY w.word, w.assistant_id LIMIT 26")

    def search(value: str) -> list[dict[str, Any]]:
        lo = fold_term(value.split()[0]) if value.split() else ""
        if not lo:
            return []
        hi = lo[:-1] + chr(ord(lo[-1]) + 1)
        with engine.connect() as conn:
            rows = conn.execute(sql, {"lo": lo, "hi": hi}).all()
        return [{"text": {"type": "plain_text", "text": f"{name} ({handle})"}, "value": handle}
                for handle, name in rows[:25]]

    return search


def make_app(signing_secret: str, api_url: str, token: str, durable: str | None = None) -> App:
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

    writes, options = ack_only, no_options
    if durable:
        write = durable_write(durable)
        search = picker_query(durable)

        def writes(ack, body) -> None:  # type: ignore[no-untyped-def]
            write(body)
            ack()

        def options(ack, payload) -> None:  # type: ignore[no-untyped-def]
            ack(options=search(str(payload.get("value") or "")))

    app.command("/vpa")(writes)
    app.action(re.compile(".*"))(ack_only)
    app.view(re.compile(".*"))(writes)
    app.options(re.compile(".*"))(options)
    app.event("app_home_opened")(ack_only)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--durable", metavar="URL", help="commit one row per command or form first")
    args = parser.parse_args(argv)
    app = make_app(os.environ["SLACK_SIGNING_SECRET"], os.environ.get("SLACK_API_URL", ""),
                   os.environ.get("SLACK_BOT_TOKEN", "xoxb-bench"), args.durable)
    handler = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO") == "/healthz":  # so the bench can wait for it like for vpabot
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        return handler(environ, start_response)

    from waitress import serve

    print(f"{'durable floor' if args.durable else 'bare bolt'} listening on http://{args.host}:{args.port}/slack/events", flush=True)
    serve(wsgi, host=args.host, port=args.port, threads=args.threads, ident="bare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
