"""Reading a roster CSV (``vpabot import assistants``): its columns and rows, no database.

Every row is checked, and each problem is collected with its line (codes and values: the CLI
words them from the catalogues), so the admin sees all that is wrong with a file at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from vpabot.bot.services.assistants import HANDLE, RESERVED_HANDLE_PREFIX
from vpabot.bot.services.csv_import import Problem, Table
from vpabot.policy.catalogue import fold
from vpabot.policy.dates import parse_day
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus
from vpabot.policy.text import MAX_NAME, check_name
from vpabot.storage import repositories as repo

REQUIRED = ("handle", "name", "joined_on", "status")
OPTIONAL = ("slack_id", "cg_accepted_on")
COLUMNS = REQUIRED + OPTIONAL
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


@dataclass(frozen=True)
class RosterRow:
    line: int
    handle: str
    name: str
    slack_id: str | None
    joined_on: date
    status: AssistantStatus
    cg_accepted_on: date | None


def read_roster(text: str, *, today: date) -> tuple[list[RosterRow], list[Problem]]:
    """Rows and problems of a roster CSV. Pure: no database. Line numbers count from 1."""
    table = Table.read(text)
    if table is None:
        return [], [Problem(1, "empty_file")]
    header = table.header
    problems = _header_problems(header)
    if problems:
        return [], problems
    rows: list[RosterRow] = []
    first_line: dict[str, int] = {}
    slack_line: dict[str, int] = {}
    for line, cells in table.records(problems):
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
    else:
        try:
            check_name(name)  # the limit and the formula rule of every other way in
        except PolicyError as error:
            bad(error.code, max=MAX_NAME, **error.params)
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
    try:
        return parse_day(text)
    except PolicyError:
        bad("date_unreadable", column=column, text=text)
        return None
