"""The command line of ``python -m bench.reliability``: runs the chosen scenarios, prints the
table, optionally writes it as JSON or into docs/reliability.md; exit 1 when a row misses.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import bench.reliability
from bench.common import git_commit
from bench.reliability.scenarios import Scenarios
from bench.reliability.world import table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability",
                                     description=bench.reliability.__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer tries, shorter waits")
    parser.add_argument("--output", help="write the rows as JSON to this file")
    parser.add_argument("--docs", action="store_true", help="write the table to docs/reliability.md")
    parser.add_argument("--only", help="comma-separated scenario methods (signatures,duplicates,…)")
    args = parser.parse_args(argv)
    started = datetime.now(timezone.utc)
    order = ["signatures", "duplicates", "concurrent_sqlite", "concurrent_pg", "slack_failures",
             "refused_then_lazy", "fuzz", "injection", "sigkill", "two_instances"]
    chosen = args.only.split(",") if args.only else order
    with tempfile.TemporaryDirectory(prefix="vpabot-reliability-") as tmp:
        world = Scenarios(args.quick, Path(tmp))
        try:
            for name in chosen:
                print(f"{name} …", flush=True)
                if name == "concurrent_sqlite":
                    world.concurrent(world.main, "SQLite", world.fresh())
                else:
                    getattr(world, name)()
        finally:
            world.close()
    out = table(world.rows)
    commit = git_commit()
    print()
    print(out)
    failed = [r for r in world.rows if r.ok() is False]
    print(f"\n{len(failed)} of {sum(r.ok() is not None for r in world.rows)} rows miss the target; "
          f"commit {commit}")
    if args.output:
        Path(args.output).write_text(json.dumps([r.__dict__ for r in world.rows], indent=1))
    if args.docs:
        path = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
        text = path.read_text() if path.exists() else "# Reliability\n\n<!-- bench:start -->\n<!-- bench:end -->\n"
        block = (f"<!-- bench:start -->\nCommand: `python -m bench.reliability"
                 f"{' --quick' if args.quick else ''}` · commit `{commit}` · "
                 f"{started.isoformat(timespec='seconds')}\n\n{out}\n<!-- bench:end -->")
        path.write_text(re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", lambda _: block,
                               text, flags=re.S))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
