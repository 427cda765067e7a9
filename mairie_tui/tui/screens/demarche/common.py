"""What the démarche screens share: the wizard's step line, a recap table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from textual.content import Content

from mairie_tui.domain.catalogue import (
    Step,
)
from mairie_tui.tui.text import content, plain

if TYPE_CHECKING:
    from mairie_tui.domain.catalogue import Demarche
    from mairie_tui.services.requests import RecapItem


def wizard_steps_text(demarche: Demarche, current: Step) -> Content:
    """`1 - MON RENDEZ-VOUS · 2 - MES INFORMATIONS · …`, the current step in reverse."""
    parts = []
    for index, (step, title) in enumerate(demarche.steps, start=1):
        text = f"{index} - {title.upper()}"
        parts.append(content(f" {text} ", "reverse b") if step is current else content(text, "dim"))
    return Content(" · ").join(parts)


def recap_table(items: tuple[RecapItem, ...] | list[RecapItem]) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, expand=False)
    table.add_column("Champ", style="bold", min_width=24, max_width=44)
    table.add_column("Valeur", max_width=70)
    for item in items:
        table.add_row(plain(item.label), plain(item.value))
    return table
