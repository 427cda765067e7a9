"""TOUTES LES DÉMARCHES: the catalogue by category."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mairie_tui.services.requests import catalogue
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.demarche.screen import DemarcheScreen
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    pass


class CatalogueScreen(MairieScreen):
    """TOUTES LES DÉMARCHES: the catalogue by category; enter starts the chosen one.

    | Key | Action |
    | :- | :- |
    | enter | Commencer la démarche. |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Toutes les démarches"
    HELP = "Les démarches du catalogue, par rubrique. `entrée` commence la démarche pour ce foyer."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour au foyer", id="catalogue.back"),
    ]

    def __init__(self, household_id: int | None) -> None:
        super().__init__()
        self.household_id = household_id

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        for category, demarches in catalogue().categories().items():
            options.append(Option(content(category.upper(), "b"), disabled=True))
            for demarche in demarches:
                duration = "  " + content(demarche.duration, "dim") if demarche.duration else ""
                options.append(Option(content(f"   {demarche.title}") + duration, id=demarche.code))
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="catalogue-body"):
            yield Static("TOUTES LES DÉMARCHES", classes="panel-title")
            yield OptionList(*options, id="catalogue")
            yield Static("", id="catalogue-about", classes="muted")
        yield KeyBar()

    def on_mount(self) -> None:
        listing = self.query_one("#catalogue", OptionList)
        listing.highlighted = 1
        listing.focus()

    @on(OptionList.OptionHighlighted, "#catalogue")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        found = catalogue().get(event.option.id or "")
        self.query_one("#catalogue-about", Static).update(
            content(found.description if found else "")
        )

    @on(OptionList.OptionSelected, "#catalogue")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.switch_screen(DemarcheScreen(event.option.id, self.household_id))

    def action_back(self) -> None:
        self.app.pop_screen()
