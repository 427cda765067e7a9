"""Agents, the audit trail, the mail outbox and numbering counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime

AGENT_ROLES = ("agent", "supervisor", "staff")


class Agent(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("role IN ('agent', 'supervisor', 'staff')", name="ck_agent_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    role: str = Field(default="agent", max_length=12)
    password_hash: str = Field(max_length=200)
    active: bool = True
    failed_attempts: int = 0
    last_failed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class AgentSite(SQLModel, table=True):
    """A site (as `Activity.site` names it) a staff member works at (migration 0009)."""

    __tablename__ = "agent_site"

    agent_id: int = Field(
        sa_column=Column(Integer, ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True)
    )
    site: str = Field(max_length=120, primary_key=True)


class AuditEvent(SQLModel, table=True):
    # Append-only (migration 0008 refuses UPDATE and DELETE); by entity for a family's history.
    __table_args__ = (Index("ix_auditevent_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    # JSON text.
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False))


MAIL_STATES = ("pending", "sent", "failed")


class OutboxEmail(SQLModel, table=True):
    """A mail to a family. A sender claims a pending row (claimed_at/claimed_by) before
    sending it, so that two senders never send it twice; a claim older than the sender's
    lease is taken over (its sender died). Transient failures wait until next_attempt_at
    (exponential backoff); after the last attempt, or a permanent refusal, the mail is
    `failed` with the server's reason in last_error (migration 0011)."""

    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="ck_outboxemail_state"),
        Index("ix_outboxemail_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text))
    request_id: int | None = Field(default=None, foreign_key="request.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error: str | None = Field(default=None, max_length=500)
    state: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claimed_by: str | None = Field(default=None, max_length=80)


class Counter(SQLModel, table=True):
    """Per-year sequences for request numbers (2026-000042) and dossiers."""

    name: str = Field(primary_key=True, max_length=40)
    value: int = 0
