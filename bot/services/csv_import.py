"""What the CSV imports share: problems, decoding, the spreadsheet dialects, locked loading.

An import reads the whole file first and writes nothing if one line is bad, so problems are
collected (codes and values, worded by the CLI from the catalogues), not raised one by one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.policy.text import clean
from vpabot.storage.models import Assistant

CHUNK = 500  # values per IN (...) query
DELIMITERS = (",", ";", "\t")

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """Why a line cannot be imported: ``code`` is looked up under the import's catalogue prefix
    (``roster.error.<code>``, ``cg.import.error.<code>``)."""

    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class BadFile(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); Excel on Windows still saves CSV as cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def delimiter(header: str) -> str:
    """German spreadsheets write ';', others ','; a header line tells which."""
    counts = {sep: header.count(sep) for sep in DELIMITERS}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def column(name: str) -> str:
    """A header cell as a column name: ``Joined On`` is ``joined_on``."""
    return "_".join(name.strip().lower().split())


class Table:
    """A CSV file's normalised header and, read lazily, its records. Line 1 is the header."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self.header = [column(name) for name in next(reader)]

    @classmethod
    def read(cls, text: str) -> Table | None:
        """The file as a table; None when it holds nothing but blank lines (``empty_file``)."""
        text = text.lstrip("\ufeff")
        lines = text.splitlines()
        if not any(line.strip() for line in lines):
            return None
        return cls(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(lines[0])))

    def records(self, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
        """Line number and cells of each record that is not blank, cleaned of control
        characters (policy.text.clean, like every typed or form input).

        A record the csv module cannot read (a quote left open) ends the file: it adds a
        ``csv`` problem to ``problems``, since nothing after it can be trusted.
        """
        while True:
            line = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                problems.append(Problem(line, "csv", {"reason": str(error)}))
                return
            cells = [clean(cell) for cell in cells]  # no NUL or other control characters
            if any(cell.strip() for cell in cells):
                yield line, cells


def chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices of CHUNK, so that an IN (...) list stays small on every database."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def lock_assistants(session: Session, handles: Sequence[str]) -> dict[str, Assistant]:
    """The assistants the file names, by handle, locked: a concurrent edit waits for the import."""
    found: dict[str, Assistant] = {}
    for part in chunks(handles):
        query = select(Assistant).where(Assistant.handle.in_(part)).with_for_update()
        found.update((a.handle, a) for a in session.scalars(query))
    return found


def begin_write(session: Session) -> None:
    """On SQLite, take the write lock now (BEGIN IMMEDIATE): nobody writes between the check
    and the write. PostgreSQL locks the rows as they are loaded (:func:`lock_assistants`)."""
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        session.connection()
