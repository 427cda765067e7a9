"""Confirmation: the request number and the mail, then back to the household."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.recap import recap_table, totals_text
from mairie_tui.tui.text import content, markup
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.bookings import BookingSession, ValidationResult


class ConfirmationScreen(MairieScreen):
    """Confirmation.

    | Key | Action |
    | :- | :- |
    | enter / escape | Retour au foyer. |
    """

    TITLE_TEXT = "Réservation — confirmation"
    AUTO_FOCUS = None  # enter is the screen's key: nothing focused takes it first
    HELP = "La demande est enregistrée. `entrée` revient au foyer, qui affiche la nouvelle demande."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Retour au foyer", id="confirmation.done"),
        Binding("escape", "done", "Retour au foyer", show=False, id="confirmation.back"),
    ]

    def __init__(self, booking: BookingSession, result: ValidationResult) -> None:
        super().__init__()
        self.booking = booking
        self.result = result

    def compose(self) -> ComposeResult:
        result = self.result
        yield AppHeader(self.TITLE_TEXT)
        with Center(id="confirmation-center"), Vertical(id="confirmation-box", classes="panel"):
            yield Static("DEMANDE ENREGISTRÉE", classes="panel-title")
            yield Static(content(self.booking.enrolment.title))
            yield Static(
                markup(
                    "Demande n° [b]$number[/] — Réservation, traitée.", number=result.request_number
                ),
                id="confirmation-number",
            )
            if result.mail_queued and result.recipient:
                mail = markup(
                    "Un mail de confirmation va être envoyé à [b]$to[/].", to=result.recipient
                )
                if self.mairie.settings.smtp is None:
                    mail += Content.from_markup(
                        "\n[dim](dans la boîte d'envoi : il partira dès qu'un serveur SMTP sera configuré)[/]"
                    )
            else:
                mail = Content.from_markup(
                    "[yellow]Pas d'adresse e-mail dans le foyer : aucun mail de confirmation.[/]"
                )
            yield Static(mail, id="confirmation-mail")
            yield Static(recap_table(result.lines), id="confirmation-lines")
            yield Static(totals_text(result.lines))
            yield Button("RETOUR AU FOYER", id="done", compact=True, variant="primary")
        yield KeyBar()

    @on(Button.Pressed, "#done")
    def _pressed(self) -> None:
        self.action_done()

    def action_done(self) -> None:
        self.mairie.back_to_household()
