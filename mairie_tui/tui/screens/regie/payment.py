"""Régler: the household's open invoices, one or several modes, then the receipt.

The agent ticks the invoices to pay (all of them by default: the payment goes to
the oldest first), then adds the modes one by one: espèces (the amount tendered
gives the change, shown as it is typed), chèque (number, bank, holder), carte
(the terminal's reference), CESU, chèques ANCV. A mode typed wrong is refused at
its fields with the domain's French message; what the service refuses (an
invoice paid meanwhile, CESU beyond the crèche and périscolaire) is shown where
it concerns. f2 takes the payment; the receipt replaces this screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Static, Tab, Tabs

from mairie_tui.domain import fr
from mairie_tui.domain.billing import MODE_LABELS, Mode, Tender, tender_problems
from mairie_tui.domain.money import AmountError, format_euros, parse_euros
from mairie_tui.services.errors import InvalidAnswers, RuleViolation
from mairie_tui.services.regie import household_account, take_payment
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import content, lines, plain
from mairie_tui.tui.widgets.checks import TickBox
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.regie import AccountInvoice, HouseholdAccount, Receipt

# Each mode's own fields (besides the amount), by the id of their row.
MODE_FIELDS: dict[Mode, tuple[str, ...]] = {
    Mode.CASH: ("tendered",),
    Mode.CHEQUE: ("cheque_number", "bank", "holder"),
    Mode.CARD: ("terminal_ref",),
    Mode.CESU: (),
    Mode.ANCV: (),
}
# What the domain checks regardless of the invoices (the service checks CESU and ANCV).
NO_LIMIT = 10**12


def period_label(period: str) -> str:
    """`2020-09` → `Septembre 2020`."""
    year, _, month = period.partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return fr.month_title(int(year), int(month))
    return period


def invoice_prompt(invoice: AccountInvoice) -> str:
    return (
        f"{invoice.number}  {period_label(invoice.period):<15} "
        f"reste {format_euros(invoice.left_cents)} sur {format_euros(invoice.total_cents)}"
    )


def tender_line(tender: Tender) -> str:
    """`Chèque n° 0001234 (La Banque Postale) : 5,00 €`, `Espèces : 4,90 € (remis 10,00 €…)`."""
    label = MODE_LABELS[tender.mode]
    if tender.mode is Mode.CHEQUE:
        label += f" n° {tender.cheque_number.strip()} ({tender.bank.strip()})"
    elif tender.mode is Mode.CARD:
        label += f" (réf. {tender.terminal_ref.strip()})"
    text = f"{label} : {format_euros(tender.amount)}"
    if tender.mode is Mode.CASH and tender.tendered is not None:
        text += (
            f" (remis {format_euros(tender.tendered)}, "
            f"monnaie rendue {format_euros(tender.change)})"
        )
    return text


class ModeTabs(Tabs):
    """The payment modes. The screen shows the mode's fields as soon as the mode changes (not
    on the later TabActivated message), so that keys typed ahead (`←` then `tab` to the
    mode's own fields) find those fields already shown."""

    def watch_active(self, previously_active: str, active: str) -> None:
        super().watch_active(previously_active, active)
        if active.startswith("mode-") and isinstance(self.screen, PaymentScreen):
            self.screen.mode_chosen(Mode(active.removeprefix("mode-")))


class PaymentScreen(MairieScreen):
    """Régler.

    | Key | Action |
    | :- | :- |
    | space | Cocher / décocher la facture en surbrillance. |
    | left / right | Mode de règlement (sur les onglets). |
    | enter / f3 | Ajouter ce mode au règlement. |
    | f4 | Retirer le dernier mode ajouté. |
    | f2 | Encaisser (le reçu s'affiche). |
    | escape | Retour au foyer (rien n'est encaissé). |
    """

    TITLE_TEXT = "Régler"
    HELP = (
        "Cochez les factures réglées (toutes par défaut : le paiement va aux plus anciennes "
        "d'abord ; ce qui dépasse devient un crédit sur les prochaines factures). Choisissez "
        "le mode avec `←` `→`, saisissez le montant (et pour les espèces la somme remise : la "
        "monnaie s'affiche), puis `entrée` ajoute le mode ; plusieurs modes se combinent. "
        "`f2` **encaisse** et affiche le reçu."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "take", "Encaisser", id="payment.take"),
        Binding("f3", "add_tender", "Ajouter le mode", id="payment.add"),
        Binding("f4", "remove_tender", "Retirer le dernier mode", id="payment.remove"),
        Binding("escape", "back", "Retour au foyer", id="payment.back"),
    ]

    def __init__(self, household_id: int) -> None:
        super().__init__()
        self.household_id = household_id
        self.account: HouseholdAccount | None = None
        self.tenders: list[Tender] = []
        self.mode = Mode.CASH
        self._busy = False

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with VerticalScroll(id="payment-body"):
            yield Static("Chargement des factures…", id="payment-household")
            yield Static("FACTURES À RÉGLER", classes="panel-title")
            yield Vertical(id="payment-invoices")
            yield Static("", id="payment-invoices-error", classes="error regie-error")
            yield Static("RÈGLEMENT", classes="panel-title")
            yield ModeTabs(
                *[Tab(MODE_LABELS[mode], id=f"mode-{mode.value}") for mode in Mode],
                id="payment-modes",
            )
            with Horizontal(classes="payment-row"):
                yield Static("Montant", classes="payment-label")
                yield Field(placeholder="ex. 12,50", id="amount", max_length=14, compact=True)
                with Horizontal(id="row-tendered", classes="payment-mode-fields"):
                    yield Static("Remis", classes="payment-label")
                    yield Field(placeholder="ex. 20", id="tendered", max_length=14, compact=True)
                    yield Static("", id="payment-change")
                with Horizontal(id="row-terminal_ref", classes="payment-mode-fields"):
                    yield Static("Réf. terminal", classes="payment-label")
                    yield Field(id="terminal_ref", max_length=40, compact=True)
            with Horizontal(id="row-cheque", classes="payment-row payment-mode-fields"):
                yield Static("N°", classes="payment-label-short")
                yield Field(id="cheque_number", max_length=40, compact=True)
                yield Static("Banque", classes="payment-label-short")
                yield Field(id="bank", max_length=80, compact=True)
                yield Static("Titulaire", classes="payment-label-short")
                yield Field(id="holder", max_length=120, compact=True)
            yield Static("", id="payment-form-error", classes="error regie-error")
            yield Static("MODES AJOUTÉS", classes="panel-title")
            yield Static(content("aucun", "dim"), id="payment-tenders")
            yield Static("", id="payment-total")
            yield Static("", id="payment-error", classes="error regie-error")
        yield KeyBar()

    def on_mount(self) -> None:
        for selector in ("#payment-invoices-error", "#payment-form-error", "#payment-error"):
            self.query_one(selector, Static).display = False
        self._show_mode_fields()
        app = self.mairie
        actor = app.actor
        assert actor is not None, "Régler needs a signed-in agent"
        household_id = self.household_id

        def call() -> HouseholdAccount:
            return household_account(app.engine, household_id, actor=actor)

        self.call_service("payment-account", call, self._loaded)

    def _loaded(self, account: HouseholdAccount) -> None:
        self.account = account
        self.query_one("#payment-household", Static).update(
            lines(
                [
                    content(f"Foyer {account.dossier} — {account.payer}")
                    + content("   ")
                    + content(account.balance.label(), "b")
                ]
            )
        )
        self.query_one("#payment-invoices", Vertical).mount_all(
            TickBox(plain(invoice_prompt(i)), True, compact=True, classes="payment-invoice")
            for i in account.open_invoices
        )
        if not account.open_invoices:
            self._error(
                "#payment-invoices-error",
                "Aucune facture à régler : le paiement sera un crédit sur les prochaines factures.",
            )
        self._refill_amount()
        self._show_tenders()
        self.query_one("#payment-modes", Tabs).focus()

    # ------------------------------------------------------------ the form

    def _field(self, name: str) -> Field:
        return self.query_one(f"#{name}", Field)

    def _chosen(self) -> list[AccountInvoice]:
        if self.account is None:
            return []
        boxes = self.query(".payment-invoice").results(TickBox)
        return [i for i, box in zip(self.account.open_invoices, boxes, strict=False) if box.value]

    def _to_cover(self) -> int:
        """What the ticked invoices still need beyond the modes already added."""
        return sum(i.left_cents for i in self._chosen()) - sum(t.amount for t in self.tenders)

    def _refill_amount(self) -> None:
        left = self._to_cover()
        self._field("amount").value = format_euros(left).removesuffix(" €") if left > 0 else ""

    def _show_mode_fields(self) -> None:
        own = MODE_FIELDS[self.mode]
        self.query_one("#row-tendered").display = "tendered" in own
        self.query_one("#row-terminal_ref").display = "terminal_ref" in own
        self.query_one("#row-cheque").display = "cheque_number" in own

    def mode_chosen(self, mode: Mode) -> None:
        if mode is self.mode:
            return
        self.mode = mode
        self._show_mode_fields()
        self._error("#payment-form-error", "")
        self._show_change()

    @on(Checkbox.Changed, ".payment-invoice")
    def _invoices_changed(self) -> None:
        if not self.tenders:
            self._refill_amount()
        self._show_tenders()

    @on(Input.Changed, "#amount, #tendered")
    def _show_change(self) -> None:
        """Espèces: the change to give, as the amounts are typed."""
        shown = self.query_one("#payment-change", Static)
        tendered = self._field("tendered").value.strip()
        if self.mode is not Mode.CASH or not tendered:
            shown.update("")
            return
        try:
            change = parse_euros(tendered) - parse_euros(self._field("amount").value)
        except AmountError:
            shown.update("")
            return
        if change < 0:
            shown.update(content(f"Manque {format_euros(-change)}", "b red"))
        else:
            shown.update(content(f"Monnaie à rendre : {format_euros(change)}", "b"))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_add_tender()

    def _form_tender(self) -> Tender | None:
        """The mode typed in the form, or None with the French message at its field."""
        for name in ("amount", "tendered", "cheque_number", "bank", "holder", "terminal_ref"):
            self._field(name).remove_class("-invalid")
        try:
            amount = parse_euros(self._field("amount").value)
        except AmountError as error:
            self._refuse("amount", str(error))
            return None
        tendered = None
        if self.mode is Mode.CASH and self._field("tendered").value.strip():
            try:
                tendered = parse_euros(self._field("tendered").value)
            except AmountError as error:
                self._refuse("tendered", f"Remis : {error}")
                return None
        own = MODE_FIELDS[self.mode]
        text = {name: self._field(name).value for name in own if name != "tendered"}
        tender = Tender(self.mode, amount, tendered=tendered, **text)
        problems = tender_problems([tender], cesu_eligible=NO_LIMIT, ancv_eligible=NO_LIMIT)
        if problems:
            empty = [name for name in own if not self._field(name).value.strip()]
            if amount <= 0:
                wrong = "amount"
            elif empty:
                wrong = empty[0]
            else:
                wrong = "tendered" if self.mode is Mode.CASH else "amount"
            self._refuse(wrong, " ".join(problems))
            return None
        return tender

    def _refuse(self, name: str, message: str) -> None:
        field = self._field(name)
        field.add_class("-invalid")
        field.focus()
        self._error("#payment-form-error", message)

    def action_add_tender(self) -> bool:
        if self._busy or self.account is None:
            return False
        tender = self._form_tender()
        if tender is None:
            return False
        self.tenders.append(tender)
        self._error("#payment-form-error", "")
        self._error("#payment-error", "")
        for name in ("tendered", "cheque_number", "bank", "holder", "terminal_ref"):
            self._field(name).value = ""
        self._refill_amount()
        self._show_tenders()
        self.query_one("#payment-modes", Tabs).focus()
        return True

    def action_remove_tender(self) -> None:
        if self.tenders and not self._busy:
            self.tenders.pop()
            self._refill_amount()
            self._show_tenders()

    def _show_tenders(self) -> None:
        shown = self.query_one("#payment-tenders", Static)
        if not self.tenders:
            shown.update(content("aucun", "dim"))
        else:
            shown.update(lines(content(f"  {tender_line(t)}") for t in self.tenders))
        total = sum(t.amount for t in self.tenders)
        chosen = sum(i.left_cents for i in self._chosen())
        text = f"Total : {format_euros(total)} · factures cochées : {format_euros(chosen)}"
        if total > chosen:
            text += f" · crédit : {format_euros(total - chosen)}"
        elif total < chosen:
            text += f" · reste dû : {format_euros(chosen - total)}"
        change = sum(t.change for t in self.tenders)
        if change:
            text += f" · monnaie : {format_euros(change)}"
        self.query_one("#payment-total", Static).update(content(text, "b"))

    def _error(self, selector: str, message: str) -> None:
        widget = self.query_one(selector, Static)
        widget.update(content(message))
        widget.display = bool(message)

    # ------------------------------------------------------------ taking the payment

    def action_take(self) -> None:
        if self._busy or self.account is None:
            return
        if not self.tenders and not self.action_add_tender():
            return
        chosen = [i.number for i in self._chosen()]
        everything = len(chosen) == len(self.account.open_invoices)
        invoices = None if everything else chosen
        tenders = list(self.tenders)
        app = self.mairie
        actor = app.actor
        assert actor is not None
        household_id = self.household_id
        self._busy = True
        self._error("#payment-error", "")
        self.query_one("#payment-total", Static).update(content("Encaissement en cours…", "b"))

        def call() -> Receipt:
            return take_payment(
                app.engine, household_id, tenders, actor=actor, clock=app.clock, invoices=invoices
            )

        self.call_service("payment-take", call, self._taken, failed=self._refused)

    def _taken(self, receipt: Receipt) -> None:
        self._busy = False
        self.mairie.open_receipt(receipt)

    def _refused(self, message: str, error: BaseException | None) -> None:
        """The service's French message, under the invoices or under the modes."""
        self._busy = False
        self._show_tenders()
        if isinstance(error, InvalidAnswers):
            if "factures" in error.errors:
                self._error("#payment-invoices-error", error.errors["factures"])
            others = [m for key, m in error.errors.items() if key != "factures"]
            self._error("#payment-error", " ".join(others))
            return
        if isinstance(error, RuleViolation):
            self._error("#payment-error", message)
            return
        self.show_error(message, error)

    def action_back(self) -> None:
        if not self._busy:
            self.app.pop_screen()
