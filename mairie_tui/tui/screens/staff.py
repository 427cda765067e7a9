"""Listes (school staff): a placeholder until the lists land (issue 5)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.widgets import Static

from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar


class ListsScreen(MairieScreen):
    """Listes (personnel des écoles).

    | Key | Action |
    | :- | :- |
    | ctrl+d | Se déconnecter. |
    """

    TITLE_TEXT = "Listes"
    HELP = (
        "Le personnel des écoles verra ici les enfants inscrits et réservés du jour, "
        "par site et par unité, pourra pointer les présents et imprimer les listes. "
        "Cet écran arrive avec une prochaine version."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Aide", id="screen.help"),
        Binding("ctrl+d", "sign_out", "Se déconnecter", id="lists.sign_out"),
    ]

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Center(id="lists-center"), Vertical(id="lists-box", classes="panel"):
            yield Static("LISTES — EFFECTIFS DU JOUR", classes="panel-title")
            yield Static(
                "Les listes des enfants inscrits et réservés par site, le pointage "
                "(présent / absent) et l'impression arrivent bientôt.\n\n"
                "[dim]Le personnel des écoles n'a pas accès aux dossiers des foyers.[/]",
                id="lists-text",
            )
        yield KeyBar()

    def action_sign_out(self) -> None:
        self.mairie.sign_out()
