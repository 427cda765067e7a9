"""The command line's consoles: whatever they print is text, never markup or terminal control.

Names and addresses come from people and files (see `mairie_tui.domain.safe_text`). The
consoles therefore parse no markup, highlight nothing and replace every control character but
newline and tab, in plain strings, table cells, titles and `Text` alike; the command line's own
emphasis is built with `styled` (a `Text`), never with markup strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from mairie_tui.domain.safe_text import clean_control, clean_value, has_control


class SafeConsole(Console):
    """A Rich console for text from people: markup off, control characters replaced."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("highlight", False)
        kwargs.setdefault("emoji", False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        # Before layout, so that a replaced character takes the cell it is shown in.
        kwargs["markup"] = False
        kwargs["emoji"] = False
        return super().render_str(clean_control(text), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        # Last net for `Text` built elsewhere: no segment of text carries a control character.
        for segment in super().render(renderable, options):
            if segment.control is None and has_control(segment.text):
                yield Segment(clean_control(segment.text), segment.style)
            else:
                yield segment


def plain(value: object) -> Text:
    """Person or file text as a Rich `Text`: shown as is, control characters replaced."""
    return Text(clean_value(value))


def styled(*parts: str | tuple[str, str]) -> Text:
    """The command line's own emphasis: `styled(("Erreur :", "bold red"), " ", message)`."""
    return Text.assemble(
        *((clean_value(p[0]), p[1]) if isinstance(p, tuple) else clean_value(p) for p in parts)
    )


# JSON escapes C0 itself; these it would write raw with ensure_ascii=False.
_JSON_RAW_UNSAFE = {
    code: f"\\u{code:04x}"
    for code in (0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
}


def json_text(value: Any) -> str:
    """JSON for scripts: every character kept, the dangerous ones as \\uXXXX escapes."""
    return json.dumps(value, ensure_ascii=False, indent=2).translate(_JSON_RAW_UNSAFE)


def export_for_stdout(text: str, fmt: str, to_terminal: bool) -> str:
    """An export written to standard output.

    JSON keeps every character (escaped). A CSV piped to a file or a program is the exact data
    (the import reads it back identically); shown on a terminal, its control characters are
    replaced like everything else the terminal displays.
    """
    if fmt == "json":
        return text.translate(_JSON_RAW_UNSAFE)
    return clean_control(text) if to_terminal else text
