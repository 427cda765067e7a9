"""régie: dated tariffs, invoices and credit notes, payments, the till's daily closing

- ``tariff`` / ``tariff_price``: an activity's (or unit's) prices by QF
  bracket over a period of validity, with the outside-the-commune price, the
  majoration of a presence without booking and the late-cancellation price.
- ``invoice`` / ``invoice_line``: one invoice per household and month (a
  partial unique index on kind 'F'), lines per child, activity, unit and day
  with the rule that applied; credit notes (kind 'A') point at the invoice
  they correct. ``amount = quantity × unit price`` is a CHECK.
- ``payment`` / ``payment_tender`` / ``payment_allocation``: a payment with
  its receipt number, its modes and the invoices it settles.
- ``till_closing``: one closing per day.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from mairie_tui.models.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = (
    "payment_allocation",
    "payment_tender",
    "invoice_line",
    "till_closing",
    "payment",
    "invoice",
    "tariff_price",
    "tariff",
)


def upgrade() -> None:
    _invoices()
    _payments()
    _till_and_lines()
    _allocations_and_tenders()
    _tariffs()


def _invoices() -> None:
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("qf_basis", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'F' AND total_cents >= 0) OR (kind = 'A' AND total_cents <= 0)",
            name="ck_invoice_total_sign",
        ),
        sa.CheckConstraint("kind IN ('F', 'A')", name="ck_invoice_kind"),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["invoice.id"],
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_invoice_household_id"), "invoice", ["household_id"], unique=False)
    op.create_index(
        "uq_invoice_household_month",
        "invoice",
        ["household_id", "period"],
        unique=True,
        sqlite_where=sa.text("kind = 'F'"),
        postgresql_where=sa.text("kind = 'F'"),
    )


def _payments() -> None:
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("till_day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("change_cents", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.CheckConstraint("total_cents > 0 AND change_cents >= 0", name="ck_payment_amounts"),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by"],
            ["agent.id"],
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_payment_agent_id"), "payment", ["agent_id"], unique=False)
    op.create_index(op.f("ix_payment_household_id"), "payment", ["household_id"], unique=False)
    op.create_index(op.f("ix_payment_till_day"), "payment", ["till_day"], unique=False)


def _till_and_lines() -> None:
    op.create_table(
        "till_closing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expected_cash_cents", sa.Integer(), nullable=False),
        sa.Column("counted_cash_cents", sa.Integer(), nullable=False),
        sa.Column("difference_cents", sa.Integer(), nullable=False),
        sa.Column("totals", sa.Text(), server_default="{}", nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day"),
    )
    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("child_name", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("activity_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("unit_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.CheckConstraint(
            "amount_cents = quantity * unit_price_cents", name="ck_invoice_line_amount"
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_invoice_line_invoice_id"), "invoice_line", ["invoice_id"], unique=False
    )
    op.create_index(op.f("ix_invoice_line_person_id"), "invoice_line", ["person_id"], unique=False)


def _allocations_and_tenders() -> None:
    op.create_table(
        "payment_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name="ck_payment_allocation_amount"),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_payment_allocation_invoice_id"), "payment_allocation", ["invoice_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_allocation_payment_id"), "payment_allocation", ["payment_id"], unique=False
    )
    op.create_table(
        "payment_tender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("tendered_cents", sa.Integer(), nullable=True),
        sa.Column("cheque_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("bank", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("terminal_ref", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.CheckConstraint(
            "mode IN ('especes', 'cheque', 'carte', 'cesu', 'ancv')", name="ck_payment_tender_mode"
        ),
        sa.CheckConstraint("amount_cents > 0", name="ck_payment_tender_amount"),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_payment_tender_payment_id"), "payment_tender", ["payment_id"], unique=False
    )


def _tariffs() -> None:
    op.create_table(
        "tariff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("activity_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("outside_cents", sa.Integer(), nullable=False),
        sa.Column("surcharge_cents", sa.Integer(), nullable=False),
        sa.Column("late_cancel_cents", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outside_cents >= 0 AND surcharge_cents >= 0 AND (late_cancel_cents IS NULL OR late_cancel_cents >= 0)",
            name="ck_tariff_prices",
        ),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_tariff_period"),
        sa.CheckConstraint(
            "(activity_id IS NULL) <> (activity_kind IS NULL)", name="ck_tariff_scope"
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_tariff_activity_id"), "tariff", ["activity_id"], unique=False)
    op.create_table(
        "tariff_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("min_qf", sa.Integer(), nullable=False),
        sa.Column("max_qf", sa.Integer(), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("price_cents >= 0 AND min_qf >= 0", name="ck_tariff_price_values"),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["tariff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tariff_id", "min_qf", name="uq_tariff_price_bracket"),
    )
    op.create_index(op.f("ix_tariff_price_tariff_id"), "tariff_price", ["tariff_id"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
