"""What the démarche screens share: the wizard's step line, a recap table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from mairie_tui.domain.catalogue import (
    Step,
)
from mairie_tui.tui.text import plain, span

if TYPE_CHECKING:
    from mairie_tui.domain.catalogue import Demarche
    from mairie_tui.services.requests import RecapItem


class StepsLine:
    """The steps joined by ` · `, a line broken between two steps, never inside one (80 columns)."""

    def __init__(self, parts: list[Text]) -> None:
        self.parts = parts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        line = Text()
        for part in self.parts:
            if line and line.cell_len + 3 + part.cell_len > options.max_width:
                yield line
                line = Text()
            if line:
                line.append(" · ")
            line.append_text(part)
        yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((part.cell_len for part in self.parts), default=0)
        total = sum(part.cell_len for part in self.parts) + 3 * max(len(self.parts) - 1, 0)
        return Measurement(min(widest, options.max_width), min(total, options.max_width))

    @property
    def plain(self) -> str:
        return " · ".join(part.plain for part in self.parts)


def wizard_steps_text(demarche: Demarche, current: Step) -> StepsLine:
    """`1 - MON RENDEZ-VOUS · 2 - MES INFORMATIONS · …`, the current step in reverse."""
    parts = []
    for index, (step, title) in enumerate(demarche.steps, start=1):
        text = f"{index} - {title.upper()}"
        parts.append(span(f" {text} ", "reverse b") if step is current else span(text, "dim"))
    return StepsLine(parts)


def recap_table(items: tuple[RecapItem, ...] | list[RecapItem]) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, expand=False)
    table.add_column("Champ", style="bold", min_width=24, max_width=44)
    table.add_column("Valeur", max_width=70)
    for item in items:
        table.add_row(plain(item.label), plain(item.value))
    return table
