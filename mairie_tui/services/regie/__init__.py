"""The régie: tariffs, the monthly invoicing run, payments and receipts, the till."""

from mairie_tui.services.regie.account import (
    AccountInvoice,
    AccountPayment,
    HouseholdAccount,
    booking_prices,
    household_account,
)
from mairie_tui.services.regie.credit_notes import issue_credit_note
from mairie_tui.services.regie.invoicing import (
    DraftInvoice,
    DraftLine,
    MonthRun,
    generate_month,
    prepare_month,
)
from mairie_tui.services.regie.payments import (
    Balance,
    Receipt,
    cancel_payment,
    household_balance,
    take_payment,
)
from mairie_tui.services.regie.queries import (
    InvoiceDetail,
    InvoiceLineView,
    InvoiceSummary,
    invoice_detail,
    list_invoices,
)
from mairie_tui.services.regie.tariffs import (
    add_tariffs,
    import_tariffs,
    list_tariffs,
    load_book,
    parse_tariffs,
)
from mairie_tui.services.regie.till import TillDay, accounting_export, close_till, till_day

__all__ = [
    "AccountInvoice",
    "AccountPayment",
    "HouseholdAccount",
    "booking_prices",
    "household_account",
    "Balance",
    "Receipt",
    "TillDay",
    "accounting_export",
    "cancel_payment",
    "close_till",
    "household_balance",
    "issue_credit_note",
    "take_payment",
    "till_day",
    "InvoiceDetail",
    "InvoiceLineView",
    "InvoiceSummary",
    "invoice_detail",
    "list_invoices",
    "DraftInvoice",
    "DraftLine",
    "MonthRun",
    "add_tariffs",
    "generate_month",
    "import_tariffs",
    "list_tariffs",
    "load_book",
    "parse_tariffs",
    "prepare_month",
]
