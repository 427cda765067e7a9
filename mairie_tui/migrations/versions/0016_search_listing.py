"""household search index: it carries what the list of hits shows

The dossier, commune, phone shown, email, representative's names and the
children's first names (a JSON array, column ``listing``) are stored next to
each document, so a
search reads the index alone instead of joining the households and members
(at 200 000 households that join cost 4-5 times the index query).  SQLite: the
FTS5 table is re-created with an UNINDEXED column; PostgreSQL: a column added
to household_search.  Both are refilled from the households.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op
from sqlmodel import Session

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_FTS5_OPTIONS = "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5'"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS household_fts")
        op.execute(
            "CREATE VIRTUAL TABLE household_fts USING fts5("
            f"document, listing UNINDEXED, {_FTS5_OPTIONS})"
        )
    else:
        op.execute("ALTER TABLE household_search ADD COLUMN listing TEXT")
    from mairie_tui.services.search import rebuild_index

    rebuild_index(Session(bind=bind))


def downgrade() -> None:
    # The documents stay: only the listing goes.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE household_fts RENAME TO household_fts_0014")
        op.execute(f"CREATE VIRTUAL TABLE household_fts USING fts5(document, {_FTS5_OPTIONS})")
        op.execute(
            "INSERT INTO household_fts (rowid, document) "
            "SELECT rowid, document FROM household_fts_0014"
        )
        op.execute("DROP TABLE household_fts_0014")
    else:
        op.execute("ALTER TABLE household_search DROP COLUMN listing")
