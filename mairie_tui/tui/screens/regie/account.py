"""Factures et paiements of a household: its invoices (paid, left) and its payments."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from mairie_tui.domain import fr
from mairie_tui.domain.money import format_euros
from mairie_tui.services.regie import household_account
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.regie.cancel import CancelPaymentModal
from mairie_tui.tui.screens.regie.payment import period_label
from mairie_tui.tui.text import content, plain
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.regie import Balance, HouseholdAccount


def euros(cents: int, style: str = "") -> Text:
    return Text(format_euros(cents), style=style, justify="right")


class AccountScreen(MairieScreen):
    """Factures et paiements.

    | Key | Action |
    | :- | :- |
    | p | Régler. |
    | a | Annuler le paiement en surbrillance, avec un motif (superviseurs). |
    | tab | Factures / paiements. |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Factures et paiements"
    HELP = (
        "Les factures du foyer (et les avoirs), avec ce qui est payé et ce qui reste dû, puis "
        "ses paiements, du plus récent au plus ancien, avec leurs modes ; un paiement annulé "
        "le reste au journal avec son motif. `p` ouvre **Régler** ; `a` (superviseurs) annule "
        "le paiement en surbrillance, avec un motif."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pay", "Régler", id="account.pay"),
        Binding("a", "cancel_payment", "Annuler un paiement", id="account.cancel_payment"),
        Binding("escape", "back", "Retour au foyer", id="account.back"),
    ]

    def __init__(self, household_id: int) -> None:
        super().__init__()
        self.household_id = household_id
        self.account: HouseholdAccount | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="account-body"):
            yield Static("Chargement…", id="account-household")
            yield Static("FACTURES", classes="panel-title")
            yield DataTable(id="account-invoices", cursor_type="row", zebra_stripes=True)
            yield Static("PAIEMENTS", classes="panel-title")
            yield DataTable(id="account-payments", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        invoices: DataTable[Text] = self.query_one("#account-invoices", DataTable)
        for label, width in (("N°", 13), ("Mois", 15), ("Total", 9), ("Payé", 9), ("Reste", 9)):
            invoices.add_column(label, width=width)
        payments: DataTable[Text] = self.query_one("#account-payments", DataTable)
        for label, width in (("Reçu", 13), ("Date", 10), ("Modes", 24), ("Montant", 9)):
            payments.add_column(label, width=width)
        payments.add_column("État")
        invoices.focus()
        self.reload()

    def reload(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        household_id = self.household_id

        def call() -> HouseholdAccount:
            return household_account(app.engine, household_id, actor=actor)

        self.call_service("account", call, self._show)

    def _show(self, account: HouseholdAccount) -> None:
        self.account = account
        self.query_one("#account-household", Static).update(
            content(f"Foyer {account.dossier} — {account.payer}   ")
            + content(account.balance.label(), "b")
        )
        invoices: DataTable[Text] = self.query_one("#account-invoices", DataTable)
        invoices.clear()
        for invoice in reversed(account.invoices):
            kind = "" if invoice.kind == "F" else " (avoir)"
            invoices.add_row(
                plain(invoice.number + kind),
                plain(period_label(invoice.period)),
                euros(invoice.total_cents),
                euros(invoice.paid_cents),
                euros(invoice.left_cents, "bold" if invoice.left_cents else "dim"),
            )
        if not account.invoices:
            invoices.add_row(Text(""), Text("aucune facture", style="dim"))
        payments: DataTable[Text] = self.query_one("#account-payments", DataTable)
        payments.clear()
        for payment in account.payments:
            state = (
                plain(f"annulé : {payment.cancel_reason}", "red")
                if payment.cancelled
                else Text("encaissé", style="green")
            )
            payments.add_row(
                plain(payment.number),
                plain(fr.short_date(fr.local_date(payment.taken_at))),
                plain(" + ".join(payment.modes)),
                euros(payment.total_cents),
                state,
            )
        if not account.payments:
            payments.add_row(Text(""), Text(""), Text("aucun paiement", style="dim"))

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.query_one("#account-household", Static).update(content(message, "b red"))

    def action_pay(self) -> None:
        self.mairie.open_payment(self.household_id)

    def action_cancel_payment(self) -> None:
        """a (supervisors): cancel the highlighted payment, with a reason."""
        actor = self.mairie.actor
        if actor is None or not actor.is_supervisor:
            self.notify(
                "Seul un superviseur peut annuler un encaissement.",
                title="Refusé",
                severity="error",
            )
            return
        payments = self.account.payments if self.account is not None else ()
        table: DataTable[Text] = self.query_one("#account-payments", DataTable)
        if not payments:
            self.notify("Aucun paiement à annuler.", severity="warning")
            return
        table.focus()  # the dialog names the receipt: the one highlighted, the newest at first
        payment = payments[min(table.cursor_row, len(payments) - 1)]
        if payment.cancelled:
            self.notify(f"Le reçu {payment.number} est déjà annulé.", severity="warning")
            return

        def done(balance: Balance | None) -> None:
            if balance is not None:
                self.notify(f"Reçu {payment.number} annulé. {balance.label()}", title="Annulé")
                self.reload()

        self.app.push_screen(CancelPaymentModal(payment), done)

    def action_back(self) -> None:
        self.app.pop_screen()
        # A payment cancelled here changed the balance the Foyer shows.
        self.mairie.reload_household(self.household_id)
