"""headcount indexes: the day's headcounts of every site read indexes only

- ``ix_attendance_unit_day`` becomes ``ix_attendance_unit_day_marks`` on
  (unit_id, day, present, unexpected): the pointage's counts per unit and day
  are read from the index alone, without a table row per mark (a day of every
  site: about 12 000 marks at 20 000 children).
- ``ix_person_with_diet``, partial: the children with allergens or a diet, a
  small share of the persons; the headcounts' special diets start from them
  instead of reading every enrolment's child.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

WITH_DIET = sa.text("allergens != '' OR diet IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_attendance_unit_day", table_name="attendance")
    op.create_index(
        "ix_attendance_unit_day_marks", "attendance", ["unit_id", "day", "present", "unexpected"]
    )
    op.create_index(
        "ix_person_with_diet",
        "person",
        ["id"],
        sqlite_where=WITH_DIET,
        postgresql_where=WITH_DIET,
    )


def downgrade() -> None:
    op.drop_index("ix_person_with_diet", table_name="person")
    op.drop_index("ix_attendance_unit_day_marks", table_name="attendance")
    op.create_index("ix_attendance_unit_day", "attendance", ["unit_id", "day"])
