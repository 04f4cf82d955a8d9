"""search pairs: two words of one assistant, for two-word picker searches

Revision ID: search_pairs_1
Revises: cg_months_1
Create Date: 2026-12-03

"anna sch" walked every "anna…" word and probed that assistant's words for a "sch…" one: the
longer the roster, the more "anna"s to pass before enough are also a "Sch…". Pairs of words
of one assistant, keyed (first, assistant, second), let the walk read the second word from
the entry it stands on. Filled from ``assistant_search_words`` (each word with every word of
the same assistant, itself included); the app keeps both (storage/models/assistants.py).
"""

from alembic import op
import sqlalchemy as sa

revision = "search_pairs_1"
down_revision = "cg_months_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    word = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
    op.create_table(
        "assistant_search_pairs",
        sa.Column("first", word, nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("second", word, nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["assistants.id"]),
        sa.PrimaryKeyConstraint("first", "assistant_id", "second"),
    )
    op.create_index(
        "ix_assistant_search_pairs_assistant_id", "assistant_search_pairs", ["assistant_id"]
    )
    op.execute(
        "INSERT INTO assistant_search_pairs (first, assistant_id, second) "
        "SELECT a.word, a.assistant_id, b.word FROM assistant_search_words a "
        "JOIN assistant_search_words b ON b.assistant_id = a.assistant_id"
    )


def downgrade() -> None:
    op.drop_index("ix_assistant_search_pairs_assistant_id", table_name="assistant_search_pairs")
    op.drop_table("assistant_search_pairs")
