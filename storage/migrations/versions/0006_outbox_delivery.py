"""outbox delivery: lanes paced per channel, claims with a token, first attempt for history

Revision ID: outbox_1
Revises: scale_1
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
import vpabot.storage.models


revision = "outbox_1"
down_revision = "scale_1"
branch_labels = None
depends_on = None

# Methods that post a message into a conversation: paced and ordered per channel.
LANED = ("chat.postMessage", "files.upload_v2")
OPEN = "status IN ('pending', 'sending')"


def upgrade() -> None:
    op.add_column("outbox", sa.Column("lane", sa.String(length=80), nullable=True))
    op.add_column("outbox", sa.Column("lease_token", sa.String(length=32), nullable=True))
    op.add_column(
        "outbox",
        sa.Column("first_attempt_at", vpabot.storage.models.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_outbox_lane_open",
        "outbox",
        ["lane", "id"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_table(
        "outbox_lanes",
        sa.Column("lane", sa.String(length=80), nullable=False),
        sa.Column("not_before", vpabot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lane"),
    )
    # Rows still waiting join their channel's lane, so they keep their order after the upgrade.
    outbox = sa.table(
        "outbox", sa.column("id", sa.Integer), sa.column("method", sa.String),
        sa.column("payload", sa.JSON), sa.column("status", sa.String), sa.column("lane", sa.String),
    )
    bind = op.get_bind()
    waiting = bind.execute(
        sa.select(outbox.c.id, outbox.c.payload).where(
            outbox.c.status == "pending", outbox.c.method.in_(LANED)
        )
    ).all()
    for row_id, payload in waiting:
        channel = payload.get("channel") if isinstance(payload, dict) else None
        if channel:
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(lane=f"chat:{channel}"))


def downgrade() -> None:
    op.drop_table("outbox_lanes")
    op.drop_index("ix_outbox_lane_open", table_name="outbox")
    op.drop_column("outbox", "first_attempt_at")
    op.drop_column("outbox", "lease_token")
    op.drop_column("outbox", "lane")
