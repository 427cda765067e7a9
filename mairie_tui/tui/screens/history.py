"""Historique du foyer (supervisors): who changed what in a family's file, and when.

Every cell is a rich Text: names, addresses and comments typed by agents or
families are shown as they are, never read as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from mairie_tui.domain import fr
from mairie_tui.services.history import household_history
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.widgets.columns import Width, fit_widths, table_room
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.history import HistoryEntry, HouseholdHistory


class HouseholdHistoryScreen(MairieScreen):
    """Historique du foyer.

    | Key | Action |
    | :- | :- |
    | up / down | Choisir une entrée (son détail s'affiche dessous). |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Historique du foyer"
    HELP = (
        "Le journal d'audit du foyer, du plus ancien au plus récent : création et "
        "modifications de la fiche (champ par champ, avant → après), membres ajoutés ou "
        "retirés, inscriptions, réservations, demandes et pièces, avec l'agent qui a agi. "
        "Le journal ne se modifie pas. Réservé aux superviseurs."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour au foyer", id="history.back"),
    ]

    def __init__(self, dossier: str) -> None:
        super().__init__()
        self.dossier = dossier
        self.entries: tuple[HistoryEntry, ...] = ()

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="history-body"):
            yield Static(
                Text(f"HISTORIQUE DU FOYER {self.dossier}"),
                id="history-title",
                classes="panel-title",
            )
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Chargement…"), id="history-detail", classes="muted")
        yield KeyBar()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#history-table", DataTable)
        # Sized to the terminal; a cut text ends with « … » and the line under the table shows
        # the highlighted entry whole.
        room = table_room(table, self.app.size.width, 4, 4)
        widths = fit_widths(
            (Width(27, 26), Width(20, 10), Width(28, 12), Width(36, 10, True)), room
        )
        for label, width in zip(("Quand", "Agent", "Action", "Détail"), widths, strict=True):
            table.add_column(label, width=width)
        table.focus()
        app = self.mairie
        actor = app.actor
        assert actor is not None
        dossier = self.dossier

        def call() -> HouseholdHistory:
            return household_history(app.engine, dossier, actor=actor)

        self.call_service("history", call, self._show)

    def _show(self, history: HouseholdHistory) -> None:
        self.entries = history.entries
        title = f"HISTORIQUE DU FOYER {history.dossier}"
        if history.representative:
            title += f" — {history.representative}"
        self.query_one("#history-title", Static).update(Text(title))
        table: DataTable[Text] = self.query_one("#history-table", DataTable)
        table.clear()
        for entry in history.entries:
            table.add_row(
                Text(fr.date_time(entry.at)),
                Text(entry.agent, overflow="ellipsis", no_wrap=True),
                Text(entry.label, overflow="ellipsis", no_wrap=True),
                Text(entry.summary, overflow="ellipsis", no_wrap=True),
            )
        if not history.entries:
            self._detail(Text("Aucune entrée au journal pour ce foyer."))
        else:
            self._detail(self._describe(0))

    def _describe(self, row: int) -> Text:
        if not 0 <= row < len(self.entries):
            return Text("")
        entry = self.entries[row]
        detail = Text(f"{entry.label} — {fr.date_time(entry.at)} — {entry.agent}\n", style="bold")
        detail.append(entry.summary or "(sans détail)", style="")
        return detail

    def _detail(self, text: Text) -> None:
        self.query_one("#history-detail", Static).update(text)

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(self._describe(event.cursor_row))

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self._detail(Text(message, style="bold red"))

    def action_back(self) -> None:
        self.app.pop_screen()
