"""Courriels du foyer: each mail sent to the family, its state (en attente, envoyé,
échec and the server's reason), and resending it, to a corrected address if need be.

Reached from the Foyer (key `c`). Every cell is a rich Text: an address or a server's
reason is shown as it is, never read as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Static

from mairie_tui.domain import fr
from mairie_tui.services.outbox import household_mails, resend_mail
from mairie_tui.tui.screens.base import MairieModal, MairieScreen
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.outbox import OutboxItem

STATE_STYLES = {"pending": "yellow", "sent": "green", "failed": "bold red"}


def state_text(item: OutboxItem) -> Text:
    """« échec » in red, « envoyé » in green, « en attente » in yellow."""
    return Text(item.status_label, style=STATE_STYLES.get(item.state, ""))


def detail_text(item: OutboxItem) -> Text:
    detail = Text(f"{item.subject}\n", style="bold")
    detail.append(f"À : {item.recipient} — créé le {fr.date_time(item.created_at)}\n", style="")
    state = Text(f"État : {item.status_label}", style=STATE_STYLES.get(item.state, ""))
    if item.state == "sent" and item.sent_at is not None:
        state.append(f", le {fr.date_time(item.sent_at)}")
    if item.state == "pending" and item.next_attempt_at is not None:
        state.append(f", nouvel essai le {fr.date_time(item.next_attempt_at)}")
    detail.append_text(state)
    if item.last_error and item.state != "sent":
        detail.append("\nMotif : ", style="bold")
        detail.append(item.last_error)
    return detail


class HouseholdMailsScreen(MairieScreen):
    """Courriels du foyer.

    | Key | Action |
    | :- | :- |
    | up / down | Choisir un courriel (son état et son motif s'affichent dessous). |
    | r | Renvoyer le courriel. |
    | a | Corriger l'adresse et renvoyer. |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Courriels du foyer"
    HELP = (
        "Les courriels envoyés à la famille (confirmations de réservation, démarches), du plus "
        "récent au plus ancien, avec leur état : **en attente** (l'envoi se fait tout seul, et "
        "se réessaie si le serveur ne répond pas), **envoyé**, ou **échec** avec le motif donné "
        "par le serveur de messagerie (adresse inconnue…).\n\n`r` renvoie le courriel choisi ; "
        "`a` corrige l'adresse avant de le renvoyer."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "resend", "Renvoyer", id="mails.resend"),
        Binding("a", "correct", "Corriger l'adresse", id="mails.correct"),
        Binding("escape", "back", "Retour au foyer", id="mails.back"),
    ]

    def __init__(self, household_id: int, dossier: str) -> None:
        super().__init__()
        self.household_id = household_id
        self.dossier = dossier
        self.items: list[OutboxItem] = []

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="mails-body"):
            yield Static(
                Text(f"COURRIELS DU FOYER {self.dossier}"), id="mails-title", classes="panel-title"
            )
            yield DataTable(id="mails-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Chargement…"), id="mails-detail", classes="muted")
        yield KeyBar()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#mails-table", DataTable)
        # Fits 80 columns: the state first, the date short; the detail below says it all.
        table.add_column("État", width=10)
        table.add_column("Créé le", width=10)
        table.add_column("Objet", width=30)
        table.add_column("Destinataire", width=20)
        table.focus()
        self.reload()

    def reload(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        household_id = self.household_id

        def call() -> list[OutboxItem]:
            return household_mails(app.engine, household_id, actor=actor)

        self.call_service("mails", call, self._show)

    def _show(self, items: list[OutboxItem]) -> None:
        self.items = items
        table: DataTable[Text] = self.query_one("#mails-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in items:
            table.add_row(
                state_text(item),
                Text(fr.short_date(fr.local_date(item.created_at))),
                Text(item.subject, overflow="ellipsis", no_wrap=True),
                Text(item.recipient, overflow="ellipsis", no_wrap=True),
            )
        if not items:
            self._detail(Text("Aucun courriel envoyé à ce foyer."))
            return
        table.move_cursor(row=min(max(row, 0), len(items) - 1))
        self._detail(detail_text(items[table.cursor_row]))

    def _detail(self, text: Text) -> None:
        self.query_one("#mails-detail", Static).update(text)

    @on(DataTable.RowHighlighted, "#mails-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.items):
            self._detail(detail_text(self.items[event.cursor_row]))

    def _chosen(self) -> OutboxItem | None:
        row = self.query_one("#mails-table", DataTable).cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def action_resend(self) -> None:
        item = self._chosen()
        if item is not None:
            self._resend(item, None)

    def action_correct(self) -> None:
        item = self._chosen()
        if item is None:
            return

        def corrected(address: str | None) -> None:
            if address is not None:
                self._resend(item, address)

        self.app.push_screen(AddressModal(item.recipient), corrected)

    def _resend(self, item: OutboxItem, address: str | None) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None

        def call() -> OutboxItem:
            return resend_mail(app.engine, item.id, recipient=address, actor=actor, clock=app.clock)

        def done(resent: OutboxItem) -> None:
            self.notify(
                f"Courriel remis en attente d'envoi, pour {resent.recipient}.",
                title="Renvoi",
                markup=False,
            )
            self.reload()

        self.call_service("mails-resend", call, done)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self._detail(Text(message, style="bold red"))

    def action_back(self) -> None:
        self.app.pop_screen()


class AddressModal(MairieModal[str | None]):
    """The corrected address of a mail (checked by the service when resending)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="address.cancel"),
    ]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="address-box", classes="dialog"):
            yield Static("CORRIGER L'ADRESSE", classes="panel-title")
            yield Static(content(f"Adresse actuelle : {self.current}", "dim"))
            yield Label("Nouvelle adresse e-mail")
            yield Field(value=self.current, id="address", max_length=254)
            yield Static("", id="address-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Annuler (échap)", id="cancel", compact=True)
                yield Button("Renvoyer (entrée)", id="send", compact=True, variant="primary")

    def on_mount(self) -> None:
        self.query_one("#address", Input).focus()

    @on(Input.Submitted, "#address")
    @on(Button.Pressed, "#send")
    def _submit(self) -> None:
        address = self.query_one("#address", Input).value.strip()
        if not address:
            self.query_one("#address-error", Static).update("L'adresse est obligatoire.")
            return
        self.dismiss(address)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
