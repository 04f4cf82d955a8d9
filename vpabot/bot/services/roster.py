"""Roster import: ``vpabot import assistants FILE.csv``, an idempotent upsert by handle.

The whole file is one unit of work: every row is checked first, and a single bad row means
nothing of the file is written (a half-imported roster is worse than none). Problems and
changes are codes and values, not sentences: the CLI words them from the catalogues.

Empty optional cells (slack_id, cg_accepted_on) never delete what is stored: an export from
another system that lacks a value must not wipe one an admin recorded by hand.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vpabot.bot.services.assistants import HANDLE, RESERVED_HANDLE_PREFIX
from vpabot.policy.catalogue import fold
from vpabot.policy.ladder import CLOSED_STATUSES, AssistantStatus
from vpabot.storage import repositories as repo
from vpabot.storage.models import Assistant

ACTOR = "import"
REQUIRED = ("handle", "name", "joined_on", "status")
OPTIONAL = ("slack_id", "cg_accepted_on")
COLUMNS = REQUIRED + OPTIONAL
ENDED = CLOSED_STATUSES | {AssistantStatus.RESIGNED}
STATUS_WORDS = {
    "neu": AssistantStatus.NEW,
    "new": AssistantStatus.NEW,
    "aktiv": AssistantStatus.ACTIVE,
    "active": AssistantStatus.ACTIVE,
    "gekuendigt": AssistantStatus.RESIGNED,
    "resigned": AssistantStatus.RESIGNED,
    "ausgeschlossen": AssistantStatus.EXCLUDED,
    "excluded": AssistantStatus.EXCLUDED,
    "beendet": AssistantStatus.TERMINATED,
    "terminated": AssistantStatus.TERMINATED,
}
SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
MAX_NAME = 200
CHUNK = 500  # handles per IN (...) query
FIELDS = ("name", "slack_user_id", "joined_on", "status", "cg_accepted_on")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """Why a line cannot be imported: ``code`` is ``roster.error.<code>`` in the catalogues."""

    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RosterRow:
    line: int
    handle: str
    name: str
    slack_id: str | None
    joined_on: date
    status: AssistantStatus
    cg_accepted_on: date | None


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


class BadFile(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


# --- reading ------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); Excel on Windows still saves CSV as cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def parse_date(text: str) -> date | None:
    """2026-12-31 or 31.12.2026; None when it is no date at all."""
    text = text.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = match.groups()
    elif match := _GERMAN.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _delimiter(header: str) -> str:
    """German spreadsheets write ';', others ','; a header line tells which."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def read_roster(text: str, *, today: date) -> tuple[list[RosterRow], list[Problem]]:
    """Rows and problems of a roster CSV. Pure: no database. Line numbers count from 1."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return [], [Problem(1, "empty_file")]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]))
    header = [_column(name) for name in next(reader)]
    problems = _header_problems(header)
    if problems:
        return [], problems
    rows: list[RosterRow] = []
    first_line: dict[str, int] = {}
    slack_line: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(Problem(line, "csv", {"reason": str(error)}))
            break
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(
                Problem(line, "too_many_cells", {"found": len(cells), "expected": len(header)})
            )
            continue
        cells = [c.strip() for c in cells[: len(header)]]  # trailing empty cells are harmless
        values = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
        row, row_problems = _row(line, values, today=today)
        problems += row_problems
        if row is None:
            continue
        if row.handle in first_line:
            problems.append(
                Problem(
                    line, "handle_twice", {"handle": row.handle, "first": first_line[row.handle]}
                )
            )
            continue
        first_line[row.handle] = line
        if row.slack_id and row.slack_id in slack_line:
            problems.append(
                Problem(
                    line,
                    "slack_id_twice",
                    {"slack_id": row.slack_id, "first": slack_line[row.slack_id]},
                )
            )
            continue
        if row.slack_id:
            slack_line[row.slack_id] = line
        rows.append(row)
    return rows, problems


def _column(name: str) -> str:
    return "_".join(name.strip().lower().split())


def _header_problems(header: list[str]) -> list[Problem]:
    problems = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    twice = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(Problem(1, "columns_missing", {"columns": ", ".join(missing)}))
    if unknown:
        problems.append(
            Problem(
                1, "columns_unknown", {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)}
            )
        )
    if twice:
        problems.append(Problem(1, "columns_twice", {"columns": ", ".join(twice)}))
    return problems


def _row(
    line: int, values: dict[str, str], *, today: date
) -> tuple[RosterRow | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(code: str, **params: Any) -> None:
        problems.append(Problem(line, code, params))

    handle = repo.normalise_handle(values["handle"])
    if not handle:
        bad("handle_missing")
    elif not HANDLE.fullmatch(handle):
        bad("handle_invalid", handle=values["handle"])
    elif handle.startswith(RESERVED_HANDLE_PREFIX):
        bad("handle_reserved", handle=handle)
    name = " ".join(values["name"].split())
    if not name:
        bad("name_missing")
    elif len(name) > MAX_NAME:
        bad("name_too_long", max=MAX_NAME)
    slack_id = values.get("slack_id", "").upper() or None
    if slack_id and not SLACK_ID.fullmatch(slack_id):
        bad("slack_id_invalid", slack_id=values["slack_id"])
    joined_on = _date(values["joined_on"], "joined_on", bad, required=True)
    status = STATUS_WORDS.get(fold(values["status"]))
    if not values["status"]:
        bad("status_missing")
    elif status is None:
        bad("status_unknown", text=values["status"])
    accepted = _date(values.get("cg_accepted_on", ""), "cg_accepted_on", bad, required=False)
    if accepted is not None and accepted > today:
        bad("date_in_future", column="cg_accepted_on", text=values["cg_accepted_on"])
    if problems or joined_on is None or status is None:
        return None, problems
    return RosterRow(line, handle, name, slack_id, joined_on, status, accepted), []


def _date(text: str, column: str, bad: Callable[..., None], *, required: bool) -> date | None:
    if not text:
        if required:
            bad("date_missing", column=column)
        return None
    day = parse_date(text)
    if day is None:
        bad("date_unreadable", column=column, text=text)
    return day


# --- writing ------------------------------------------------------------------------------


def _load(session: Session, handles: list[str]) -> dict[str, Assistant]:
    """The assistants the file names, locked: a concurrent edit waits for the import."""
    found: dict[str, Assistant] = {}
    for start in range(0, len(handles), CHUNK):
        query = select(Assistant).where(Assistant.handle.in_(handles[start : start + CHUNK]))
        found.update((a.handle, a) for a in session.scalars(query.with_for_update()))
    return found


def _target(row: RosterRow, current: Assistant | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row.name,
        "joined_on": row.joined_on,
        "status": row.status.value,
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
    existing = _load(session, [r.handle for r in rows])
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
    old = AssistantStatus(current.status) if current else None
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
    ids = sorted(wanted)
    for start in range(0, len(ids), CHUNK):
        query = select(Assistant.handle, Assistant.slack_user_id).where(
            Assistant.slack_user_id.in_(ids[start : start + CHUNK])
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
    existing = _load(session, [c.handle for c in changes if not c.is_new])
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
        repo.audit(
            session,
            actor=ACTOR,
            action=action,
            at=now,
            subject="assistant",
            subject_id=assistant.id,
            assistant_id=assistant.id,
            before=change.before or None,
            after=change.after,
        )
        if progress:
            progress(done, len(changes))


def _value(key: str, value: Any) -> Any:
    return date.fromisoformat(value) if key.endswith("_on") and value else value


def import_assistants(
    sessions: sessionmaker[Session],
    text: str,
    *,
    now: datetime,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check the whole file, then write all of it in one transaction, or nothing."""
    rows, problems = read_roster(text, today=today)
    result = ImportResult(rows=len(rows), problems=problems)
    session = sessions()
    try:
        if session.bind is not None and session.bind.dialect.name == "sqlite":
            session.connection()  # BEGIN IMMEDIATE: nobody writes between plan and apply
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
