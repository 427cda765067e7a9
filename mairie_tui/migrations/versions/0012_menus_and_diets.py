"""menus and children's diets: the canteen's menus, allergies and PAI (issue 15)

- ``menu``: one row per kitchen site and day (unique), with the starter, main
  course, dessert, the périscolaire's snack, the allergens it contains (codes of
  ``domain/menus.py``, comma-separated) and its labels (bio, local, végétarien).
  A site is named as ``activity.site`` names it.
- ``person``: a child's ``allergens`` (the same codes), ``diet`` (sans_porc,
  vegetarien), and PAI (projet d'accueil individualisé): ``pai_until`` and
  ``pai_document`` (where the signed document is). Plain added columns, with a
  server default for ``allergens``: no table is rebuilt.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from mairie_tui.models.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "menu",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starter", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("main_course", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("dessert", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("snack", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("allergens", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("labels", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site", "day", name="uq_menu_site_day"),
    )
    op.create_index(op.f("ix_menu_day"), "menu", ["day"], unique=False)
    op.add_column(
        "person",
        sa.Column(
            "allergens",
            sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "person", sa.Column("diet", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
    )
    op.add_column("person", sa.Column("pai_until", sa.Date(), nullable=True))
    op.add_column(
        "person",
        sa.Column("pai_document", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch rebuild of `person`
    # would drop a table other tables point to.
    for column in ("pai_document", "pai_until", "diet", "allergens"):
        op.execute(f"ALTER TABLE person DROP COLUMN {column}")
    op.drop_index(op.f("ix_menu_day"), table_name="menu")
    op.drop_table("menu")
