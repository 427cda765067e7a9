"""concurrency guards: one live enrolment per child x activity x overlapping period

Two desks enrolling the same child in the same activity at once both passed
the service's check on PostgreSQL and wrote two enrolments. The database now
refuses the second row itself:

- PostgreSQL: an EXCLUDE constraint (btree_gist) on person_id =, activity_id =,
  daterange(start_date, end_date, '[]') &&, for enrolments not ended. A desk
  inserting an overlapping row waits for the first desk's transaction, then
  fails with exclusion_violation (23P01), which the service turns into French.
- SQLite: BEFORE INSERT / BEFORE UPDATE triggers that RAISE(ABORT) on overlap
  (writers are serialised by BEGIN IMMEDIATE there: the triggers catch rows
  written outside the services). A later batch migration that re-creates the
  enrolment table on SQLite must re-create these triggers.

The upgrade stops with a clear message if the data already holds overlaps.
Household external ids and dossier numbers were already unique (0001).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CONSTRAINT = "ex_enrolment_overlap"
MESSAGE = f"{CONSTRAINT} : inscription en double (même enfant, même activité, même période)"
OVERLAP = """
    {alias}.person_id = {new}.person_id
    AND {alias}.activity_id = {new}.activity_id
    AND {alias}.status <> 'ended'
    AND {alias}.start_date <= {new}.end_date
    AND {alias}.end_date >= {new}.start_date
"""


def _refuse_existing_overlaps() -> None:
    rows = op.get_bind().execute(
        text(
            "SELECT a.id, b.id FROM enrolment a JOIN enrolment b ON a.id < b.id AND "
            + OVERLAP.format(alias="b", new="a")
            + " AND a.status <> 'ended' ORDER BY a.id, b.id LIMIT 20"
        )
    ).all()
    if rows:
        pairs = ", ".join(f"{a} et {b}" for a, b in rows)
        raise RuntimeError(
            "Migration 0006 impossible : des inscriptions se chevauchent déjà "
            f"(n° {pairs}). Terminez (statut « ended ») l'une de chaque paire, puis relancez."
        )


def _sqlite_trigger(when: str) -> str:
    columns = "" if when == "INSERT" else " OF person_id, activity_id, start_date, end_date, status"
    return f"""
        CREATE TRIGGER enrolment_no_overlap_{when.lower()}
        BEFORE {when}{columns} ON enrolment
        WHEN NEW.status <> 'ended' AND EXISTS (
            SELECT 1 FROM enrolment e WHERE e.id IS NOT NEW.id AND
            {OVERLAP.format(alias="e", new="NEW")}
        )
        BEGIN
            SELECT RAISE(ABORT, '{MESSAGE}');
        END
    """


def upgrade() -> None:
    _refuse_existing_overlaps()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            f"ALTER TABLE enrolment ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
            "person_id WITH =, activity_id WITH =, "
            "daterange(start_date, end_date, '[]') WITH &&"
            ") WHERE (status <> 'ended')"
        )
        return
    op.execute(_sqlite_trigger("INSERT"))
    op.execute(_sqlite_trigger("UPDATE"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE enrolment DROP CONSTRAINT IF EXISTS {CONSTRAINT}")
        return
    op.execute("DROP TRIGGER IF EXISTS enrolment_no_overlap_insert")
    op.execute("DROP TRIGGER IF EXISTS enrolment_no_overlap_update")
