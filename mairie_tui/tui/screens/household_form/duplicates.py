"""Doublon possible: the modal the household form opens before saving a look-alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from mairie_tui.tui.screens.base import MairieModal
from mairie_tui.tui.text import markup

if TYPE_CHECKING:
    from mairie_tui.services.errors import DuplicateCandidate


class DuplicatesModal(MairieModal[tuple[str, int | None] | None]):
    """Doublon possible: save anyway, open the existing household, or go back to the form.

    | Key | Action |
    | :- | :- |
    | enter | Ouvrir le foyer en surbrillance. |
    | ctrl+s | Enregistrer quand même. |
    | escape | Revenir à la fiche. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Revenir à la fiche", id="duplicates.back"),
        Binding("ctrl+s", "save", "Enregistrer quand même", priority=True, id="duplicates.save"),
    ]

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        super().__init__()
        self.candidates = candidates

    def compose(self) -> ComposeResult:
        count = len(self.candidates)
        with Vertical(id="duplicates-box", classes="dialog"):
            yield Static("DOUBLON POSSIBLE", classes="panel-title")
            yield Static(
                f"Ce foyer ressemble à {count} foyer{'s' if count > 1 else ''} déjà enregistré"
                f"{'s' if count > 1 else ''} :"
            )
            yield OptionList(
                *[
                    Option(
                        markup(
                            "[b]$dossier[/] · $representative · $commune\n  [dim]$reason[/]",
                            dossier=c.dossier,
                            representative=c.representative,
                            commune=c.commune,
                            reason=c.reason,
                        ),
                        id=str(c.household_id),
                    )
                    for c in self.candidates
                ],
                id="duplicates-list",
            )
            with Horizontal(classes="buttons"):
                yield Button("Revenir (échap)", id="back", compact=True)
                yield Button("Ouvrir le foyer (entrée)", id="open", compact=True)
                yield Button(
                    "Enregistrer quand même (ctrl+s)", id="save", compact=True, variant="warning"
                )

    def on_mount(self) -> None:
        option_list = self.query_one("#duplicates-list", OptionList)
        option_list.highlighted = 0
        option_list.focus()

    def _highlighted_id(self) -> int | None:
        option_list = self.query_one("#duplicates-list", OptionList)
        if option_list.highlighted is None:
            return None
        option_id = option_list.get_option_at_index(option_list.highlighted).id
        return int(option_id) if option_id is not None else None

    @on(OptionList.OptionSelected, "#duplicates-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(("open", int(event.option.id)))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "open":
            self.dismiss(("open", self._highlighted_id()))
        else:
            self.action_back()

    def action_save(self) -> None:
        self.dismiss(("save", None))

    def action_back(self) -> None:
        self.dismiss(None)
