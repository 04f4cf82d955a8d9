"""CLI commands about assistants: roster import, GDPR export and erasure.

They read DATABASE_URL (and VPA_LANGUAGE, VPA_TIMEZONE) only: no Slack tokens needed, so an
admin can run them on any machine that reaches the database.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from vpabot.bot.cli.common import actor, core_settings, open_context, read_import_file, translator
from vpabot.bot.cli.help import h
from vpabot.bot.context import AppContext
from vpabot.bot.i18n import Translator

PROGRESS_ROWS = 200  # longer imports get a progress line even when stderr is no terminal


class ProgressLine:
    """``Import: 120/500 (24 %)`` on stderr: rewritten in place on a terminal, else every 10 %."""

    def __init__(self, t: Translator, stream: TextIO) -> None:
        self.t, self.stream = t, stream
        self.tty = stream.isatty()
        self.shown = -1 if self.tty else 0  # a log starts at 10 %, a terminal at once

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if not self.tty and percent // 10 == self.shown // 10 and done != total:
            return
        if self.tty and percent == self.shown and done != total:
            return
        self.shown = percent
        text = self.t("roster.import.progress", done=done, total=total, percent=percent)
        self.stream.write(
            ("\r" + text + ("\n" if done == total else "")) if self.tty else text + "\n"
        )
        self.stream.flush()


# --- import assistants ------------------------------------------------------------------------


def _problem_text(t: Translator, problem: Any) -> str:
    from vpabot.bot.labels import status_label

    params = dict(problem.params)
    if "status" in params:
        params["status"] = status_label(t, params["status"])
    key = f"roster.error.{problem.code}"
    # A problem that names how many things are wrong ("2 Spalten") carries a count: plural forms.
    reason = t.plural(key, params.pop("count"), **params) if "count" in params else t(key, **params)
    return t("roster.error.line", line=problem.line, reason=reason)


def _change_text(t: Translator, change: Any) -> str:
    from vpabot.bot.blocks.common import fmt_date
    from vpabot.bot.labels import status_label

    def shown(key: str, value: Any) -> str:
        if value is None or value == "":
            return "–"
        if key == "status":
            return status_label(t, value)
        if key.endswith("_on"):
            return fmt_date(date.fromisoformat(value), t.lang)
        return str(value)

    if change.is_new:
        after = change.after
        return t(
            "roster.import.new_line",
            handle=change.handle,
            name=after["name"],
            status=shown("status", after["status"]),
            joined=shown("joined_on", after["joined_on"]),
        )
    parts = [
        t(
            "roster.import.field",
            field=key,
            before=shown(key, change.before[key]),
            after=shown(key, value),
        )
        for key, value in change.after.items()
    ]
    return t("roster.import.changed_line", handle=change.handle, changes="; ".join(parts))


def import_assistants_command(args: argparse.Namespace) -> int:
    from vpabot.bot.labels import status_label
    from vpabot.bot.services.csv_import import BadFile
    from vpabot.bot.services.roster import import_assistants

    settings = core_settings(args)  # a bad setting stops the command before it touches anything
    t = translator(settings)
    path = Path(args.file)
    text = read_import_file(t, path, "roster.import.unreadable", file=path)
    rows = max(len(text.splitlines()) - 1, 0)
    progress = ProgressLine(t, sys.stderr) if sys.stderr.isatty() or rows > PROGRESS_ROWS else None
    with open_context(settings, upgrade=True) as ctx:
        try:
            result = import_assistants(ctx, text, dry_run=args.dry_run, progress=progress)
        except BadFile as bad:
            for problem in bad.problems:
                print(_problem_text(t, problem), file=sys.stderr)
            lines = len({p.line for p in bad.problems})
            print(t.plural("roster.import.refused", lines, file=path.name), file=sys.stderr)
            return 1
    for change in result.changes:
        print(_change_text(t, change))
    for row in result.skipped:
        status = status_label(t, row.status)
        print(t("roster.import.skipped_line", line=row.line, handle=row.handle, status=status))
    counts = dict(new=len(result.new), changed=len(result.changed), unchanged=result.unchanged)
    print(t("roster.import.dry_run" if args.dry_run else "roster.import.summary", **counts))
    if result.skipped:
        print(t.plural("roster.import.skipped", len(result.skipped)))
    return 0


# --- export and erase one assistant -----------------------------------------------------------


def _policy_error(t: Translator, error: Any) -> int:
    from vpabot.bot.blocks.replies import error_text

    print(f"vpabot: {error_text(t, error)}", file=sys.stderr)
    return 1


def export_assistant_command(args: argparse.Namespace) -> int:
    from vpabot.bot.services.privacy import export_assistant
    from vpabot.policy.errors import PolicyError

    settings = core_settings(args)
    t = translator(settings)
    with open_context(settings, upgrade=True) as ctx:
        try:
            if args.for_assistant:
                text = _for_assistant(ctx, args.handle)
            else:
                document = export_assistant(ctx, args.handle, actor=actor())
                text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        except PolicyError as error:
            return _policy_error(t, error)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(t("privacy.export.written", file=args.output), file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


def _for_assistant(ctx: AppContext, handle: str) -> str:
    """The GDPR Art. 15 answer as Markdown in VPA_LANGUAGE (German by default)."""
    from vpabot.bot.blocks.access_request import render_access_request
    from vpabot.bot.services.access_request import collect_access_request

    data = collect_access_request(ctx, handle, actor=actor())
    return render_access_request(ctx.t, data, tz=ctx.settings.tz, tags=ctx.tags)


def _confirm(t: Translator, handle: str, summary: str) -> bool:
    print(summary, file=sys.stderr)
    print(t("privacy.erase.confirm", handle=handle), end=" ", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    if not sys.stdin.isatty():
        print(file=sys.stderr)  # a piped answer is not echoed: end the prompt's line
    return answer.strip().lstrip("@").lower() == handle


def _summary(t: Translator, ctx: AppContext, handle: str) -> tuple[str, str]:
    """The handle as stored and one line on what erasing it touches, for the confirmation."""
    from sqlalchemy import func, select

    from vpabot.bot.labels import status_label
    from vpabot.bot.services.common import require_assistant
    from vpabot.bot.services.privacy import is_erased
    from vpabot.policy.errors import PolicyError
    from vpabot.storage.models import AuditEvent, Note, SalesStop, Violation

    with ctx.read() as session:
        assistant = require_assistant(session, handle)
        if is_erased(assistant):
            raise PolicyError("privacy_already_erased", handle=assistant.handle)

        def count(model: Any) -> int:
            query = (
                select(func.count()).select_from(model).where(model.assistant_id == assistant.id)
            )
            return session.scalar(query) or 0

        return assistant.handle, t(
            "privacy.erase.summary",
            name=assistant.name,
            handle=assistant.handle,
            status=status_label(t, assistant.status),
            violations=t.plural("privacy.count.violations", count(Violation)),
            notes=t.plural("privacy.count.notes", count(Note)),
            stops=t.plural("privacy.count.stops", count(SalesStop)),
            events=t.plural("privacy.count.events", count(AuditEvent)),
        )


def erase_assistant_command(args: argparse.Namespace) -> int:
    from vpabot.bot.services.privacy import erase_assistant
    from vpabot.policy.errors import PolicyError

    settings = core_settings(args)
    t = translator(settings)
    with open_context(settings, upgrade=True) as ctx:
        try:
            handle, summary = _summary(t, ctx, args.handle)
            if not args.yes and not _confirm(t, handle, summary):
                print(t("privacy.erase.aborted"), file=sys.stderr)
                return 1
            erased = erase_assistant(ctx, handle, actor=actor())
        except PolicyError as error:
            return _policy_error(t, error)
    print(t("privacy.erase.done", handle=handle, pseudonym=erased.handle))
    return 0


def add_commands(
    import_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    export_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
) -> None:
    roster = import_sub.add_parser(
        "assistants", help=h("cli.import.assistants")
    )
    roster.add_argument("file", metavar=h("cli.file") + ".csv")
    roster.add_argument(
        "--dry-run", action="store_true", help=h("cli.import.dry_run")
    )
    roster.set_defaults(func=import_assistants_command)

    export = export_sub.add_parser("assistant", help=h("cli.export.assistant"))
    export.add_argument("handle")
    export.add_argument("--output", "-o", metavar=h("cli.file"), help=h("cli.output"))
    export.add_argument(
        "--for-assistant", action="store_true", help=h("cli.export.for_assistant")
    )
    export.set_defaults(func=export_assistant_command)

    erase = sub.add_parser("erase", help=h("cli.erase"))
    erase_sub = erase.add_subparsers(dest="erase_command", required=True)
    one = erase_sub.add_parser(
        "assistant", help=h("cli.erase.assistant")
    )
    one.add_argument("handle")
    one.add_argument("--yes", action="store_true", help=h("cli.erase.yes"))
    one.set_defaults(func=erase_assistant_command)
