"""The régie's screens: a household's invoices and payments, Régler, the receipt,
the till (Caisse) and the monthly invoicing run (Facturation)."""

from mairie_tui.tui.screens.regie.account import AccountScreen
from mairie_tui.tui.screens.regie.invoicing import InvoicingScreen
from mairie_tui.tui.screens.regie.payment import PaymentScreen
from mairie_tui.tui.screens.regie.receipt import ReceiptScreen
from mairie_tui.tui.screens.regie.till import TillScreen

__all__ = ["AccountScreen", "InvoicingScreen", "PaymentScreen", "ReceiptScreen", "TillScreen"]
