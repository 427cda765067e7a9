"""Étape 2 — LE RÉCAPITULATIF: the changes in date order, then VALIDER."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from mairie_tui.domain.billing import cost_estimate
from mairie_tui.domain.draft import ChangeKind, recap_totals
from mairie_tui.domain.money import format_euros
from mairie_tui.services.bookings import validate_booking
from mairie_tui.services.errors import ConflictError, RuleViolation
from mairie_tui.services.regie import booking_prices
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.booking import steps_text
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.text import content, plain, span
from mairie_tui.tui.widgets.buttons import KeyOnlyButton
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from datetime import date

    from mairie_tui.domain.billing import Prices
    from mairie_tui.domain.draft import RecapLine
    from mairie_tui.services.bookings import BookingSession, ValidationResult


def recap_table(lines: list[RecapLine]) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    table.add_column("Jour", min_width=10)
    table.add_column("Date", min_width=10)
    table.add_column("Unité", min_width=12)
    table.add_column("Opération", min_width=10)
    table.add_column("Remarque")
    for line in lines:
        day, when, unit, kind = line.cells
        style = "green" if line.kind is ChangeKind.ADD else "red"
        notes = []
        if line.forced_reason:
            notes.append(span(f"délai dépassé, forcé : {line.forced_reason}", "yellow"))
        if line.was_pending:
            notes.append(span("était en attente d'instruction", "dim"))
        table.add_row(
            plain(day), plain(when), plain(unit), span(kind, style), Text(" · ").join(notes)
        )
    return table


def totals_text(lines: list[RecapLine]) -> str:
    totals = recap_totals(lines)
    added, removed = totals[ChangeKind.ADD], totals[ChangeKind.REMOVE]
    return (
        f"[b]Total :[/] {added} ajout{'s' if added > 1 else ''}, "
        f"{removed} annulation{'s' if removed > 1 else ''}"
    )


def unit_label(unit_name: str, count: int) -> str:
    """`Repas` → `repas`; `Matin` → `matins` (more than one)."""
    label = unit_name.lower()
    return label if count <= 1 or label.endswith(("s", "x")) else f"{label}s"


def cost_text(lines: list[RecapLine], prices: dict[tuple[str, date], Prices]) -> str:
    """The estimated cost of the changes, one part per unit and price:
    `+3 repas × 3,30 € = 9,90 €`; empty when no changed day has a tariff."""
    deltas: dict[tuple[str, int], tuple[int, Prices]] = {}
    for line in lines:
        found = prices.get((line.unit_name, line.day))
        if found is None:
            continue
        key = (line.unit_name, found.unit_price)
        count, _ = deltas.get(key, (0, found))
        deltas[key] = (count + (1 if line.kind is ChangeKind.ADD else -1), found)
    parts = [
        cost_estimate(count, unit_label(unit, abs(count)), found)
        for (unit, _price), (count, found) in deltas.items()
        if count
    ]
    if not parts:
        return ""
    total = sum(count * found.unit_price for count, found in deltas.values())
    text = "Coût estimé : " + " ; ".join(parts)
    if len(parts) > 1:
        text += f" ; total {format_euros(total)}"
    return text


class RecapScreen(MairieScreen):
    """Étape 2 — LE RÉCAPITULATIF.

    | Key | Action |
    | :- | :- |
    | enter | VALIDER. |
    | escape | RETOUR À L'ÉTAPE 1 (la saisie est gardée). |
    | ctrl+x | ANNULER LA DÉMARCHE. |
    """

    TITLE_TEXT = "Réservation — étape 2"
    HELP = (
        "Vérifiez chaque ligne avec la famille : jour, date, unité, ajout ou annulation. "
        "`entrée` **VALIDER** enregistre tout (ou rien) et envoie le mail de confirmation ; "
        "`échap` **RETOUR À L'ÉTAPE 1** garde la saisie."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "validate", "Valider", id="recap.validate"),
        Binding("escape", "back", "Retour à l'étape 1", id="recap.back"),
        Binding("ctrl+x", "cancel", "Annuler la démarche", id="recap.cancel"),
    ]

    def __init__(self, booking: BookingSession) -> None:
        super().__init__()
        self.booking = booking
        self.lines = booking.draft.recap()
        self._busy = False

    def compose(self) -> ComposeResult:
        enrolment = self.booking.enrolment
        forced = [line for line in self.lines if line.forced_reason]
        yield AppHeader(self.TITLE_TEXT)
        with VerticalScroll(id="recap-body"):
            yield Static("ENFANCE · RÉSERVATION", classes="muted")
            yield Static(content(enrolment.title), classes="panel-title")
            yield Static(content(f"{enrolment.period_text} · {enrolment.site}"))
            yield Static(steps_text(2), id="recap-steps")
            yield Static(recap_table(self.lines), id="recap-lines")
            yield Static(totals_text(self.lines), id="recap-totals")
            yield Static("", id="recap-cost")
            if forced:
                yield Static(
                    f"[b yellow]Attention :[/] {len(forced)} jour{'s' if len(forced) > 1 else ''} "
                    "dont le délai est dépassé, modifié"
                    f"{'s' if len(forced) > 1 else ''} avec un motif (tracé dans l'historique).",
                    id="recap-warning",
                )
            recipient = self.booking.recipient
            yield Static(
                content(f"Un mail de confirmation sera envoyé à {recipient}.")
                if recipient
                else "[yellow]Pas d'adresse e-mail dans le foyer : aucun mail ne sera envoyé.[/]",
                classes="muted",
            )
            yield Static("", id="recap-message")
        with Horizontal(id="recap-buttons", classes="buttons"):
            yield KeyOnlyButton("ANNULER LA DÉMARCHE", id="cancel", compact=True, variant="error")
            yield Button("< RETOUR À L'ÉTAPE 1", id="back", compact=True)
            yield Button("VALIDER", id="validate", compact=True, variant="success")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#recap-body", VerticalScroll).focus()
        self.query_one("#recap-cost", Static).display = False
        self._estimate_cost()

    def _estimate_cost(self) -> None:
        """The household's prices of the changed days (nothing shown without a tariff)."""
        app = self.mairie
        actor = app.actor
        if actor is None or not self.lines:
            return
        enrolment_id = self.booking.enrolment.id
        days = sorted({(line.unit_name, line.day) for line in self.lines})

        def call() -> dict[tuple[str, date], Prices]:
            return booking_prices(app.engine, enrolment_id, days, actor=actor)

        def done(prices: dict[tuple[str, date], Prices]) -> None:
            text = cost_text(self.lines, prices)
            cost = self.query_one("#recap-cost", Static)
            cost.update(content(text))
            cost.display = bool(text)

        def failed(message: str, error: BaseException | None) -> None:
            self.log.warning(f"estimation du coût : {message}")

        self.call_service("recap-cost", call, done, failed=failed, hold_keys=False)

    def action_validate(self) -> None:
        if self._busy:
            return
        actor = self.mairie.actor
        if actor is None:
            return
        self._busy = True
        self.query_one("#recap-message", Static).update("Validation en cours…")
        app = self.mairie
        booking = self.booking

        def call() -> ValidationResult:
            return validate_booking(app.engine, booking, actor=actor, clock=app.clock)

        self.call_service("validate", call, self._validated, failed=self._refused)

    def _validated(self, result: ValidationResult) -> None:
        self._busy = False
        self.mairie.open_confirmation(self.booking, result)

    def _refused(self, message: str, error: BaseException | None) -> None:
        """Conflict or broken rule: back to step 1, the draft intact, the message shown."""
        self._busy = False
        if isinstance(error, ConflictError | RuleViolation):
            self._back_to_step_one(message)
            return
        self.query_one("#recap-message", Static).update(content(message, "b red"))

    def _back_to_step_one(self, message: str | None) -> None:
        self.mairie.back_to_booking(message)

    def action_back(self) -> None:
        if not self._busy:
            self._back_to_step_one(None)

    def action_cancel(self) -> None:
        if self._busy:
            return

        def answered(drop: bool | None) -> None:
            if drop:
                self.booking.draft.discard()
                self.app.pop_screen()
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmModal(
                "ANNULER LA DÉMARCHE",
                f"Abandonner les {len(self.lines)} modifications de ce récapitulatif ?",
                yes="Abandonner",
                no="Continuer",
            ),
            answered,
        )

    @on(Button.Pressed, "#validate")
    def _validate_pressed(self) -> None:
        self.action_validate()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
