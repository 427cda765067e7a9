"""agent sites: the sites a school staff member works at (issue 11)

``agent_site`` links an agent to the sites they may see (lists, pointage,
headcounts): one row per (agent, site). A table rather than a column because
one member of staff often serves several sites (a canteen and the
périscolaire of two schools). A site is named as ``activity.site`` names it
(there is no site table); the link is checked by the services' permission
matrix (``services/permissions.py``). Agents and supervisors see every site
whatever this table says. Deleting an agent deletes their links.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_site",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("site", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agent_id", "site"),
    )


def downgrade() -> None:
    op.drop_table("agent_site")
