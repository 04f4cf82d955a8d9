"""stop end dates: each end date a stop held, for the monthly report's reviews

Revision ID: end_dates_1
Revises: rollup_1
Create Date: 2026-12-03

The monthly report replayed the audit trail of every stop a month concerned (~865 stops of a
month on 10,000 assistants). ``stop_end_dates`` holds the replay's result, one row per dated
set/change of a stop, kept by the app in the writing transaction (storage/stop_history.py);
this migration creates it and fills it from the stops and trails already there, so months
before this revision are reported exactly as before.
"""

from datetime import date

from alembic import op
import sqlalchemy as sa

revision = "end_dates_1"
down_revision = "rollup_1"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    op.create_table(
        "stop_end_dates",
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["stop_id"], ["sales_stops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("stop_id", "seq"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_stop_end_dates_until", "stop_end_dates", ["until", "next_at", "latest", "stop_id"]
    )
    # Stops set in a month, counted from the index alone (lifted before the month or not).
    op.drop_index("ix_sales_stops_starts_on", table_name="sales_stops")
    op.create_index("ix_sales_stops_starts_on", "sales_stops", ["starts_on", "lifted_at"])
    _backfill(op.get_bind())


def _backfill(bind: sa.Connection) -> None:
    """The same replay as storage/stop_history.py, written out so this migration never
    changes when the app's code does."""
    meta = sa.MetaData()
    stops = sa.Table(
        "sales_stops", meta, sa.Column("id", sa.Integer), sa.Column("starts_on", sa.Date),
        sa.Column("until", sa.Date), sa.Column("lifted_at", sa.DateTime(timezone=True)),
    )
    events = sa.Table(
        "audit_events", meta, sa.Column("id", sa.Integer), sa.Column("at", sa.DateTime(timezone=True)),
        sa.Column("action", sa.String), sa.Column("subject", sa.String),
        sa.Column("subject_id", sa.Integer), sa.Column("before", sa.JSON), sa.Column("after", sa.JSON),
    )
    target = sa.Table(
        "stop_end_dates", meta, sa.Column("stop_id", sa.Integer), sa.Column("seq", sa.Integer),
        sa.Column("until", sa.Date), sa.Column("next_at", sa.DateTime(timezone=True)),
        sa.Column("latest", sa.Boolean),
    )
    ids = bind.scalars(sa.select(stops.c.id).order_by(stops.c.id)).all()
    for lo in range(0, len(ids), BATCH):
        batch = ids[lo : lo + BATCH]
        trails: dict[int, list] = {}
        for row in bind.execute(
            sa.select(events.c.subject_id, events.c.at, events.c.action, events.c.before, events.c.after)
            .where(events.c.subject == "stop", events.c.subject_id.in_(batch),
                   events.c.action.in_(("stop.set", "stop.changed")))
            .order_by(events.c.subject_id, events.c.at, events.c.id)
        ):
            trails.setdefault(row.subject_id, []).append(row)
        rows = []
        for stop in bind.execute(
            sa.select(stops.c.id, stops.c.starts_on, stops.c.until, stops.c.lifted_at)
            .where(stops.c.id.in_(batch))
        ):
            rows += _rows(stop, trails.get(stop.id, []))
        if rows:
            bind.execute(target.insert(), rows)


def _until(values):
    raw = (values or {}).get("until")
    return date.fromisoformat(raw) if raw else None


def _rows(stop, trail) -> list[dict]:
    # (at, action, until); a set the trail lacks comes first with the first end date known.
    steps = [(e.at, e.action.removeprefix("stop."), _until(e.after)) for e in trail]
    if not steps or steps[0][1] != "set":
        steps.insert(0, (None, "set", _until(trail[0].before) if trail else stop.until))
    if stop.lifted_at is not None:
        steps.append((stop.lifted_at, "lifted", None))
    last = max((i for i, s in enumerate(steps) if s[1] != "lifted"), default=-1)
    return [
        {"stop_id": stop.id, "seq": i, "until": until,
         "next_at": steps[i + 1][0] if i + 1 < len(steps) else None, "latest": i == last}
        for i, (_at, action, until) in enumerate(steps)
        if action != "lifted" and until is not None
    ]


def downgrade() -> None:
    op.drop_index("ix_sales_stops_starts_on", table_name="sales_stops")
    op.create_index("ix_sales_stops_starts_on", "sales_stops", ["starts_on"])
    op.drop_index("ix_stop_end_dates_until", table_name="stop_end_dates")
    op.drop_table("stop_end_dates")
