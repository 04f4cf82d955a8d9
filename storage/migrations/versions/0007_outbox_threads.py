"""outbox threads: a follow-up names the outbox row whose message it replies to

Revision ID: threads_1
Revises: outbox_1
Create Date: 2026-12-01

A stop's change, extension or lift is posted in the thread of its first team announcement,
and a review re-reminder under the first reminder. The parent's ts is only known once the
dispatcher has delivered it, so the follow-up stores the parent's outbox id and the
dispatcher reads the ts when it sends the follow-up.
"""

from alembic import op
import sqlalchemy as sa


revision = "threads_1"
down_revision = "outbox_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("thread_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_thread_of_id_outbox", "outbox", ["thread_of_id"], ["id"])
    # The thread's parent is looked up by the stop it is about.
    op.create_index("ix_outbox_subject", "outbox", ["subject_id", "purpose"])


def downgrade() -> None:
    op.drop_index("ix_outbox_subject", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("fk_outbox_thread_of_id_outbox", type_="foreignkey")
        batch.drop_column("thread_of_id")
