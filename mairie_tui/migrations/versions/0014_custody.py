"""custody: a child's alternating custody between its two representatives

``custody``: one row per child at most (``child_id`` unique): ``odd_even`` (the
first representative has the odd ISO weeks, the second the even ones) or
``custom`` (the first has the ISO weeks listed in ``weeks``, « 1,2,5 », the
second the others). Deleting the child or a representative deletes the row.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from mairie_tui.models.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custody",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("first_representative_id", sa.Integer(), nullable=False),
        sa.Column("second_representative_id", sa.Integer(), nullable=False),
        sa.Column("weeks", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("mode IN ('odd_even', 'custom')", name="ck_custody_mode"),
        sa.CheckConstraint(
            "first_representative_id <> second_representative_id", name="ck_custody_two_people"
        ),
        sa.ForeignKeyConstraint(["child_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["first_representative_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["second_representative_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["agent.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id"),
    )


def downgrade() -> None:
    op.drop_table("custody")
