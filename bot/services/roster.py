"""Roster import: ``vpabot import assistants FILE.csv``, an idempotent upsert by handle.

The whole file is one unit of work: every row is checked first, and a single bad row means
nothing of the file is written (a half-imported roster is worse than none). Problems and
changes are codes and values, not sentences: the CLI words them from the catalogues.

Empty optional cells (slack_id, cg_accepted_on) never delete what is stored: an export from
another system that lacks a value must not wipe one an admin recorded by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.services.csv_import import BadFile, Problem, begin_write, chunks, lock_assistants
from vpabot.bot.services.roster_csv import RosterRow, read_roster
from vpabot.bot.services.common import audited
from vpabot.policy.ladder import CLOSED_STATUSES, AssistantStatus
from vpabot.storage.models import Assistant

ACTOR = "import"
ENDED = CLOSED_STATUSES | {AssistantStatus.RESIGNED}
FIELDS = ("name", "slack_user_id", "joined_on", "status", "cg_accepted_on")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Change:
    """One assistant the import adds (``before`` empty) or changes (only the changed fields)."""

    line: int
    handle: str
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def is_new(self) -> bool:
        return not self.before


@dataclass
class ImportResult:
    rows: int = 0
    changes: list[Change] = field(default_factory=list)
    skipped: list[RosterRow] = field(default_factory=list)  # former assistants the bot never had
    problems: list[Problem] = field(default_factory=list)
    written: bool = False

    @property
    def new(self) -> list[Change]:
        return [c for c in self.changes if c.is_new]

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if not c.is_new]

    @property
    def unchanged(self) -> int:
        return self.rows - len(self.changes) - len(self.skipped)


# --- planning and writing -----------------------------------------------------------------


def _target(row: RosterRow, current: Assistant | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row.name,
        "joined_on": row.joined_on,
        "status": row.status,
    }
    values["slack_user_id"] = row.slack_id or (current.slack_user_id if current else None)
    values["cg_accepted_on"] = row.cg_accepted_on or (current.cg_accepted_on if current else None)
    return values


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def plan(
    session: Session, rows: list[RosterRow]
) -> tuple[list[Change], list[RosterRow], list[Problem]]:
    """What the file would change, which rows it skips, and the rows the database refuses.

    A former assistant the bot does not know (never added, or erased since) is skipped: a
    roster from another system lists them for years, and the bot has no file to keep for them.
    """
    existing = lock_assistants(session, [r.handle for r in rows])
    changes: list[Change] = []
    skipped: list[RosterRow] = []
    problems: list[Problem] = []
    for row in rows:
        current = existing.get(row.handle)
        if current is None and row.status in ENDED:
            skipped.append(row)
            continue
        if problem := _status_problem(row, current):
            problems.append(problem)
            continue
        target = _target(row, current)
        if current is None:
            changes.append(
                Change(row.line, row.handle, {}, _json({"handle": row.handle, **target}))
            )
            continue
        diff = [f for f in FIELDS if getattr(current, f) != target[f]]
        if diff:
            before = _json({f: getattr(current, f) for f in diff})
            changes.append(
                Change(row.line, row.handle, before, _json({f: target[f] for f in diff}))
            )
    skipped_lines = {r.line for r in skipped}
    problems += _slack_id_conflicts(session, [r for r in rows if r.line not in skipped_lines])
    return changes, skipped, problems


def _status_problem(row: RosterRow, current: Assistant | None) -> Problem | None:
    """Ending a collaboration sets a VT-Stop and needs its own command; it is never undone."""
    old = current.status if current else None
    if old is not None and old in ENDED and row.status != old:
        return Problem(row.line, "status_ended", {"handle": row.handle, "status": old.value})
    if row.status in ENDED and row.status != old:  # (unknown handles were skipped before)
        return Problem(
            row.line, "status_ending", {"handle": row.handle, "status": row.status.value}
        )
    return None


def _slack_id_conflicts(session: Session, rows: list[RosterRow]) -> list[Problem]:
    """A Slack ID the file gives to one handle that another assistant already has."""
    wanted = {r.slack_id: r for r in rows if r.slack_id}
    if not wanted:
        return []
    in_file = {r.handle: r.slack_id for r in rows}  # None: the file keeps the stored ID
    problems = []
    for ids in chunks(sorted(wanted)):
        query = select(Assistant.handle, Assistant.slack_user_id).where(
            Assistant.slack_user_id.in_(ids)
        )
        for handle, slack_id in session.execute(query):
            row = wanted[slack_id]
            keeps_it = in_file.get(handle) is None  # not in the file, or its cell is empty
            if handle != row.handle and keeps_it:
                problems.append(
                    Problem(row.line, "slack_id_taken", {"slack_id": slack_id, "handle": handle})
                )
    return problems


def apply(
    session: Session, changes: Iterable[Change], *, now: datetime, progress: Progress | None = None
) -> None:
    """Write the planned changes with one audit event each (actor ``import``)."""
    changes = list(changes)
    existing = lock_assistants(session, [c.handle for c in changes if not c.is_new])
    for done, change in enumerate(changes, start=1):
        values = {k: _value(k, v) for k, v in change.after.items()}
        if change.is_new:
            assistant = Assistant(created_at=now, created_by=ACTOR, **values)
            session.add(assistant)
            session.flush()
            action = "assistant.added"
        else:
            assistant = existing[change.handle]
            for key, value in values.items():
                setattr(assistant, key, value)
            action = "assistant.updated"
        audited(
            session, assistant, action, actor=ACTOR, at=now,
            before=change.before or None, after=change.after,
        )
        if progress:
            progress(done, len(changes))


def _value(key: str, value: Any) -> Any:
    return date.fromisoformat(value) if key.endswith("_on") and value else value


def import_assistants(
    ctx: AppContext,
    text: str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check the whole file, then write all of it in one transaction, or nothing.

    ``ctx.today()`` (``VPA_TIMEZONE``) bounds the dates; raises :class:`BadFile` on any problem.
    """
    now, today, sessions = ctx.now(), ctx.today(), ctx.sessions
    rows, problems = read_roster(text, today=today)
    result = ImportResult(rows=len(rows), problems=problems)
    session = sessions()
    try:
        begin_write(session)  # nobody writes between plan and apply
        result.changes, result.skipped, db_problems = plan(session, rows)
        result.problems = sorted(problems + db_problems, key=lambda p: p.line)
        if result.problems:
            raise BadFile(result.problems)
        if dry_run:
            return result
        apply(session, result.changes, now=now, progress=progress)
        session.commit()
        result.written = True
        return result
    finally:
        session.rollback()
        session.close()
