"""views that scale: folded assistant search, indexes for Home, lists and the report

Revision ID: scale_1
Revises: harden_1
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

from vpabot.storage.search_fold import search_key, search_words

revision = "scale_1"
down_revision = "harden_1"
branch_labels = None
depends_on = None

ACTIVE = sa.text("lifted_at IS NULL")
WORKING = sa.text("ended_on IS NULL")
BATCH = 1000  # rows per executemany while filling the search columns


def upgrade() -> None:
    with op.batch_alter_table("assistants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_key", sa.Text(), nullable=False, server_default=""))
    word = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
    words = op.create_table(
        "assistant_search_words",
        sa.Column("word", word, nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["assistants.id"]),
        sa.PrimaryKeyConstraint("word", "assistant_id"),
    )
    op.create_index(
        "ix_assistant_search_words_assistant_id", "assistant_search_words", ["assistant_id"]
    )
    op.create_index(
        "ix_assistants_cg_due", "assistants", ["cg_accepted_on", "handle", "status"],
        sqlite_where=WORKING, postgresql_where=WORKING,
    )
    op.create_index(
        "ix_violations_logged_at", "violations",
        ["logged_at", "state", "source", "tag", "step", "severe"],
    )
    op.create_index("ix_violations_state_logged_at", "violations", ["state", "logged_at"])
    op.create_index(
        "ix_sales_stops_active_until", "sales_stops", ["until"],
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )
    op.create_index(
        "ix_sales_stops_active_set_by", "sales_stops", ["set_by", "until"],
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )
    op.create_index("ix_audit_events_subject", "audit_events", ["subject", "subject_id"])
    _fill_search(words)


def _fill_search(words: sa.Table) -> None:
    """Fold every existing name and handle with the same function the app uses on writes.

    Python, not SQL: neither database folds umlauts and accents the way ``policy.text`` does.
    """
    bind = op.get_bind()
    assistants = sa.table(
        "assistants", sa.column("id"), sa.column("name"), sa.column("handle"),
        sa.column("search_key"),
    )
    rows = bind.execute(sa.select(assistants.c.id, assistants.c.name, assistants.c.handle)).all()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        bind.execute(
            assistants.update()
            .where(assistants.c.id == sa.bindparam("b_id"))
            .values(search_key=sa.bindparam("b_key")),
            [{"b_id": r.id, "b_key": search_key(r.name, r.handle)} for r in chunk],
        )
        found = [
            {"word": w[:200], "assistant_id": r.id} for r in chunk for w in search_words(r.name, r.handle)
        ]
        if found:
            bind.execute(words.insert(), found)


def downgrade() -> None:
    op.drop_index("ix_audit_events_subject", table_name="audit_events")
    op.drop_index(
        "ix_sales_stops_active_set_by", table_name="sales_stops",
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )
    op.drop_index(
        "ix_sales_stops_active_until", table_name="sales_stops",
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )
    op.drop_index("ix_violations_state_logged_at", table_name="violations")
    op.drop_index("ix_violations_logged_at", table_name="violations")
    op.drop_index("ix_assistant_search_words_assistant_id", table_name="assistant_search_words")
    op.drop_table("assistant_search_words")
    op.drop_index(
        "ix_assistants_cg_due", table_name="assistants", sqlite_where=WORKING, postgresql_where=WORKING
    )
    with op.batch_alter_table("assistants", schema=None) as batch_op:
        batch_op.drop_column("search_key")
