"""The screens' half of the rule for text from people and files (see domain/safe_text.py).

Textual parses a plain `str` as markup in Static, Label, DataTable cells, Select and OptionList
prompts, Button labels and notifications: `Dupont [/]` raises MarkupError and
`[@click=app.quit]` becomes a live link. So person or file text reaches a widget only as
`Content`/`Text` built here, never inside a markup string:

* `plain(value)`   — a Rich `Text` (DataTable cells, Select options, Rich tables…);
  `span(value, style)` the same with the style on the characters only;
* `content(value)` — a Textual `Content` (Static/Label updates);
* `markup(template, **values)` — the app's own markup with `$name` holes filled by *literal*
  text (Textual's template variables), e.g. `markup("[b]$name[/]", name=person.full_name)`;
* `lines(parts)`   — Content joined by newlines.

Every value goes through `clean_control` on the way. Never `textual.markup.escape`: it leaves
`[B]`, `[$x]` and a trailing backslash to be interpreted.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.content import Content

from mairie_tui.domain.safe_text import clean_value


def plain(value: object, style: str = "") -> Text:
    """Person or file text as a Rich `Text`: shown as is, control characters replaced."""
    return Text(clean_value(value), style=style)


def span(value: object, style: str) -> Text:
    """Like `plain`, the style on the characters only (as `[style]…[/]` in a Rich table)."""
    return Text.styled(clean_value(value), style)


def content(value: object, style: str = "") -> Content:
    """Person or file text as Textual `Content`: never parsed as markup."""
    text = Content(clean_value(value))
    return text.stylize(style) if style else text


def markup(template: str, **values: object) -> Content:
    """The app's own markup `template`; each `$name` is replaced by its value, as plain text."""
    return Content.from_markup(template, **{key: clean_value(v) for key, v in values.items()})


def lines(parts: Iterable[Content | str]) -> Content:
    """Lines joined by newlines; a `str` part is plain text, not markup."""
    return Content("\n").join(p if isinstance(p, Content) else content(p) for p in parts)
