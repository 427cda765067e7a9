"""outbox sender: mails really sent, claimed, retried, failed with the server's reason

``outboxemail`` gains what a sender running by itself needs (issue 15):

- ``state``: ``pending`` → ``sent``, or ``failed`` after the last attempt or a
  permanent refusal (5xx); ``last_error`` keeps the server's reason.
- ``attempts`` and ``next_attempt_at``: exponential backoff between tries.
- ``claimed_at`` / ``claimed_by``: a sender claims a row (one UPDATE … RETURNING,
  SKIP LOCKED on PostgreSQL) before sending it, so two senders never send a
  mail twice; a claim older than the lease is taken over (its sender died).
- ``body_html``: the HTML part, rendered from the same template as ``body``.

Mails already sent become ``sent``. Index on (state, next_attempt_at): the
sender's question "which mails are due".

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from mairie_tui.models.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outboxemail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "state",
                sqlmodel.sql.sqltypes.AutoString(length=12),
                nullable=False,
                server_default="pending",
            )
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.create_check_constraint(
            "ck_outboxemail_state", "state IN ('pending', 'sent', 'failed')"
        )
        batch_op.create_index("ix_outboxemail_due", ["state", "next_attempt_at"], unique=False)
    op.execute("UPDATE outboxemail SET state = 'sent' WHERE sent_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("outboxemail", schema=None) as batch_op:
        batch_op.drop_index("ix_outboxemail_due")
        batch_op.drop_constraint("ck_outboxemail_state", type_="check")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("state")
        batch_op.drop_column("body_html")
