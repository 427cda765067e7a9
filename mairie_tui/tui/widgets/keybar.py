"""The footer: the keys of the focused screen, drawn as one line by one widget.

Textual's Footer builds one widget per key and restyles them all when the
focus moves, which costs more than the whole month grid; this bar renders the
same information as one line of text and runs a key when it is clicked.
"""

from __future__ import annotations

from textual import events
from textual.app import RenderResult
from textual.content import Content
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
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .keybar--key { color: $footer-key-foreground; text-style: bold; }
    KeyBar > .keybar--description { color: $footer-description-foreground; }
    """

    def __init__(self) -> None:
        super().__init__(id="keybar")
        self._content: Content | None = None
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self._content = None
        self.refresh()

    def _build(self) -> Content:
        key_style = self.get_visual_style("keybar--key")
        description_style = self.get_visual_style("keybar--description")
        parts: list[Content] = [Content(" ")]
        spans: list[tuple[int, int, str]] = []
        position = 1
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
            key = self.app.get_key_display(binding)
            item = Content.assemble(
                (key, key_style),
                " ",
                (TEXTUAL_IN_FRENCH.get(binding.description, binding.description), description_style),
                "  ",
            )
            spans.append((position, position + item.cell_length, binding.key))
            position += item.cell_length
            parts.append(item)
        if palette is not None:
            item = Content.assemble(("^p", key_style), " ", ("Commandes", description_style))
            spans.append((position, position + item.cell_length, palette))
            parts.append(item)
        self._spans = spans
        return Content("").join(parts)

    def render(self) -> RenderResult:
        if self._content is None:
            self._content = self._build()
        return self._content

    async def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                await self.app.run_action(_action_for(self, key))
                return


def _action_for(bar: KeyBar, key: str) -> str:
    for (node, binding, _enabled, _tooltip) in bar.screen.active_bindings.values():
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
