"""``vpabot import acceptances FILE.csv``: read confirmations from the confirmation system.

Columns ``handle`` and ``accepted_on`` (2026-12-31 or 31.12.2026; ``,`` or ``;`` separated).
All or nothing: every row is checked first, and one bad row (unknown handle, no date, a date
ahead) means nothing of the file is written. A date older than the stored one is skipped and
the same date changes nothing, so a file imported twice writes nothing the second time.
Problems are codes and values; the CLI words them from the catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.services.common import audited, snapshot
from vpabot.bot.services.csv_import import (
    BadFile,
    Problem,
    Table,
    begin_write,
    chunks,
    lock_assistants,
)
from vpabot.policy.cg import AcceptanceChange, cg_status, compare_acceptance, parse_accepted_on
from vpabot.policy.errors import PolicyError
from vpabot.policy.stops import StopReason
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope
from vpabot.storage.models import Assistant, SalesStop

ACTOR = "import"
DATE_COLUMNS = ("accepted_on", "cg_accepted_on")  # the roster's name for it works too


@dataclass(frozen=True)
class Acceptance:
    line: int
    handle: str
    accepted_on: date


@dataclass
class ImportSummary:
    rows: int = 0
    recorded: list[str] = field(default_factory=list)
    unchanged: int = 0
    older: int = 0
    still_stopped: list[str] = field(default_factory=list)  # CG stop active, acceptance valid now


def read_acceptances(text: str, *, today: date) -> tuple[list[Acceptance], list[Problem]]:
    """Rows and problems of the file, without the database. Line 1 is the header."""
    table = Table.read(text)
    if table is None:
        return [], [Problem(1, "empty_file")]
    header = table.header
    date_column = next((c for c in DATE_COLUMNS if c in header), None)
    missing = [
        c for c, ok in (("handle", "handle" in header), ("accepted_on", date_column)) if not ok
    ]
    if missing or date_column is None:
        return [], [Problem(1, "columns_missing", {"columns": ", ".join(missing)})]
    handle_at, date_at = header.index("handle"), header.index(date_column)
    rows: list[Acceptance] = []
    problems: list[Problem] = []
    for line, cells in table.records(problems):
        cells += [""] * (len(header) - len(cells))
        handle, typed = repo.normalise_handle(cells[handle_at]), cells[date_at].strip()
        if not handle:
            problems.append(Problem(line, "handle_missing"))
        if not typed:
            problems.append(Problem(line, "date_missing"))
            continue
        try:
            accepted_on = parse_accepted_on(typed, today=today)
        except PolicyError as error:
            code = "date_in_future" if error.code == "cg_date_in_future" else "date_unreadable"
            problems.append(Problem(line, code, {"text": typed}))
            continue
        if handle:
            rows.append(Acceptance(line, handle, accepted_on))
    return rows, problems


def import_acceptances(ctx: AppContext, text: str) -> ImportSummary:
    """Check the whole file, then record all of it in one transaction, or nothing.

    "Today" (dates in the future are refused) is ``ctx.today()`` in ``VPA_TIMEZONE``.
    Raises :class:`BadFile` with every problem when anything is wrong.
    """
    now, today, sessions = ctx.now(), ctx.today(), ctx.sessions
    rows, problems = read_acceptances(text, today=today)
    summary = ImportSummary(rows=len(rows))
    with session_scope(sessions) as session:
        begin_write(session)
        known = lock_assistants(session, sorted({r.handle for r in rows}))
        problems += [
            Problem(r.line, "unknown_handle", {"handle": r.handle})
            for r in rows
            if r.handle not in known
        ]
        if problems:
            raise BadFile(sorted(problems, key=lambda p: p.line))
        newest: dict[str, Acceptance] = {}
        for row in rows:  # a handle listed twice: its latest confirmation counts
            if row.handle not in newest or row.accepted_on > newest[row.handle].accepted_on:
                newest[row.handle] = row
        for handle, row in sorted(newest.items()):
            assistant = known[handle]
            change = compare_acceptance(assistant.cg_accepted_on, row.accepted_on)
            if change is AcceptanceChange.SAME:
                summary.unchanged += 1
            elif change is AcceptanceChange.OLDER:
                summary.older += 1
            else:
                before = snapshot(assistant, "cg_accepted_on")
                assistant.cg_accepted_on = row.accepted_on
                audited(
                    session, assistant, "cg.accepted", actor=ACTOR, at=now,
                    before=before, after=snapshot(assistant, "cg_accepted_on"),
                )
                summary.recorded.append(handle)
        summary.still_stopped = _still_stopped(session, [known[h] for h in newest], today=today)
    return summary


def _still_stopped(session: Session, assistants: list[Assistant], *, today: date) -> list[str]:
    valid = {
        a.id: a.handle
        for a in assistants
        if not cg_status(a.cg_accepted_on, today=today).blocks_collaboration
    }
    if not valid:
        return []
    stopped: list[str] = []
    for ids in chunks(sorted(valid)):
        query = select(SalesStop.assistant_id).where(
            SalesStop.assistant_id.in_(ids),
            SalesStop.lifted_at.is_(None),
            SalesStop.reason == StopReason.CG_NOT_ACCEPTED,
        )
        stopped += [valid[assistant_id] for assistant_id in session.scalars(query)]
    return sorted(stopped)
