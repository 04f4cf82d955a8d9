"""spool marks: how far the inbox has taken each SQLite spool file's rows

Revision ID: spool_marks_1
Revises: search_fold_1
Create Date: 2026-12-07

On SQLite, write acks commit to a spool file beside the database (``storage/spool.py``) and
the worker's claim copies them into ``inbound_requests``. The highest copied row id is kept
here, in the copying transaction: the spool is written by acks only.
"""

from alembic import op
import sqlalchemy as sa

revision = "spool_marks_1"
down_revision = "search_fold_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_spool_marks",
        sa.Column("spool", sa.String(36), primary_key=True),
        sa.Column("moved_through", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbox_spool_marks")
