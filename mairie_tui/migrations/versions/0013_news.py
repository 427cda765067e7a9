"""news: short news (actualités) supervisors publish for the counter (issue 15)

``news``: a title and a short text shown to the agents from ``start_date`` to
``end_date`` (both included), for everyone or one audience: an activity (its
code) or a site (named as ``activity.site`` names it; there is no site table,
so neither is a foreign key: a news outlives a renamed activity). A withdrawn
news keeps its row with ``withdrawn_at`` / ``withdrawn_by``. The index on
(end_date, start_date) serves « the news current today ».

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from mairie_tui.models.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "news",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=280), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("audience_value", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("start_date <= end_date", name="ck_news_period"),
        sa.CheckConstraint("audience IN ('all', 'activity', 'site')", name="ck_news_audience"),
        sa.ForeignKeyConstraint(["created_by"], ["agent.id"]),
        sa.ForeignKeyConstraint(["withdrawn_by"], ["agent.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_news_period", "news", ["end_date", "start_date"])


def downgrade() -> None:
    op.drop_index("ix_news_period", table_name="news")
    op.drop_table("news")
