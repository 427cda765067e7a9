"""Annuler un encaissement (supervisors, from Factures et paiements): the reason, then
services/regie/payments.cancel_payment; its French refusal shows under the reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from mairie_tui.domain.money import format_euros
from mairie_tui.services.regie import cancel_payment
from mairie_tui.tui.screens.base import MairieModal
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.fields import Field

if TYPE_CHECKING:
    from mairie_tui.services.regie import AccountPayment, Balance


class CancelPaymentModal(MairieModal["Balance | None"]):
    """The reason of a payment's cancellation; dismissed with the new balance once done."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Fermer", id="cancel-payment.close"),
    ]

    def __init__(self, payment: AccountPayment) -> None:
        super().__init__()
        self.payment = payment

    def compose(self) -> ComposeResult:
        with Vertical(id="cancel-payment-box", classes="dialog"):
            yield Static("ANNULER UN ENCAISSEMENT", classes="panel-title")
            yield Static(
                content(
                    f"Reçu {self.payment.number} : {format_euros(self.payment.total_cents)}. "
                    "Le paiement reste au journal, marqué annulé avec son motif."
                )
            )
            yield Label("Motif de l'annulation")
            yield Field(id="cancel-reason", max_length=300)
            yield Static("", id="cancel-payment-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Fermer (échap)", id="close", compact=True)
                yield Button("Annuler le paiement (entrée)", id="confirm", compact=True,
                             variant="error")  # fmt: skip

    def on_mount(self) -> None:
        self.query_one("#cancel-reason", Input).focus()

    @on(Input.Submitted, "#cancel-reason")
    @on(Button.Pressed, "#confirm")
    def _submit(self) -> None:
        reason = self.query_one("#cancel-reason", Input).value
        if not reason.strip():
            self.show_error("Indiquez le motif de l'annulation.")
            return
        app = self.mairie
        actor, number = app.actor, self.payment.number
        assert actor is not None

        def call() -> Balance:
            return cancel_payment(app.engine, number, reason, actor=actor, clock=app.clock)

        def done(balance: Balance) -> None:
            self.dismiss(balance)

        self.call_service("cancel-payment", call, done)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.query_one("#cancel-payment-error", Static).update(content(message))

    @on(Button.Pressed, "#close")
    def action_cancel(self) -> None:
        self.dismiss(None)
