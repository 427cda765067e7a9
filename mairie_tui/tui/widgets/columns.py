"""Table columns sized to the terminal: nothing cut at 80 columns, the room used at 200.

A column asks for a width and accepts a minimum; `fit_widths` shares the room
between them: below what they ask the columns give up part of their extra
width (never going under their minimum; the names last), above it the
flexible columns (names, démarches) grow. Texts longer than their column wrap (rows of auto height) or
end with an ellipsis, never cut mid-word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey


class Width(NamedTuple):
    wanted: int
    minimum: int
    grows: bool = False  # takes a share of the extra room in a wide terminal


def fit_widths(columns: Sequence[Width], room: int) -> list[int]:
    """Widths (in cells, padding excluded) that fill `room` as well as the minimums allow."""
    widths = [column.wanted for column in columns]
    total = sum(widths)
    if total > room:
        # The other columns give up their extra width first, the names (`grows`) last.
        for giving in (False, True):
            group = [i for i, column in enumerate(columns) if column.grows is giving]
            spare = [widths[i] - columns[i].minimum for i in group]
            to_give = min(sum(widths) - room, sum(spare))
            if to_give <= 0:
                continue
            given = 0
            for i, extra in zip(group, spare, strict=True):
                share = to_give * extra // sum(spare)
                widths[i] -= share
                given += share
            for i in group:  # rounding: the rest from those that still can give
                step = min(widths[i] - columns[i].minimum, to_give - given)
                widths[i] -= step
                given += step
    elif total < room:
        # Up to twice what they ask: a wide terminal shows long names whole, no wider.
        growing = [index for index, column in enumerate(columns) if column.grows]
        for index in growing:
            widths[index] += min((room - total) // len(growing), columns[index].wanted)
    return widths


def table_room(table: DataTable[Any], terminal_width: int, outer: int, columns: int) -> int:
    """The cells' room: the terminal less the screen's padding (`outer`), the cells' padding
    and the vertical scrollbar."""
    return terminal_width - outer - 2 * table.cell_padding * columns - 2


def resize_columns(table: DataTable[Any], keys: Sequence[str], widths: Sequence[int]) -> None:
    """Give existing columns new widths (after a resize of the terminal)."""
    for key, width in zip(keys, widths, strict=True):
        column = table.columns.get(ColumnKey(key))
        if column is not None:
            column.width = width
            column.auto_width = False
    # DataTable has no public call for this: its dimensions and render caches are rebuilt.
    table._require_update_dimensions = True
    table._clear_caches()
    table.refresh(layout=True)
