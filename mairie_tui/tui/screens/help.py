"""Aide (f1): the screen's explanations and keys, opened through the app (navigation.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

from mairie_tui.tui.text import content


class HelpModal(ModalScreen[None]):
    """f1: what this screen is for and its keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,enter", "close", "Fermer", id="help.close"),
    ]

    def __init__(self, title: str, text: str, screen: Screen[Any]) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.keys = self._keys(screen)

    @staticmethod
    def _keys(screen: Screen[Any]) -> str:
        """The screen's own keys (Textual's built-in scrolling keys are left out)."""
        rows = ["| Touche | Action |", "| :- | :- |"]
        seen: set[str] = set()
        for _node, item, _enabled, _tooltip in screen.active_bindings.values():
            # Our bindings all carry an id; Textual's own (scrolling, copy…) do not.
            if not item.id or not item.description:
                continue
            if (item.id or "").startswith("grid.unit"):
                if "units" not in seen:
                    seen.add("units")
                    rows.append("| `1`-`9` | Cocher / décocher l'unité N |")
                continue
            if item.description in seen:
                continue
            seen.add(item.description)
            rows.append(f"| `{screen.app.get_key_display(item)}` | {item.description} |")
        rows.append("| `tab` / `shift+tab` | Zone suivante / précédente |")
        rows.append("| `^p` | Commandes (Foyer : rechercher…, Session : se déconnecter…) |")
        return "\n".join(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Static(content(f"AIDE — {self.title_text}"), classes="panel-title")
            with VerticalScroll(id="help-scroll"):
                yield Markdown(self.text + "\n\n" + self.keys)
            yield Static("[dim]échap ou f1 : fermer[/]")

    def action_close(self) -> None:
        self.dismiss(None)
