"""lifted index: ix_sales_stops_lifted_at covers lifted stops only

Revision ID: lifted_index_1
Revises: search_pairs_1
Create Date: 2026-11-30

SQLite keeps one figure per index (rows per distinct value): on the full index of lift
instants, `lifted_at IS NULL` looked like a lookup of a handful of rows, so `/vpa stops`
fetched every active stop through it and sorted them all for one page, instead of walking
the partial ix_sales_stops_active_until in page order (1.4 ms against 0.2 ms for the first
page of 1,400 active stops). Only lifted stops in this index: the NULL lookup cannot take it,
and the monthly report's ranges of lift instants (which imply NOT NULL) still do.
"""

from alembic import op
from sqlalchemy import text

revision = "lifted_index_1"
down_revision = "search_pairs_1"
branch_labels = None
depends_on = None

WHERE = text("lifted_at IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_sales_stops_lifted_at", table_name="sales_stops")
    op.create_index(
        "ix_sales_stops_lifted_at", "sales_stops", ["lifted_at"],
        sqlite_where=WHERE, postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_sales_stops_lifted_at", table_name="sales_stops")
    op.create_index("ix_sales_stops_lifted_at", "sales_stops", ["lifted_at"])
