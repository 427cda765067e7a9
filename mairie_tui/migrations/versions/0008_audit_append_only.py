"""audit append-only: the journal refuses UPDATE and DELETE; index by entity

Any desk could rewrite or erase its own traces with plain SQL. The database
now refuses it whoever asks (only the owner of the table, who runs the
migrations, could drop the trigger; the desks' role has no DDL rights, see
the README « Rôle des postes sur PostgreSQL »):

- PostgreSQL: a trigger function raising « le journal d'audit ne se modifie
  pas », called BEFORE UPDATE OR DELETE on each row and BEFORE TRUNCATE.
- SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT). A later
  batch migration that re-creates the auditevent table on SQLite must
  re-create these triggers.

Dropping the table (demo --force, restore, downgrade) stays possible. An
index on (entity, entity_id) serves a household's history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MESSAGE = "le journal d'audit ne se modifie pas"
SQL_MESSAGE = MESSAGE.replace("'", "''")  # as an SQL string literal
FUNCTION = "auditevent_append_only"


def upgrade() -> None:
    op.create_index("ix_auditevent_entity", "auditevent", ["entity", "entity_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{SQL_MESSAGE}'
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER auditevent_no_change BEFORE UPDATE OR DELETE ON auditevent "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
        op.execute(
            f"CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON auditevent "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER auditevent_no_{operation.lower()} BEFORE {operation} ON auditevent "
            f"BEGIN SELECT RAISE(ABORT, '{SQL_MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS auditevent_no_change ON auditevent")
        op.execute("DROP TRIGGER IF EXISTS auditevent_no_truncate ON auditevent")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        op.execute("DROP TRIGGER IF EXISTS auditevent_no_update")
        op.execute("DROP TRIGGER IF EXISTS auditevent_no_delete")
    op.drop_index("ix_auditevent_entity", table_name="auditevent")
