"""The stage every reliability scenario plays on: the fake Slack, a ``vpabot serve`` on a copy of
the small data set, handles nobody has touched yet, and the rows the scenarios add.
"""

from __future__ import annotations

from pathlib import Path

from bench import dataset as ds
from bench.common import FakeSlackProcess
from bench.reliability.world import Row, Server


class Stage:
    """What the scenario classes share; ``Scenarios`` (scenarios.py) combines them on one stage."""

    def __init__(self, quick: bool, workdir: Path) -> None:
        self.quick, self.workdir = quick, workdir
        self.fake = FakeSlackProcess()
        self.db = ds.copy_to(ds.dataset(ds.SMALL), workdir)
        self.main = Server(workdir, self.fake, self.db, "vpabot")
        self.rows: list[Row] = []
        self._fresh = iter(range(ds.FRESH))

    def fresh(self) -> str:
        """A handle nobody has touched in this run."""
        return ds.fresh_handle(next(self._fresh))

    def close(self) -> None:
        self.main.close()
        self.fake.close()

    def add(self, row: Row, server: Server | None = None) -> None:
        row.tracebacks += (server or self.main).new_tracebacks()
        self.rows.append(row)
        print(f"  {row.scenario}: tried {row.tried}, refused {row.refused_ok}, expected "
              f"{row.expected}, delivered {row.delivered}, dup {row.duplicated}, lost {row.lost}, "
              f"dead {row.dead}, 5xx {row.five_xx}, tracebacks {row.tracebacks} {row.note}",
              flush=True)
