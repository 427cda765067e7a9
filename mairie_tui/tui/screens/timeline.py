"""Historique de la famille: the household's bookings, pointages, absences, requests,
invoices, payments and mails, newest first (services/timeline.py).

Every cell is built with tui/text.py's `plain`: names, reasons and mail subjects
typed by agents or families are shown as they are, never read as markup.
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
from mairie_tui.domain.money import format_euros
from mairie_tui.services.timeline import household_timeline
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import plain
from mairie_tui.tui.widgets.columns import Width, fit_widths, table_room
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.timeline import HouseholdTimeline, TimelineEvent


def cut(value: str) -> Text:
    """Stored text on one line, ending with « … » when the column is too narrow."""
    text = plain(value)
    text.overflow, text.no_wrap = "ellipsis", True
    return text


class TimelineScreen(MairieScreen):
    """Historique de la famille.

    | Key | Action |
    | :- | :- |
    | up / down | Choisir un événement (son détail s'affiche dessous). |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Historique de la famille"
    HELP = (
        "Tout ce qui est arrivé au foyer, du plus récent au plus ancien : réservations "
        "(une ligne par demande ou validation), pointages et absences, demandes avec leur "
        "statut, factures et avoirs, paiements et annulations, courriels avec leur état. "
        "Les 200 derniers événements ; en lecture seule."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour au foyer", id="timeline.back"),
    ]

    def __init__(self, household_id: int) -> None:
        super().__init__()
        self.household_id = household_id
        self.events: tuple[TimelineEvent, ...] = ()

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="timeline-body"):
            yield Static(
                Text("HISTORIQUE DE LA FAMILLE"), id="timeline-title", classes="panel-title"
            )
            yield DataTable(id="timeline-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Chargement…"), id="timeline-detail", classes="muted")
        yield KeyBar()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#timeline-table", DataTable)
        # Sized to the terminal; a cut text ends with « … », the line under the table shows
        # the highlighted event whole.
        room = table_room(table, self.app.size.width, 4, 4)
        widths = fit_widths((Width(10, 10), Width(16, 11), Width(60, 24, True), Width(10, 9)), room)
        for label, width in zip(("Date", "Quoi", "Détail", "Montant"), widths, strict=True):
            table.add_column(label, width=width)
        table.focus()
        app = self.mairie
        actor = app.actor
        assert actor is not None
        household_id = self.household_id

        def call() -> HouseholdTimeline:
            return household_timeline(app.engine, household_id, actor=actor)

        self.call_service("timeline", call, self._show)

    def _show(self, timeline: HouseholdTimeline) -> None:
        self.events = timeline.events
        title = f"HISTORIQUE DE LA FAMILLE — DOSSIER {timeline.dossier}"
        if timeline.truncated:
            title += f" ({len(timeline.events)} derniers événements)"
        self.query_one("#timeline-title", Static).update(plain(title))
        table: DataTable[Text] = self.query_one("#timeline-table", DataTable)
        table.clear()
        for event in timeline.events:
            amount = Text("")
            if event.amount_cents is not None:
                amount = Text(format_euros(event.amount_cents), justify="right")
            table.add_row(
                plain(fr.short_date(event.day)),
                Text(event.kind, overflow="ellipsis", no_wrap=True),
                cut(event.summary),
                amount,
            )
        if not timeline.events:
            self._detail(Text("Aucun événement pour ce foyer.", style="dim"))
        else:
            self._detail(self._describe(0))

    def _describe(self, row: int) -> Text:
        if not 0 <= row < len(self.events):
            return Text("")
        event = self.events[row]
        detail = Text(f"{event.kind} — {fr.date_time(event.at)}\n", style="bold")
        detail.append_text(plain(event.summary))
        return detail

    def _detail(self, text: Text) -> None:
        self.query_one("#timeline-detail", Static).update(text)

    @on(DataTable.RowHighlighted, "#timeline-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(self._describe(event.cursor_row))

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self._detail(plain(message, "bold red"))

    def action_back(self) -> None:
        self.app.pop_screen()
