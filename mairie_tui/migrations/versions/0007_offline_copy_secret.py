"""offline copies without secrets: the main database's secret, the copy's seal and code

- ``app_secret``: random secrets of the main database (the key that seals
  offline copies, generated on the first export); never copied into a copy.
- ``offline_copy``: ``scope`` (JSON of the enrolments and units the copy may
  bring back), ``seal`` (HMAC-SHA256 of the copy's identity and scope with that
  secret) and ``access_code_hash`` (salted scrypt of the code staff sign in
  with on the copy).

Plain ADD COLUMN (no batch re-creation): an existing copy's read-only triggers
would refuse the re-insertion of its row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_secret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.add_column("offline_copy", sa.Column("scope", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "offline_copy",
        sa.Column(
            "seal", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=""
        ),
    )
    op.add_column(
        "offline_copy",
        sa.Column(
            "access_code_hash",
            sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("offline_copy") as batch:
        batch.drop_column("access_code_hash")
        batch.drop_column("seal")
        batch.drop_column("scope")
    op.drop_table("app_secret")
