"""Dialogs: help, confirmation (the booking screen's own: booking_modals.py)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mairie_tui.tui.text import content


class ConfirmModal(ModalScreen[bool]):
    """A yes / no question; escape answers no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Non", id="confirm.no"),
        Binding("o", "answer(True)", "Oui", id="confirm.yes"),
        Binding("n", "answer(False)", "Non", show=False, id="confirm.no2"),
    ]

    def __init__(
        self, title: str, question: str | Content, *, yes: str = "Oui", no: str = "Non"
    ) -> None:
        """`question` as a `str` is plain text (it may quote names); `Content` for emphasis."""
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(content(self.title_text), classes="panel-title")
            question = self.question
            yield Static(
                question if isinstance(question, Content) else content(question),
                id="confirm-question",
            )
            with Horizontal(classes="buttons"):
                yield Button(f"{self.no} (n)", id="no", compact=True)
                yield Button(f"{self.yes} (o)", id="yes", compact=True, variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
