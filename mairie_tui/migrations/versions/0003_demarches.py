"""démarches: appointment agendas and slots, tariff grids

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import sqlmodel

import mairie_tui.models.types
# Registers the new tables on SQLModel.metadata for Alembic's comparison even
# where mairie_tui.models does not import them (yet).
import mairie_tui.models.demarches  # noqa: F401


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('opening', sa.Text(), nullable=False),
    sa.Column('days_ahead', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('tariff_bracket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('min_qf', sa.Integer(), nullable=False),
    sa.Column('max_qf', sa.Integer(), nullable=True),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint('price_cents >= 0', name='ck_tariff_bracket_price'),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('activity_id', 'min_qf', name='uq_tariff_bracket_activity_min')
    )
    op.create_index(op.f('ix_tariff_bracket_activity_id'), 'tariff_bracket', ['activity_id'], unique=False)
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', mairie_tui.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', mairie_tui.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', mairie_tui.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', mairie_tui.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.CheckConstraint('held IS NULL OR held', name='ck_appointment_held'),
    sa.ForeignKeyConstraint(['agenda_id'], ['agenda.id'], ),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agenda_id', 'starts_at', 'held', name='uq_appointment_slot')
    )
    op.create_index('ix_appointment_agenda_start', 'appointment', ['agenda_id', 'starts_at'], unique=False)
    op.create_index(op.f('ix_appointment_household_id'), 'appointment', ['household_id'], unique=False)
    op.create_index(op.f('ix_appointment_request_id'), 'appointment', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_appointment_request_id'), table_name='appointment')
    op.drop_index(op.f('ix_appointment_household_id'), table_name='appointment')
    op.drop_index('ix_appointment_agenda_start', table_name='appointment')
    op.drop_table('appointment')
    op.drop_index(op.f('ix_tariff_bracket_activity_id'), table_name='tariff_bracket')
    op.drop_table('tariff_bracket')
    op.drop_table('agenda')
