"""text limits: the database refuses what the bot refuses (CHECK length(x) <= n)

String(n) is a limit on PostgreSQL but SQLite ignores it, and Text has none anywhere: a
10,000-character name passed SQLite and crashed PostgreSQL. The same CHECK constraints on both
make the limits of policy/text.py (README "Limits") the database's too. SQLite adds them by
rebuilding each table (Alembic batch mode), which keeps its rows, indexes and keys.

Rows already longer than a limit stop the upgrade with a message naming them: nothing once
stored is cut off silently.

Revision ID: harden_1
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

# Frozen here (not imported from models): a migration must mean the same thing forever.
# Same values as storage.models.base.TEXT_CHECKS at this revision; a test compares them.
TEXT_CHECKS = {
    "assistants": (("handle", 64), ("name", 100)),
    "violations": (("note", 3000), ("decision_reason", 3000)),
    "notes": (("text", 3000),),
    "sales_stops": (("note", 3000), ("lift_note", 3000)),
}

revision = "harden_1"
down_revision = "0003"
branch_labels = None
depends_on = None


def _too_long(table: str, column: str, limit: int) -> list[int]:
    query = sa.text(f"SELECT id FROM {table} WHERE length({column}) > :limit ORDER BY id LIMIT 20")
    return [row[0] for row in op.get_bind().execute(query, {"limit": limit})]


def upgrade() -> None:
    problems = []
    for table, checks in TEXT_CHECKS.items():
        for column, limit in checks:
            ids = _too_long(table, column, limit)
            if ids:
                problems.append(f"{table}.{column} > {limit} characters: ids {ids}")
    if problems:
        raise RuntimeError(
            "harden_1: shorten these rows before upgrading (nothing was changed): "
            + "; ".join(problems)
        )
    for table, checks in TEXT_CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for column, limit in checks:
                batch.create_check_constraint(
                    f"ck_{table}_{column}_length", f"length({column}) <= {limit}"
                )


def downgrade() -> None:
    for table, checks in TEXT_CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for column, _limit in checks:
                batch.drop_constraint(f"ck_{table}_{column}_length", type_="check")
