"""cg month figures: the monthly report's CG figures of closed months, stored by the sweep

Revision ID: cg_months_1
Revises: end_dates_1
Create Date: 2026-12-03

Counting "CG accepted at month end" reads the roster and the acceptance trail of everyone who
accepted since. ``cg_month_figures`` keeps that count for closed months; the app drops a month's
row in the transaction of any roster write that could change it (storage/cg_months.py). No
backfill: a month without a row is counted from the roster as before, with the same result,
until the monthly report's sweep stores it.
"""

from alembic import op
import sqlalchemy as sa

revision = "cg_months_1"
down_revision = "end_dates_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cg_month_figures",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", "tz"),
    )


def downgrade() -> None:
    op.drop_table("cg_month_figures")
