"""The régie: tariffs, the monthly invoicing run (payments and the till come next)."""

from mairie_tui.services.regie.invoicing import (
    DraftInvoice,
    DraftLine,
    MonthRun,
    generate_month,
    prepare_month,
)
from mairie_tui.services.regie.tariffs import add_tariffs, import_tariffs, load_book, parse_tariffs

__all__ = [
    "DraftInvoice",
    "DraftLine",
    "MonthRun",
    "add_tariffs",
    "generate_month",
    "import_tariffs",
    "load_book",
    "parse_tariffs",
    "prepare_month",
]
