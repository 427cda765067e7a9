"""The régie: tariffs, the monthly invoicing run (payments and the till come next)."""

from mairie_tui.services.regie.invoicing import (
    DraftInvoice,
    DraftLine,
    MonthRun,
    generate_month,
    prepare_month,
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

__all__ = [
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
