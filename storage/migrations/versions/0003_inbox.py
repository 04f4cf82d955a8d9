"""durable inbox of acknowledged Slack requests; pending 'really severe?' questions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
import vpabot.storage.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbound_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('command', sa.JSON(), nullable=False),
    sa.Column('origin', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', vpabot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reply', sa.JSON(), nullable=True),
    sa.Column('received_at', vpabot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', vpabot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedup_key')
    )
    op.create_index('ix_inbound_requests_state_lease', 'inbound_requests', ['state', 'lease_until'], unique=False)
    op.create_table('severe_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('command', sa.JSON(), nullable=False),
    sa.Column('asked_by', sa.String(length=32), nullable=False),
    sa.Column('asked_at', vpabot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', vpabot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('severe_questions')
    op.drop_index('ix_inbound_requests_state_lease', table_name='inbound_requests')
    op.drop_table('inbound_requests')
