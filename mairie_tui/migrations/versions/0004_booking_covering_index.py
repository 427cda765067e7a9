"""booking index covering headcounts: (unit_id, day, status, enrolment_id)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_unit_day")
        batch_op.create_index(
            "ix_booking_unit_day", ["unit_id", "day", "status", "enrolment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_unit_day")
        batch_op.create_index("ix_booking_unit_day", ["unit_id", "day"], unique=False)
