"""Small input helpers shared by the screens."""

from __future__ import annotations

from textual.widgets import Input


class Field(Input):
    """An Input whose cursor does not blink under test (stable snapshots)."""

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.cursor_blink = False
