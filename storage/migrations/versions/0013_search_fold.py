"""search fold: re-index every name with the folding that transliterates all scripts

Revision ID: search_fold_1
Revises: lifted_index_1
Create Date: 2026-12-06

The search folded names by stripping accents, which drops every letter that has no base
letter under it: "Łukasz" was indexed as "ukasz", Cyrillic names not at all (found by
handle only), and "O'Brien" only as "o'brien", "o" and "brien", not "obrien".
``storage/search_fold.py`` now transliterates (anyascii) and also keeps a word with an
apostrophe without it. The schema is unchanged; the search key, words and pairs of every assistant are
written again, in batches, with the folding the app writes new names with.
"""

from alembic import op
import sqlalchemy as sa

from vpabot.storage.search_fold import search_key, search_words

revision = "search_fold_1"
down_revision = "lifted_index_1"
branch_labels = None
depends_on = None

BATCH = 1000  # assistants per round of deletes and executemanys


def upgrade() -> None:
    bind = op.get_bind()
    assistants = sa.table(
        "assistants", sa.column("id"), sa.column("name"), sa.column("handle"), sa.column("search_key")
    )
    words = sa.table("assistant_search_words", sa.column("word"), sa.column("assistant_id"))
    pairs = sa.table(
        "assistant_search_pairs", sa.column("first"), sa.column("assistant_id"), sa.column("second")
    )
    rows = bind.execute(
        sa.select(assistants.c.id, assistants.c.name, assistants.c.handle).order_by(assistants.c.id)
    ).all()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        ids = [r.id for r in chunk]
        bind.execute(pairs.delete().where(pairs.c.assistant_id.in_(ids)))
        bind.execute(words.delete().where(words.c.assistant_id.in_(ids)))
        bind.execute(
            assistants.update()
            .where(assistants.c.id == sa.bindparam("b_id"))
            .values(search_key=sa.bindparam("b_key")),
            [{"b_id": r.id, "b_key": search_key(r.name, r.handle)} for r in chunk],
        )
        folded = {r.id: search_words(r.name, r.handle) for r in chunk}  # cut to 200, each once
        bind.execute(words.insert(), [{"word": w, "assistant_id": a} for a, ws in folded.items() for w in ws])
        bind.execute(pairs.insert(), [
            {"first": first, "assistant_id": a, "second": second}
            for a, ws in folded.items() for first in ws for second in ws
        ])  # fmt: skip


def downgrade() -> None:
    """Nothing to undo in the schema. The words written here stay until an assistant is next
    saved: the older version finds names by them as before, except where it folds a typed
    letter differently ("Łukasz" typed in full: "ukasz"); such names it finds by handle."""
