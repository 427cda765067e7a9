"""MODIFIER LES RÉSERVATIONS: the household's enrolments, enter starts a booking."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from mairie_tui.services.bookings import open_booking
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import content, markup, plain
from mairie_tui.tui.widgets.columns import Width, fit_widths, table_room
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.bookings import BookingSession
    from mairie_tui.services.households import HouseholdView


class EnrolmentsScreen(MairieScreen):
    """Modifier les réservations.

    | Key | Action |
    | :- | :- |
    | up / down | Choisir l'inscription. |
    | enter | COMMENCER : ouvrir le calendrier. |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Modifier les réservations"
    HELP = (
        "Une ligne par inscription d'un enfant du foyer. `entrée` ouvre le calendrier "
        "de l'inscription en surbrillance (étape 1 — MA DEMANDE)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Commencer", priority=True, id="enrolments.start"),
        Binding("escape", "back", "Retour au foyer", id="enrolments.back"),
    ]

    def __init__(self, household: HouseholdView) -> None:
        super().__init__()
        self.household = household

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="enrolments-body"):
            yield Static("MA FAMILLE", classes="muted")
            yield Static("MODIFIER LES RÉSERVATIONS", classes="panel-title")
            table: DataTable[str] = DataTable(id="enrolment-table", cursor_type="row")
            yield table
            yield Static(
                "Vérifiez que l'enfant est bien inscrit à l'activité, puis entrée pour commencer.",
                id="enrolments-status",
                classes="muted",
            )
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#enrolment-table", DataTable)
        # Sized to the terminal; a long text wraps in its cell (80 columns: the period on two lines).
        room = table_room(table, self.app.size.width, 4, 4)
        widths = fit_widths(
            (Width(12, 8, True), Width(28, 13, True), Width(37, 16, True), Width(27, 13)), room
        )
        for label, width in zip(("Enfant", "Activité", "Site", "Période"), widths, strict=True):
            table.add_column(label, width=width)
        for enrolment in self.household.enrolments:
            active = enrolment.status == "active"
            table.add_row(
                *(
                    plain(text, "" if active else "dim")
                    for text in (
                        enrolment.child_name,
                        enrolment.activity_name,
                        enrolment.site,
                        enrolment.period_text,
                    )
                ),
                key=str(enrolment.id),
                height=None,
            )
        table.move_cursor(row=0)
        table.focus()

    @on(DataTable.RowHighlighted, "#enrolment-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted enrolment's status (only an active one can be booked)."""
        if not 0 <= event.cursor_row < len(self.household.enrolments):
            return
        enrolment = self.household.enrolments[event.cursor_row]
        status = self.query_one("#enrolments-status", Static)
        if enrolment.status == "active":
            status.update(
                "Vérifiez que l'enfant est bien inscrit à l'activité, puis entrée pour commencer."
            )
            return
        hint = (
            " : à valider depuis le foyer (v) avant de réserver."
            if enrolment.status == "pending"
            else " : plus de réservation possible."
        )
        status.update(
            markup(
                "[b]$child · $activity[/] — [b yellow]$status[/]$hint",
                child=enrolment.child_name,
                activity=enrolment.activity_name,
                status=enrolment.status_label,
                hint=hint,
            )
        )

    @on(DataTable.RowSelected, "#enrolment-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_start()

    def action_start(self) -> None:
        table = self.query_one("#enrolment-table", DataTable)
        if not table.row_count:
            return
        enrolment = self.household.enrolments[table.cursor_row]
        self.query_one("#enrolments-status", Static).update("Ouverture du calendrier…")
        app = self.mairie

        def call() -> BookingSession:
            return open_booking(app.engine, enrolment.id, app.clock, actor=app.actor)

        self.call_service("open-booking", call, self._opened)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.query_one("#enrolments-status", Static).update(content(message, "b red"))

    def _opened(self, booking: BookingSession) -> None:
        self.query_one("#enrolments-status", Static).update("")
        self.mairie.open_booking(booking)

    def action_back(self) -> None:
        self.app.pop_screen()
