"""household_fts: prefix indexes up to 5 characters (SQLite)

A bare 4-digit phone prefix ("0466") or a 4-letter commune start ("ales") read
8 ms and 1 ms of the index with prefixes 1-3; 0.01 ms with 1-5 (index a third
larger). The table is re-created and refilled from the households.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op
from sqlmodel import Session

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _recreate(prefix: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL matches prefixes in its tsquery: nothing to change.
    op.execute("DROP TABLE IF EXISTS household_fts")
    op.execute(
        "CREATE VIRTUAL TABLE household_fts USING fts5("
        f"document, tokenize='unicode61 remove_diacritics 2', prefix='{prefix}')"
    )
    from mairie_tui.services.search import rebuild_index

    rebuild_index(Session(bind=bind))


def upgrade() -> None:
    _recreate("1 2 3 4 5")


def downgrade() -> None:
    _recreate("1 2 3")
