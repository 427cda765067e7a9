"""Listes: the offline mark, the table cells, the site picker and the pointage table."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Select
from textual.widgets._select import SelectCurrent, SelectOverlay
from textual.widgets.data_table import ColumnKey, RowKey

from mairie_tui.domain import fr
from mairie_tui.tui.text import plain

if TYPE_CHECKING:
    from mairie_tui.services.lists import ChildLine, Mark


OFFLINE_TITLE = "COPIE HORS LIGNE"


def is_offline(app: Any) -> bool:
    """True when the app runs on an offline copy (set at sign-in by MairieApp)."""
    return bool(getattr(app, "offline_copy", False))


class PendingMark(NamedTuple):
    enrolment_id: int
    day: date
    unit_id: int
    present: bool
    unexpected: bool
    name: str


# ---------------------------------------------------------------- cells


def mark_cell(mark: Mark | None, pending: PendingMark | None = None, booked: bool = True) -> Text:
    if pending is not None:
        label = (
            "Absent"
            if not pending.present
            else ("Présent (imprévu)" if pending.unexpected else "Présent")
        )
        return Text(f"… {label}", style="dim italic")
    if mark is None:
        # Only booked children are expected; the others are ticked with `i` if they come.
        return Text("· à pointer", style="dim") if booked else Text("—", style="dim")
    if not mark.present:
        return Text("✘ Absent", style="bold red")
    if mark.unexpected:
        return Text("✔ Présent (imprévu)", style="bold yellow")
    return Text("✔ Présent", style="bold green")


def booking_cell(child: ChildLine) -> Text:
    style = {"booked": "", "pending": "yellow", "none": "dim"}[child.booking]
    return plain(child.booking_label, style)


def name_cell(child: ChildLine) -> Text:
    """The name; « ⚠ » in red when the day's menu holds one of its allergens, « ● » when the
    child has an allergy, a diet or a PAI (shown with `c`)."""
    if child.menu_allergens:
        return plain(f"⚠ {child.full_name}", "bold red")
    name = plain(child.full_name)
    if child.diet_label:
        name.append(" ●", style="yellow")
    return name


def absence_cell(child: ChildLine) -> Text:
    if child.absence is None:
        return Text("")
    return plain(child.absence.label, "magenta")


def contacts_cell(child: ChildLine) -> Text:
    phones = [c for c in child.contacts if c.phone]
    if not phones:
        return Text("aucun téléphone", style="dim")
    first = phones[0]
    more = f" (+{len(phones) - 1})" if len(phones) > 1 else ""
    return plain(f"{first.phone}{more}")


def slug(text: str) -> str:
    """`jean-mace` for « Restaurant Jean Macé »'s file names (accents folded by fr.fold)."""
    return re.sub(r"[^a-z0-9]+", "-", fr.fold(text)).strip("-")


# ---------------------------------------------------------------- widgets


class FrenchSelectOverlay(SelectOverlay):
    """The open menu of a picker: its key said in French in the key bar."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Fermer le menu", id="lists.menu_close"),
    ]


class Picker(Select[Any]):
    """A Select whose menu speaks French (type a few letters to jump to a site)."""

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield FrenchSelectOverlay(type_to_search=self._type_to_search).data_bind(
            compact=Select.compact
        )


class PointageTable(DataTable[Any]):
    """The children of the list; pointage keys act on the highlighted row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "screen.mark_present", "Présent", id="lists.present"),
        Binding("a", "screen.mark_absent", "Absent", id="lists.absent"),
        Binding("i", "screen.mark_unexpected", "Imprévu", id="lists.unexpected"),
        Binding("c", "screen.contacts", "Contacts", id="lists.contacts"),
        Binding("enter", "screen.contacts", "Contacts", show=False, id="lists.contacts2"),
        Binding("left", "screen.previous_day", "Jour", key_display="←/→", id="lists.prev2"),
        Binding("right", "screen.next_day", "Jour suivant", show=False, id="lists.next2"),
    ]

    def set_mark_cell(self, row_key: str, value: Text) -> None:
        """Change the Pointage cell of one row, re-rendering that row only.

        DataTable.update_cell bumps a counter that is part of every render
        cache key, so each tick re-rendered every visible cell (about 40 ms
        for 30 children); here only the caches of the changed row are dropped.
        Relies on DataTable internals (Textual 8.2): plain update_cell if they
        are not there.
        """
        value.overflow = "ellipsis"
        try:
            row = RowKey(row_key)
            self._data[row][ColumnKey("mark")] = value
            row_index = self._row_locations.get(row)
            caches: tuple[Any, ...] = (self._cell_render_cache, self._row_render_cache)
            for cache in caches:
                for key in [key for key in cache.keys() if key[0] == row]:  # noqa: SIM118
                    cache.discard(key)
            if row_index is not None:
                self._row_renderable_cache.discard((self._update_count, row_index))
            self._line_cache.clear()
        except (AttributeError, KeyError, TypeError):
            self.update_cell(row_key, "mark", value)
            return
        self.refresh()
