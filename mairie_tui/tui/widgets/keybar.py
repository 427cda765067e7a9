"""The footer: the keys of the focused screen, drawn as text by one widget.

Textual's Footer builds one widget per key and restyles them all when the
focus moves, which costs more than the whole month grid; this bar renders the
same information as text and runs a key when it is clicked. A key is never cut:
when the keys do not fit on one line (80 columns), the bar takes two or more.
Two keys in a row with the same description show once: `pgup/pgdn Mois`.
"""

from __future__ import annotations

from textual import events
from textual.app import RenderResult
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

# Textual's own widgets describe their keys in English (the Select's open list).
TEXTUAL_IN_FRENCH = {"Dismiss menu": "Fermer la liste"}


class KeyBar(Widget):
    """`space Cocher  c Tout cocher  … ^p Commandes`, from the screen's active bindings."""

    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .keybar--key { color: $footer-key-foreground; text-style: bold; }
    KeyBar > .keybar--description { color: $footer-description-foreground; }
    """

    def __init__(self) -> None:
        super().__init__(id="keybar")
        self._content: Content | None = None
        self._content_width = -1
        self._line_count = 1
        self._shown: list[tuple[str, str, str]] | None = None  # the items _content draws
        # (line, start, end, key) of each item, for clicks.
        self._spans: list[tuple[int, int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self._content is not None and self._items() == self._shown:
            return  # the same keys (a focus moved within the screen): nothing to redraw
        lines = self._line_count
        self._content = None
        self._build_for(self.size.width)
        self.refresh(layout=self._line_count != lines)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._content_width:
            self._content = None
            self.refresh(layout=True)

    def _items(self) -> list[tuple[str, str, str]]:
        """(key shown, description, key) of each key to show, the palette last."""
        items: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        bindings = [
            binding
            for (_node, binding, enabled, _tooltip) in self.screen.active_bindings.values()
            if binding.show and enabled and binding.description
        ]
        palette = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        for binding in bindings:
            if binding.action in seen or binding.key == palette:
                continue
            seen.add(binding.action)
            shown = self.app.get_key_display(binding)
            if items and items[-1][1] == binding.description and items[-1][0] != "^p":
                # pageup "Mois" then pagedown "Mois": `pgup/pgdn Mois`.
                previous = items[-1]
                items[-1] = (f"{previous[0]}/{shown}", previous[1], previous[2])
                continue
            description = TEXTUAL_IN_FRENCH.get(binding.description, binding.description)
            items.append((shown, description, binding.key))
        if palette is not None:
            items.append(("^p", "Commandes", palette))
        return items

    def _build_for(self, width: int) -> Content:
        """The keys on as many lines of `width` cells as they need, none cut."""
        width = max(width, 20)
        items = self._items()
        self._shown = items
        lines, spans = self._pack(items, width, gap=2)
        if len(lines) > 1:
            # A narrow terminal: one space between keys when that saves a line.
            tight = self._pack(items, width, gap=1)
            if len(tight[0]) < len(lines):
                lines, spans = tight
        self._spans = spans
        self._line_count = len(lines)
        self._content_width = width
        self._content = Content("\n").join(Content("").join(parts).rstrip() for parts in lines)
        return self._content

    def _pack(
        self, items: list[tuple[str, str, str]], width: int, *, gap: int
    ) -> tuple[list[list[Content]], list[tuple[int, int, int, str]]]:
        key_style = self.get_visual_style("keybar--key")
        description_style = self.get_visual_style("keybar--description")
        lines: list[list[Content]] = [[Content(" ")]]
        spans: list[tuple[int, int, int, str]] = []
        position = 1
        for shown, description, key in items:
            item = Content.assemble((shown, key_style), " ", (description, description_style))
            if position > 1 and position + item.cell_length > width:
                lines.append([Content(" ")])
                position = 1
            spans.append((len(lines) - 1, position, position + item.cell_length, key))
            lines[-1].append(item)
            lines[-1].append(Content(" " * gap))
            position += item.cell_length + gap
        return lines, spans

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._content is None or self._content_width != max(width, 20):
            self._build_for(width)
        return self._line_count

    def render(self) -> RenderResult:
        if self._content is None or self._content_width != max(self.size.width, 20):
            self._build_for(self.size.width)
        assert self._content is not None
        return self._content

    async def on_click(self, event: events.Click) -> None:
        for line, start, end, key in self._spans:
            if line == event.y and start <= event.x < end:
                await self.app.run_action(_action_for(self, key))
                return


def _action_for(bar: KeyBar, key: str) -> str:
    for node, binding, _enabled, _tooltip in bar.screen.active_bindings.values():
        if binding.key == key:
            prefix = "app." if node is bar.app else ("screen." if node is bar.screen else "")
            if prefix or node is None:
                return f"{prefix}{binding.action}"
            if isinstance(node, Widget):
                node.focus()
            return f"focused.{binding.action}"
    if key == bar.app.COMMAND_PALETTE_BINDING:
        return "app.command_palette"
    return "app.bell"
