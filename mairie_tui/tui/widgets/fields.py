"""Small input helpers shared by the screens."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input

from mairie_tui.domain.safe_text import clean_control, has_control


class Field(Input):
    """An Input whose cursor does not blink under test (stable snapshots).

    A value loaded from the database may hold control characters (an older import): they are
    shown as « � » (domain/safe_text.py), one character for one, so the cursor stays in step;
    the value itself is kept as typed or stored.
    """

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.cursor_blink = False

    @property
    def _value(self) -> Text:
        text = super()._value
        if not self.password and has_control(text.plain):
            text = Text(clean_control(text.plain), no_wrap=True, overflow="ignore", end="")
        return text
