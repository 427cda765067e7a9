"""The receipt of a payment just taken: its printed text, the PDF, back to the Foyer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from mairie_tui.services.regie.documents import receipt_pdf
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.regie import Receipt

RECEIPTS_FOLDER = "recus"


class ReceiptScreen(MairieScreen):
    """Reçu.

    | Key | Action |
    | :- | :- |
    | i | Imprimer : le reçu en PDF dans le dossier des données (chemin affiché). |
    | escape / enter | Retour au foyer (solde à jour). |
    """

    TITLE_TEXT = "Reçu"
    HELP = (
        "Le reçu de l'encaissement, tel qu'il est imprimé. `i` écrit le PDF du reçu dans le "
        "dossier `recus` des données de l'application et affiche son chemin ; `échap` revient "
        "au foyer, dont le solde est à jour."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "print", "Imprimer (PDF)", id="receipt.print"),
        Binding("escape", "back", "Retour au foyer", id="receipt.back"),
        Binding("enter", "back", "Retour au foyer", show=False, id="receipt.back2"),
    ]

    def __init__(self, receipt: Receipt) -> None:
        super().__init__()
        self.receipt = receipt

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with VerticalScroll(id="receipt-body"):
            yield Static(content(self.receipt.text()), id="receipt-text")
        # Outside the scroll: the path stays in sight whatever the terminal's height.
        yield Static("", id="receipt-pdf")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#receipt-pdf", Static).display = False
        self.query_one("#receipt-body", VerticalScroll).focus()

    def action_print(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        number = self.receipt.number
        folder = Path(app.settings.data_dir) / RECEIPTS_FOLDER

        def call() -> Path:
            folder.mkdir(parents=True, exist_ok=True)
            return receipt_pdf(app.engine, number, folder / f"{number}.pdf", actor=actor)

        def done(path: Path) -> None:
            self._say(content(f"PDF du reçu écrit : {path}", "b"))

        self.call_service("receipt-pdf", call, done)

    def _say(self, text: Content) -> None:
        shown = self.query_one("#receipt-pdf", Static)
        shown.update(text)
        shown.display = True

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self._say(content(message, "b red"))

    def action_back(self) -> None:
        self.mairie.back_to_household()
