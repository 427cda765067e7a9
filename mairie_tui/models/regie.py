"""The régie: dated tariffs, invoices and credit notes, payments, the till's daily closing.

Amounts are integer cents. An issued invoice is never edited: a correction is
a credit note (kind "A") that points at the invoice it corrects. A payment is
never deleted: a supervisor cancels it with a reason. A closed till day
freezes that day's payments.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime

INVOICE_KINDS = ("F", "A")
PAYMENT_MODES = ("especes", "cheque", "carte", "cesu", "ancv")


class Tariff(SQLModel, table=True):
    """The prices of an activity (or one of its units) over a period of validity."""

    __table_args__ = (
        CheckConstraint(
            "outside_cents >= 0 AND surcharge_cents >= 0 "
            "AND (late_cancel_cents IS NULL OR late_cancel_cents >= 0)",
            name="ck_tariff_prices",
        ),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_tariff_period"),
        CheckConstraint("(activity_id IS NULL) <> (activity_kind IS NULL)", name="ck_tariff_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # One activity, or every activity of a kind ("canteen") that has no tariff of its own.
    activity_id: int | None = Field(default=None, foreign_key="activity.id", index=True)
    activity_kind: str | None = Field(default=None, max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    valid_from: date
    valid_to: date | None = None
    outside_cents: int
    surcharge_cents: int
    late_cancel_cents: int | None = None


class TariffPrice(SQLModel, table=True):
    """One QF bracket of a tariff."""

    __tablename__ = "tariff_price"
    __table_args__ = (
        UniqueConstraint("tariff_id", "min_qf", name="uq_tariff_price_bracket"),
        CheckConstraint("price_cents >= 0 AND min_qf >= 0", name="ck_tariff_price_values"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tariff_id: int = Field(foreign_key="tariff.id", nullable=False, index=True)
    min_qf: int
    max_qf: int | None = None
    price_cents: int


class Invoice(SQLModel, table=True):
    """An invoice (kind F) of a household for a month, or a credit note (kind A)."""

    __table_args__ = (
        CheckConstraint("kind IN ('F', 'A')", name="ck_invoice_kind"),
        CheckConstraint(
            "(kind = 'F' AND total_cents >= 0) OR (kind = 'A' AND total_cents <= 0)",
            name="ck_invoice_total_sign",
        ),
        # One invoice per household and month: re-running a month changes nothing.
        Index(
            "uq_invoice_household_month",
            "household_id",
            "period",
            unique=True,
            sqlite_where=Column("kind") == "F",
            postgresql_where=Column("kind") == "F",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    kind: str = Field(default="F", max_length=1)
    household_id: int = Field(foreign_key="household.id", nullable=False, index=True)
    period: str = Field(max_length=7)  # "2020-09"
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    due_date: date
    total_cents: int
    qf_basis: str = Field(default="", max_length=200)  # why this price, for the header
    corrects_id: int | None = Field(default=None, foreign_key="invoice.id")
    reason: str = Field(default="", max_length=300)  # a credit note's reason
    agent_id: int | None = Field(default=None, foreign_key="agent.id")


class InvoiceLine(SQLModel, table=True):
    """One day of one child × activity × unit, with the rule that billed it (or not)."""

    __tablename__ = "invoice_line"
    __table_args__ = (
        CheckConstraint(
            "amount_cents = quantity * unit_price_cents", name="ck_invoice_line_amount"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", nullable=False, index=True)
    person_id: int = Field(foreign_key="person.id", nullable=False, index=True)
    child_name: str = Field(max_length=250)
    activity_id: int = Field(foreign_key="activity.id", nullable=False)
    activity_name: str = Field(max_length=120)
    unit_name: str = Field(max_length=40)
    day: date
    rule: str = Field(max_length=40)
    quantity: int
    unit_price_cents: int
    amount_cents: int
    basis: str = Field(default="", max_length=200)


class Payment(SQLModel, table=True):
    """A payment at the counter, with its receipt number; cancelled, never deleted."""

    __table_args__ = (
        CheckConstraint("total_cents > 0 AND change_cents >= 0", name="ck_payment_amounts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)  # receipt "2020-R-000012"
    household_id: int = Field(foreign_key="household.id", nullable=False, index=True)
    taken_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    till_day: date = Field(index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    total_cents: int
    change_cents: int = 0
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    cancelled_by: int | None = Field(default=None, foreign_key="agent.id")
    cancel_reason: str = Field(default="", max_length=300)


class PaymentTender(SQLModel, table=True):
    """One mode of a payment (cash, a cheque, a card, CESU, ANCV)."""

    __tablename__ = "payment_tender"
    __table_args__ = (
        CheckConstraint(
            "mode IN ('especes', 'cheque', 'carte', 'cesu', 'ancv')", name="ck_payment_tender_mode"
        ),
        CheckConstraint("amount_cents > 0", name="ck_payment_tender_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", nullable=False, index=True)
    mode: str = Field(max_length=10)
    amount_cents: int
    tendered_cents: int | None = None
    cheque_number: str = Field(default="", max_length=40)
    bank: str = Field(default="", max_length=80)
    holder: str = Field(default="", max_length=120)
    terminal_ref: str = Field(default="", max_length=40)


class PaymentAllocation(SQLModel, table=True):
    """The part of a payment (or of the credit it left) that settles an invoice."""

    __tablename__ = "payment_allocation"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="ck_payment_allocation_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", nullable=False, index=True)
    invoice_id: int = Field(foreign_key="invoice.id", nullable=False, index=True)
    amount_cents: int


class TillClosing(SQLModel, table=True):
    """The régisseur's closing of a day: expected vs counted cash; the day is then frozen."""

    __tablename__ = "till_closing"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    closed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expected_cash_cents: int
    counted_cash_cents: int
    difference_cents: int
    totals: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    note: str = Field(default="", max_length=300)
