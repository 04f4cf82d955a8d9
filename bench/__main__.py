"""``python -m bench [--quick] [--db sqlite|postgresql|both]``: vpabot's acks against a bare
Bolt app, side by side, on SQLite, PostgreSQL or each in turn (one table).

What one run does: ``bench/acks.py``. What the figures mean: bench/README.md and
docs/performance.md.

Exit code: 0 every target held, 1 some missed (the table says which), 2 the bench broke.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.acks import QUICK, FULL, Mode, Row, Run
from bench.common import git_commit
from bench.database import KINDS, LABELS


def table(rows: list[Row]) -> str:
    """The Markdown table; a row of a named database (``--db`` other than sqlite) says which."""
    lines = ["| measure | figure (vpabot p50 / p99 vs bare Bolt p50 / p99: ratio p99) | target | verdict |",
             "|---|---|---|---|"]
    lines += [f"| {r.db + ' · ' if r.db else ''}{r.measure} | {r.figure} | {r.target} | {r.verdict} |"
              for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small data, few samples")
    parser.add_argument("--db", choices=(*KINDS, "both"), default="sqlite",
                        help="the database vpabot runs on: a copy of the generated SQLite file "
                             "(default), a fresh PostgreSQL schema loaded from it "
                             "(TEST_DATABASE_URL names the server), or each in turn, one table")
    parser.add_argument("--output", help="write all figures as JSON to this file")
    parser.add_argument("--docs", action="store_true", help="write the table to docs/performance.md")
    parser.add_argument("--single", action="store_true",
                        help="one `vpabot serve` doing everything (role all) instead of "
                             "`serve --role web` + `vpabot worker`, the way production runs it")
    parser.add_argument("--series", action="append", metavar="TEXT",
                        help="only the ack series whose name contains TEXT (repeatable); skips "
                             "the slow-Slack, outbox and memory rows: for measuring while working")
    args = parser.parse_args(argv)
    if args.series and args.docs:
        parser.error("--docs records the whole table: run it without --series")
    mode = QUICK if args.quick else FULL
    kinds = KINDS if args.db == "both" else (args.db,)
    started = datetime.now(timezone.utc)
    print(f"bench ({mode.name}, {'one process' if args.single else 'serve --role web + worker'}, "
          f"{' then '.join(LABELS[k] for k in kinds)}): {mode.size.label}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    rows: list[Row] = []
    runs: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        print(f"{LABELS[kind]}:", flush=True)
        with tempfile.TemporaryDirectory(prefix="vpabot-bench-") as tmp:
            run = Run(mode, Path(tmp), kind, split=not args.single, named=args.db != "sqlite")
            try:
                run.everything(args.series)
            finally:  # also on Ctrl-C: stop the processes, drop the PostgreSQL schema
                run.close()
        rows += run.rows
        runs[kind] = run.data
    data: dict[str, Any] = runs[kinds[0]] if len(kinds) == 1 else {
        "mode": mode.name, "db": args.db, "runs": runs}
    data.update(deployment="one `vpabot serve`" if args.single else
                "`vpabot serve --role web` + `vpabot worker`", commit=git_commit(),
                started=started.isoformat(timespec="seconds"), load_after=os.getloadavg()[0],
                rows=[r.__dict__ for r in rows], databases=[LABELS[k] for k in kinds])
    out = table(rows)
    print()
    print(out)
    failed = [r for r in rows if r.ok is False]
    print(f"\n{len(failed)} of {sum(r.ok is not None for r in rows)} targets missed; "
          f"commit {data['commit']}, load {os.getloadavg()[0]:.2f}")
    if args.output:
        Path(args.output).write_text(json.dumps(data, indent=1, default=str))
    if args.docs:
        write_docs(out, data, mode, args.db)
    return 1 if failed else 0


def write_docs(out: str, data: dict[str, Any], mode: Mode, db: str = "sqlite") -> None:
    path = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
    path.parent.mkdir(exist_ok=True)
    text = path.read_text() if path.exists() else "# Performance\n\n<!-- bench:start -->\n<!-- bench:end -->\n"
    flags = (" --quick" if mode.name == "quick" else "") + (
        " --single" if data["deployment"].startswith("one") else "") + (
        f" --db {db}" if db != "sqlite" else "")
    block = (f"<!-- bench:start -->\nCommand: `python -m bench{flags}`"
             f" · commit `{data['commit']}` · {data['started']} · {mode.size.label}"
             f" · {data['deployment']} · {' and '.join(data['databases'])}"
             f" · load average after the run {data['load_after']:.1f} on {os.cpu_count()} CPUs\n\n{out}\n"
             "<!-- bench:end -->")
    text = re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", lambda _: block, text, flags=re.S)
    path.write_text(text)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # the bench itself broke: say so apart from "targets missed" (1)
        traceback.print_exc()
        sys.exit(2)
