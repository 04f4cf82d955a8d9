"""Active VT-Stops for the scheduling system (Zeitplanung): records, CSV and JSON.

One shape for both ways out (``vpabot export stops`` and ``GET /api/stops``), so the
scheduling system reads the same truth whichever it uses. Field names and labels are a
contract with another system: they do not follow ``VPA_LANGUAGE`` or the message catalogues.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TypedDict

from vpabot.bot.context import AppContext
from vpabot.bot.services.reviews import load_active_stops
from vpabot.bot.results.stops import ActiveStop
from vpabot.policy.stops import StopKind
from vpabot.policy.text import neutralise_cell

FORMATS = ("csv", "json")
FIELDS = ("handle", "name", "kind", "kind_label", "since", "until", "review_overdue")
KIND_LABELS = {StopKind.FULL: "VT-Stop", StopKind.CUSTOMERS: "VT-Stop (Kunden)"}


class StopRecord(TypedDict):
    handle: str
    name: str
    kind: str  # "voll" | "kunden"
    kind_label: str
    since: str  # ISO date the stop began
    until: str | None  # ISO date; None: open-ended (resigned, excluded, ended)
    review_overdue: bool


def stop_records(stops: Iterable[ActiveStop]) -> list[StopRecord]:
    """Export records, sorted by handle (a stable order for diffs on the other side)."""
    return [
        StopRecord(
            handle=stop.handle,
            name=stop.name,
            kind=str(stop.kind),  # a member, or a kind this version does not know (text)
            kind_label=KIND_LABELS.get(stop.kind, str(stop.kind)),
            since=stop.starts_on.isoformat(),
            until=stop.until.isoformat() if stop.until else None,
            review_overdue=stop.overdue,
        )
        for stop in sorted(stops, key=lambda s: s.handle)
    ]


def export_records(ctx: AppContext) -> list[StopRecord]:
    """The active stops at ``ctx.now()`` as records, read without the write lock.

    Needs only the core settings (the CLI has no Slack tokens); review-overdue follows
    ``VPA_TIMEZONE`` like everywhere else in the bot.
    """
    with ctx.read() as session:
        return stop_records(
            load_active_stops(session, now=ctx.now(), tz=ctx.settings.timezone, holidays=ctx.holidays)
        )


def to_csv(records: Iterable[StopRecord]) -> str:
    """Header row, then one row per stop; ``until`` empty when open-ended. A cell starting
    with ``=``, ``+``, ``-``, ``@``, tab or CR is prefixed with ``'`` (policy.text.neutralise_cell)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for record in records:
        cells = [
            record["handle"],
            record["name"],
            record["kind"],
            record["kind_label"],
            record["since"],
            record["until"] or "",
            "true" if record["review_overdue"] else "false",
        ]
        # Names are refused when they start like a formula, but rows older than that rule
        # (or a handle) must not run in the planner's spreadsheet either (OWASP CSV injection).
        writer.writerow([neutralise_cell(cell) for cell in cells])
    return out.getvalue()


def to_json(records: Iterable[StopRecord], *, generated_at: datetime | None = None) -> str:
    """``{"stops": [...], "count": n, "generated_at": "...Z"}``; ``until`` null when open-ended."""
    stops = list(records)
    instant = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    document = {
        "stops": stops,
        "count": len(stops),
        "generated_at": instant.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def render(records: list[StopRecord], fmt: str, *, generated_at: datetime | None = None) -> str:
    if fmt == "csv":
        return to_csv(records)
    if fmt == "json":
        return to_json(records, generated_at=generated_at)
    raise ValueError(f"unknown export format {fmt!r}")
