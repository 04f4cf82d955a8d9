"""report rollups: violations counted per UTC month and report key

Revision ID: rollup_1
Revises: threads_1
Create Date: 2026-12-02

The monthly report grouped every violation of the month (500,000 violations: ~21,000 rows a
month). ``violation_month_counts`` holds those groups, kept by the app in the writing
transaction (storage/rollups.py); this migration creates it and counts what is there.
Stops and reviews of a month are found by their dates: lifts and stop changes get an index.
"""

from alembic import op
import sqlalchemy as sa

revision = "rollup_1"
down_revision = "threads_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "violation_month_counts",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("rung", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "source", "tag", "rung", "state"),
    )
    bind = op.get_bind()
    # The same count as storage/rollups.rebuild, written out so this migration never changes
    # when the app's code does. UTC month: SQLite holds naive UTC text, PostgreSQL timestamptz.
    month = (
        "to_char(timezone('UTC', logged_at), 'YYYY-MM')"
        if bind.dialect.name == "postgresql"
        else "substr(logged_at, 1, 7)"
    )
    rung = "CASE WHEN severe OR step IS NULL THEN 0 ELSE step END"
    op.execute(
        "INSERT INTO violation_month_counts (month, source, tag, rung, state, count) "
        f"SELECT {month}, source, tag, {rung}, state, count(*) FROM violations "
        f"GROUP BY {month}, source, tag, {rung}, state"
    )
    op.create_index("ix_sales_stops_starts_on", "sales_stops", ["starts_on"])
    op.create_index("ix_sales_stops_lifted_at", "sales_stops", ["lifted_at"])
    op.create_index("ix_sales_stops_until", "sales_stops", ["until"])
    op.create_index("ix_audit_events_action_at", "audit_events", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_action_at", table_name="audit_events")
    op.drop_index("ix_sales_stops_until", table_name="sales_stops")
    op.drop_index("ix_sales_stops_lifted_at", table_name="sales_stops")
    op.drop_index("ix_sales_stops_starts_on", table_name="sales_stops")
    op.drop_table("violation_month_counts")
