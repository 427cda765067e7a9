"""Demandes à instruire: the agents' inbox across households, and a household's requests.

Oldest first, filtered by status (`s`), démarche (`t`) and age (`a`); `enter`
opens the request's page with its history and the next moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from mairie_tui.clock import PARIS
from mairie_tui.domain import fr
from mairie_tui.services.requests import catalogue, inbox
from mairie_tui.tui.breakpoints import NARROW_WIDTH
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import content, markup, plain
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.requests import InboxRow

# (label, statuses): None = every status.
STATUS_FILTERS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("à instruire", ("deposee", "en_cours", "en_attente")),
    ("déposées", ("deposee",)),
    ("en cours d'instruction", ("en_cours",)),
    ("en attente de pièces", ("en_attente",)),
    ("traitées", ("traitee",)),
    ("refusées", ("refusee",)),
    ("annulées", ("annulee",)),
    ("tous les statuts", None),
)
AGE_FILTERS: tuple[tuple[str, int | None], ...] = (
    ("tout âge", None),
    ("plus de 2 jours", 2),
    ("plus de 7 jours", 7),
    ("plus de 30 jours", 30),
)


def age_text(days: int) -> str:
    if days <= 0:
        return "aujourd'hui"
    return f"{days} j"


class InboxScreen(MairieScreen):
    """Demandes à instruire (or the requests of one household).

    | Key | Action |
    | :- | :- |
    | up / down | Demande précédente / suivante. |
    | enter | Ouvrir la demande. |
    | s | Statut suivant (à instruire, déposées, en cours…). |
    | t | Démarche suivante. |
    | a | Âge suivant (plus de 2, 7, 30 jours). |
    | f5 | Actualiser. |
    | escape | Retour. |
    """

    TITLE_TEXT = "Demandes à instruire"
    HELP = (
        "Les demandes des familles, **les plus anciennes en tête**. `s` change le statut "
        "affiché (à instruire = déposées, en cours et en attente de pièces), `t` la démarche, "
        "`a` l'âge minimum. `entrée` ouvre la demande : réponses, pièces, historique et "
        "étapes possibles."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Ouvrir", id="inbox.open"),
        Binding("s", "next_status", "Statut", id="inbox.status"),
        Binding("t", "next_type", "Démarche", id="inbox.type"),
        Binding("a", "next_age", "Âge", id="inbox.age"),
        Binding("f5", "reload", "Actualiser", id="inbox.reload"),
        Binding("escape", "back", "Retour", id="inbox.back"),
    ]

    def __init__(self, household_id: int | None = None, household_title: str = "") -> None:
        super().__init__()
        self.household_id = household_id
        self.household_title = household_title
        # A household's page shows all its requests; the inbox opens on those to process.
        self.status_index = len(STATUS_FILTERS) - 1 if household_id is not None else 0
        self.type_index = 0
        self.age_index = 0
        self.rows: list[InboxRow] = []
        self._loaded_once = False

    @property
    def type_filters(self) -> list[tuple[str, str | None]]:
        return [("toutes les démarches", None)] + [
            (demarche.title, demarche.code)
            for demarches in catalogue().categories().values()
            for demarche in demarches
        ]

    def compose(self) -> ComposeResult:
        title = (
            f"Demandes du foyer {self.household_title}".strip()
            if self.household_id is not None
            else self.TITLE_TEXT
        )
        yield AppHeader(title)
        with Vertical(id="inbox-body"):
            yield Static(content(title.upper()), classes="panel-title", id="inbox-title")
            yield Static("", id="inbox-filters")
            yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="inbox-status", classes="muted")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#inbox-table", DataTable)
        self._narrow = self._is_narrow()
        self._add_columns(table)
        table.focus()
        self.reload_rows()

    def _is_narrow(self) -> bool:
        return self.app.size.width < NARROW_WIDTH

    def _add_columns(self, table: DataTable[Text]) -> None:
        """Seven columns; below 100 columns three, each on two lines (nothing cut or hidden)."""
        if not self._narrow:
            table.add_column("N°", key="number")
            table.add_column("Déposée le", key="created")
            table.add_column("Âge", key="age")
            table.add_column("Démarche", key="type")
            table.add_column("Statut", key="status")
            table.add_column("Dossier", key="dossier")
            table.add_column("Demandeur", key="requester")
            return
        # The table's width less its padding (0 2), the cells' padding and the scrollbar.
        room = max(self.app.size.width - 4 - 3 * 2 * table.cell_padding - 2, 50)
        requester = max(16, room * 3 // 10)
        table.add_column("N°, date", key="number", width=11)
        table.add_column("Démarche · statut, âge", key="type", width=room - 11 - requester)
        table.add_column("Demandeur · dossier", key="requester", width=requester)

    def on_resize(self) -> None:
        if not hasattr(self, "_narrow") or self._is_narrow() == self._narrow:
            return
        self._narrow = self._is_narrow()
        table = self.query_one("#inbox-table", DataTable)
        table.clear(columns=True)
        self._add_columns(table)
        self._show(self.rows)
        self.query_one("#inbox-filters", Static).update(self._filters_text())

    def filters(self) -> tuple[tuple[str, ...] | None, str | None, int | None]:
        statuses = STATUS_FILTERS[self.status_index][1]
        kind = self.type_filters[self.type_index][1]
        age = AGE_FILTERS[self.age_index][1]
        return statuses, kind, age

    def _filters_text(self) -> Content:
        status = STATUS_FILTERS[self.status_index][0]
        kind = self.type_filters[self.type_index][0]
        age = AGE_FILTERS[self.age_index][0]
        # Below 100 columns one filter a line: a line never breaks inside one.
        gap = "\n" if self.app.size.width < NARROW_WIDTH else "   "
        return markup(
            f"[b]s[/] Statut : [reverse] $status [/]{gap}[b]t[/] Démarche : [reverse] $kind [/]{gap}"
            "[b]a[/] Âge : [reverse] $age [/]",
            status=status,
            kind=kind,
            age=age,
        )

    def action_reload(self) -> None:
        self.reload_rows()

    def reload_rows(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        statuses, kind, age = self.filters()
        household_id = self.household_id
        self.query_one("#inbox-filters", Static).update(self._filters_text())
        self.query_one("#inbox-status", Static).update("Recherche des demandes…")

        def call() -> list[InboxRow]:
            return inbox(
                app.engine,
                actor=actor,
                clock=app.clock,
                statuses=statuses,
                types=[kind] if kind else None,
                min_age_days=age,
                household_id=household_id,
            )

        self.call_service("inbox", call, self._show)

    def _show(self, rows: list[InboxRow]) -> None:
        table = self.query_one("#inbox-table", DataTable)
        selected = self.selected_row()
        self.rows = rows
        table.clear()
        for row in rows:
            style = {
                "deposee": "yellow",
                "en_attente": "magenta",
                "traitee": "green",
                "refusee": "red",
            }
            colour = style.get(row.status)
            if self._narrow:
                created = fr.short_date(row.created_at.astimezone(PARIS).date())
                table.add_row(
                    Text(f"{row.number}\n{created}"),
                    plain(row.type_label)
                    + "\n"
                    + plain(row.status_label, colour or "")
                    + plain(f" · {age_text(row.age_days)}"),
                    plain(row.requester or "—") + "\n" + plain(row.dossier or "sans foyer", "dim"),
                    key=str(row.id),
                    height=None,
                )
                continue
            table.add_row(
                plain(row.number),
                fr.short_date(row.created_at.astimezone(PARIS).date()),
                plain(age_text(row.age_days)),
                plain(row.type_label),
                plain(row.status_label, colour or ""),
                plain(row.dossier or "—"),
                plain(row.requester or "—"),
                key=str(row.id),
            )
        if selected is not None:
            for index, row in enumerate(rows):
                if row.id == selected.id:
                    table.move_cursor(row=index)
        count = len(rows)
        self.query_one("#inbox-status", Static).update(
            f"{count} demande{'s' if count > 1 else ''}"
            + (" (les 200 plus anciennes)" if count >= 200 else "")
            + (" · entrée : ouvrir la demande" if count else " : aucune ne correspond aux filtres.")
        )

    def selected_row(self) -> InboxRow | None:
        table = self.query_one("#inbox-table", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_next_status(self) -> None:
        self.status_index = (self.status_index + 1) % len(STATUS_FILTERS)
        self.reload_rows()

    def action_next_type(self) -> None:
        self.type_index = (self.type_index + 1) % len(self.type_filters)
        self.reload_rows()

    def action_next_age(self) -> None:
        self.age_index = (self.age_index + 1) % len(AGE_FILTERS)
        self.reload_rows()

    @on(DataTable.RowSelected, "#inbox-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.mairie.open_request(row.id)

    def action_back(self) -> None:
        self.app.pop_screen()
        reload = getattr(self.app.screen, "reload", None)
        if self.household_id is not None and reload is not None:
            reload()
