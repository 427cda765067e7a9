"""household search (PostgreSQL): short prefixes indexed as lexemes of their own

SQLite's FTS5 table keeps prefix indexes (prefix='1 2 3 4 5', migration
0005); PostgreSQL has none: a query word is a prefix range scan of the GIN
index (``'mar':*``), which for a short prefix unions the posting lists of
thousands of words (tens of milliseconds at 200 000 households).  The ``tsv``
column now also holds, for every word of the document, its prefixes of 1 to
5 characters behind a marker no word can hold (``^m ^ma ^mar ^mart ^marti``
for "martin"; documents and queries are letters and digits only; function
household_search_prefixes), so that a query word of at most 5 characters is
one exact lexeme, read as one posting list
(mairie_tui.services.search.tsquery_expression).  The column is re-created
(generated from the document, so the table is rewritten: about 45 s at
200 000 households on the benchmark machine); SQLite is unchanged.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Each word's prefixes of 1 to 5 characters behind the marker ("de" gives
# ^d ^de; array_to_tsvector keeps "marc martin"'s ^m ^ma ^mar once).  The words are the document's, as
# mairie_tui.services.search wrote them (letters and digits, one space apart);
# the marker and the length are that module's PREFIX_MARKER and PREFIX_MAX.
# A function because a generated column takes no subquery; a regular
# expression with optional groups costs ten times more per row.  "OR REPLACE":
# restoring an older backup (mairie_tui.backup) drops our newer tables, not
# this function, before the upgrade runs this migration again.
_PREFIXES_FUNCTION = """
CREATE OR REPLACE FUNCTION household_search_prefixes(document text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT array_to_tsvector(ARRAY(
        SELECT '^' || left(word, n)
        FROM unnest(string_to_array(document, ' ')) AS word,
             generate_series(1, least(5, length(word))) AS n));
END
"""
_WITH_PREFIXES = "to_tsvector('simple', document) || household_search_prefixes(document)"
_WORDS_ONLY = "to_tsvector('simple', document)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(_PREFIXES_FUNCTION)
        _generate_tsv(_WITH_PREFIXES)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        _generate_tsv(_WORDS_ONLY)
        op.execute("DROP FUNCTION household_search_prefixes(text)")


def _generate_tsv(expression: str) -> None:
    # A generated column's expression cannot be altered (PostgreSQL 15): the
    # column goes (its GIN index with it) and comes back, computed for every row.
    op.execute("ALTER TABLE household_search DROP COLUMN tsv")
    op.execute(
        "ALTER TABLE household_search ADD COLUMN tsv tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute("CREATE INDEX ix_household_search_tsv ON household_search USING gin (tsv)")
