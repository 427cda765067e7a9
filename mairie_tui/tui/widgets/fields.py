"""Small input helpers shared by the screens."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Input

from mairie_tui.domain.safe_text import clean_control, has_control


class Field(Input):
    """An Input whose cursor does not blink under test (stable snapshots).

    A value loaded from the database may hold control characters (an older import): they are
    shown as « � » (domain/safe_text.py), one character for one, so the cursor stays in step;
    the value itself is kept as typed or stored.
    """

    @dataclass
    class TooLong(Message):
        """A key or a paste was refused: the field holds `limit` characters at most."""

        field: Field
        limit: int

    def restricted(self) -> None:
        """Input refused an edit (max_length, restrict): say why when it is the length."""
        super().restricted()
        if self.max_length:
            self.post_message(self.TooLong(self, self.max_length))

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.cursor_blink = False

    def on_blur(self) -> None:
        # Left with the cursor after the last character, a full field stays scrolled by one
        # and hides its first character (« ▊ 5/09/2020 »): a field not being typed in shows its start.
        self.scroll_to(x=0, animate=False, immediate=True)

    @property
    def _value(self) -> Text:
        text = super()._value
        if not self.password and has_control(text.plain):
            text = Text(clean_control(text.plain), no_wrap=True, overflow="ignore", end="")
        return text
