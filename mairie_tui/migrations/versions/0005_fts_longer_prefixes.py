"""household_fts: prefix indexes up to 5 characters (SQLite)

A bare 4-digit phone prefix ("0466") or a 4-letter commune start ("ales") read
8 ms and 1 ms of the index with prefixes 1-3; 0.01 ms with 1-5 (index a third
larger). The table is re-created and its documents copied.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _recreate(prefix: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL matches prefixes in its tsquery: nothing to change.
    # The documents are copied, not rebuilt: rebuild_index writes the index's
    # current shape (0014 added columns), not this revision's.
    op.execute("ALTER TABLE household_fts RENAME TO household_fts_0005")
    op.execute(
        "CREATE VIRTUAL TABLE household_fts USING fts5("
        f"document, tokenize='unicode61 remove_diacritics 2', prefix='{prefix}')"
    )
    op.execute(
        "INSERT INTO household_fts (rowid, document) SELECT rowid, document FROM household_fts_0005"
    )
    op.execute("DROP TABLE household_fts_0005")
    op.execute("INSERT INTO household_fts (household_fts) VALUES ('optimize')")


def upgrade() -> None:
    _recreate("1 2 3 4 5")


def downgrade() -> None:
    _recreate("1 2 3")
