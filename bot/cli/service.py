"""``vpabot run`` (Socket Mode), ``vpabot serve`` (HTTP) and ``vpabot doctor``.

A start prints one line: the ``.env`` used, the database (password masked), the Slack API URL
and the mode; a SQLite file that does not exist yet is announced when it is created.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from typing import Any

from vpabot.bot.cli.common import Exit, environment, open_engine
from vpabot.bot.config import ConfigError, Settings, load_settings, start_line


def _stop_on_sigterm() -> None:
    """Redeploys send SIGTERM: leave through ``finally`` so acknowledged work is finished
    (Runtime.stop waits for running lazy listeners) instead of being cut off."""

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)


def _settings(
    args: argparse.Namespace, *, mode: str | Callable[[Settings], str], need_app_token: bool = False
) -> Settings:
    """Settings with Slack, logging set up, and the start line on stderr."""
    from vpabot.bot import logs

    settings = load_settings(environment(args), need_app_token=need_app_token)
    logs.configure(verbose=args.verbose, fmt=settings.log_format)
    shown = mode(settings) if callable(mode) else mode
    print(start_line(settings, mode=shown), file=sys.stderr, flush=True)
    return settings


def _start(settings: Settings, role: str = "all"):  # type: ignore[no-untyped-def]
    """Database and Slack connection, with one clear line for what is wrong."""
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from vpabot.bot.runtime import Runtime

    engine = open_engine(settings, create=True)  # a new SQLite file is announced, not silent
    try:
        runtime = Runtime(settings, engine=engine, role=role)
    except (BoltError, SlackApiError) as error:
        engine.dispose()
        raise ConfigError(f"Slack lehnt SLACK_BOT_TOKEN ab oder ist nicht erreichbar ({error})") from None
    except OSError as error:
        engine.dispose()
        raise ConfigError(f"Slack ist unter {settings.api_url} nicht erreichbar ({error})") from None
    freeze_startup_heap()
    return runtime


def freeze_startup_heap() -> None:
    """Keep what the start built (modules, mappers, Bolt's listeners: about 116,000 tracked
    objects in ``serve --role web``) out of every later garbage collection (``gc.freeze``).

    Why: a full collection walks every tracked object while holding the interpreter: 43 ms
    for those alone on an idle machine, and one took 66 ms in the web process under the
    benchmark's load, while every ack in flight waited. Frozen objects are never collected;
    these live as long as the process anyway.

    No ``gc.collect()`` first: the read process is forked by now, and a collection writes into
    every object's header, so the web process would copy the memory pages it still shares
    with its read process (measured: the two together 137 MB of PSS with it, 117 without)."""
    import gc

    gc.freeze()


def check_app_token(settings: Settings) -> None:
    """Ask Slack once for a Socket Mode URL with SLACK_APP_TOKEN.

    Without this, a wrong app token makes the Socket Mode client retry forever, logging
    ``'NoneType' object has no attribute 'strip'``. Raises ConfigError (one line) instead.
    """
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    token = settings.app_token or ""
    fix = "ein App-Level-Token (xapp-…) mit connections:write unter api.slack.com/apps → Basic Information → App-Level Tokens anlegen"
    if not token.startswith("xapp-"):
        raise ConfigError(f"SLACK_APP_TOKEN ist kein App-Level-Token (beginnt nicht mit xapp-): {fix}.")
    try:
        WebClient(base_url=settings.api_url, timeout=10).apps_connections_open(app_token=token)
    except SlackApiError as error:
        code = error.response.get("error") or error.response.status_code
        raise ConfigError(f"Slack lehnt SLACK_APP_TOKEN ab ({code}): {fix}.") from None
    except OSError as error:
        raise ConfigError(f"Slack ist unter {settings.api_url} nicht erreichbar ({error})") from None


def _run(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from vpabot.bot.health import HealthServer

    def mode(settings: Settings) -> str:
        port = settings.health_port
        health = f"/healthz /readyz /metrics auf Port {port}" if port else "ohne VPA_HEALTH_PORT"
        return f"Socket Mode (vpabot run), {health}"

    settings = _settings(args, mode=mode, need_app_token=True)
    port = settings.health_port
    check_app_token(settings)
    runtime = _start(settings)
    _stop_on_sigterm()
    server = None
    try:
        if port:
            try:
                server = HealthServer(runtime, port=port).start()
            except OSError as error:
                raise _port_taken("0.0.0.0", port, error, "VPA_HEALTH_PORT") from None
        if settings.run_scheduler:
            runtime.start_jobs()
        SocketModeHandler(runtime.app, settings.app_token).start()
    finally:
        if server is not None:
            server.stop()
        runtime.stop()
    return 0


def _port_taken(host: str, port: int, error: OSError, setting: str) -> Exit:
    reason = error.strerror or error
    return Exit(2, f"vpabot: Port {port} auf {host} ist nicht verfügbar ({reason}) – {setting} ändern.")


def _serve(args: argparse.Namespace) -> int:
    from vpabot.bot.server import bind

    url = f"http://{args.host}:{args.port}"
    only = " – nur Annahme, die Arbeit macht `vpabot worker`" if args.role == "web" else ""
    settings = _settings(args, mode=f"HTTP (vpabot serve) auf {url}/slack/events{only}")
    runtime = _start(settings, args.role)
    try:
        try:
            server = bind(runtime, host=args.host, port=args.port, threads=args.threads)
        except OSError as error:
            raise _port_taken(args.host, args.port, error, "--port") from None
        _stop_on_sigterm()
        if settings.run_scheduler:
            runtime.start_jobs()
        server.run()
    finally:
        runtime.stop()
    return 0


def _worker(args: argparse.Namespace) -> int:
    """The work behind ``vpabot serve --role web``: inbox, App Home, outbox and the jobs."""
    import threading

    from vpabot.bot.health import HealthServer

    def mode(settings: Settings) -> str:
        port = settings.health_port
        health = f"/healthz /readyz /metrics auf Port {port}" if port else "ohne VPA_HEALTH_PORT"
        return f"Worker (vpabot worker), {health}"

    settings = _settings(args, mode=mode)
    runtime = _start(settings, "worker")
    _stop_on_sigterm()
    server = None
    try:
        if settings.health_port:
            try:
                server = HealthServer(runtime, port=settings.health_port).start()
            except OSError as error:
                raise _port_taken("0.0.0.0", settings.health_port, error, "VPA_HEALTH_PORT") from None
        if settings.run_scheduler:
            runtime.start_jobs()
        threading.Event().wait()  # until SIGTERM (SystemExit) or Ctrl-C
    finally:
        if server is not None:
            server.stop()
        runtime.stop()
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from vpabot.bot.app import make_client
    from vpabot.bot.cli.doctor import run_checks

    import logging

    settings = _settings(args, mode="doctor (prüft nur, schreibt nichts)")
    if not args.verbose:  # the checklist says what failed; slack_sdk's own log line repeats it
        logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)
    checks = run_checks(settings, make_client(settings.bot_token, settings.api_url, retries=False))
    for check in checks:
        print(check.line())
    failed = sum(not check.ok for check in checks)
    print(f"{failed} von {len(checks)} Prüfungen fehlgeschlagen." if failed else "Alles in Ordnung.")
    return 1 if failed else 0


def add_commands(sub: Any) -> None:
    from vpabot.bot.cli.help import h

    sub.add_parser("run", help=h("cli.run")).set_defaults(func=_run)

    serve = sub.add_parser("serve", help=h("cli.serve"))
    serve.add_argument("--host", default="0.0.0.0", help=h("cli.serve.host"))
    serve.add_argument("--port", type=int, default=3000, help=h("cli.serve.port"))
    serve.add_argument("--threads", type=int, default=8, help=h("cli.serve.threads"))
    serve.add_argument("--role", choices=("all", "web"), default="all", help=h("cli.serve.role"))
    serve.set_defaults(func=_serve)

    sub.add_parser("worker", help=h("cli.worker")).set_defaults(func=_worker)

    doctor = sub.add_parser("doctor", help=h("cli.doctor"))
    doctor.set_defaults(func=_doctor)
