"""What the family agenda draws, as pure helpers: its lines (one per child × activity × unit,
a custody line under a child in alternating custody), its column layout and the text of a
cell at each width. The day states, ticks and legend are the booking grid's (grid_cells.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size

from mairie_tui.domain.calendar import DayState
from mairie_tui.domain.draft import CellView
from mairie_tui.domain.safe_text import clean_control
from mairie_tui.tui.widgets.grid_cells import LEGEND, short_holiday, tick_of

if TYPE_CHECKING:
    from mairie_tui.services.agenda import AgendaRow

LABEL_MIN = 16  # "Paul     Repas" in an 80-column terminal
LABEL_MAX = 46
MONTH_DAY_WIDTHS = (9, 8, 7, 6, 5, 4, 3, 2)  # the widest that leaves LABEL_MIN for the names
WEEK_DAY_MAX = 26
WEEK_LABEL = 34  # the week view keeps the activities' names

# At two columns a day, one character says the state; the legend shows these samples.
TINY = {"[x]": "x", "[+]": "+", "[-]": "-", "[?]": "?", "[ ]": "."}
TINY_SAMPLES = {"Vac.": "V", "—": "—", "··": "·", "[ ]": "."}
# An activity's name that does not fit its column gives way to its kind's short name.
KIND_SHORT = {
    "canteen": ("Cantine",),
    "periscolaire": ("Périscolaire", "Périsco."),
    "alsh": ("Centre de loisirs", "Loisirs"),
    "creche": ("Crèche",),
}


@dataclass(frozen=True)
class AgendaLine:
    """One line of the agenda: a unit of a row (child × activity), or a child's custody."""

    row: int  # index in the agenda's rows
    unit: int  # index in the row's units; -1 for the custody line
    first_of_row: bool = False
    first_of_child: bool = False

    @property
    def is_custody(self) -> bool:
        return self.unit < 0


def agenda_lines(rows: Sequence[AgendaRow]) -> list[AgendaLine]:
    """The rows' units in order; after a child's last row, its custody line (if any)."""
    lines: list[AgendaLine] = []
    for index, row in enumerate(rows):
        child = row.booking.enrolment.child_id
        previous = rows[index - 1].booking.enrolment.child_id if index else None
        for unit_index, _unit in enumerate(row.booking.units):
            lines.append(
                AgendaLine(
                    index,
                    unit_index,
                    first_of_row=unit_index == 0,
                    first_of_child=unit_index == 0 and child != previous,
                )
            )
        following = rows[index + 1].booking.enrolment.child_id if index + 1 < len(rows) else None
        if following != child and row.custody is not None:
            lines.append(AgendaLine(index, -1))
    return lines


@dataclass(frozen=True)
class AgendaLayout:
    label: int  # the names' column, without its border
    day_width: int
    child: int  # parts of the label: child's name, activity (0: left out), unit
    activity: int
    unit: int


def agenda_layout(
    width: int, days: int, weeks: int, rows: Sequence[AgendaRow], *, week_view: bool
) -> AgendaLayout:
    """The day width (the widest that leaves room for the names) and the label's parts."""
    rule_columns = weeks  # one │ before each week
    free = width - rule_columns
    if week_view:
        day_width = max(4, min(WEEK_DAY_MAX, (free - WEEK_LABEL) // max(1, days)))
    else:
        day_width = next(
            (w for w in MONTH_DAY_WIDTHS if free - w * days >= LABEL_MIN), MONTH_DAY_WIDTHS[-1]
        )
    label = max(8, min(LABEL_MAX, free - day_width * days))
    children = max(
        (cell_len(clean_control(r.booking.enrolment.child_name)) for r in rows), default=4
    )
    units = max((cell_len(clean_control(u.name)) for r in rows for u in r.booking.units), default=4)
    unit = min(units, max(4, label // 3))
    child = min(children, max(4, label - unit - 2))
    activity = label - child - unit - 2
    if activity < 8:
        activity = 0
        child = label - unit - 1
    return AgendaLayout(label, day_width, child, activity, unit)


def label_text(row: AgendaRow, line: AgendaLine, layout: AgendaLayout) -> str:
    """`Paul  Restauration sc…  Repas`: the child on its first line, the activity on its row's."""
    enrolment = row.booking.enrolment
    if line.is_custody:
        text = set_cell_size("", layout.child + 1) + "garde alternée"
        return set_cell_size(text, layout.label)
    child = clean_control(enrolment.child_name) if line.first_of_child else ""
    parts = [fit(child, layout.child)]
    if layout.activity:
        activity = clean_control(enrolment.activity_name) if line.first_of_row else ""
        if cell_len(activity) > layout.activity:
            shorter = (
                s for s in KIND_SHORT.get(enrolment.kind, ()) if cell_len(s) <= layout.activity
            )
            activity = next(shorter, activity)
        parts.append(fit(activity, layout.activity))
    parts.append(fit(clean_control(row.booking.units[line.unit].name), layout.unit))
    return set_cell_size(" ".join(parts), layout.label)


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells, ended with … when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def cell_text(view: CellView, width: int) -> str:
    """What one (day, unit) shows in `width` cells: `[x]`, a holiday's name, `—`…"""
    state = view.status.state
    if width <= 2:
        return set_cell_size(_tiny(view), width)
    if state is DayState.OUTSIDE:
        text = "··"
    elif state is DayState.CLOSED:
        text = "—"
    elif state is DayState.HOLIDAY:
        name = short_holiday(view.status.reason)
        text = name if width >= 10 and cell_len(name) <= width - 1 else "Vac."
    elif state is DayState.CLOSURE:
        text = "Fermeture" if width >= 10 else "Fer."
    elif state is DayState.FULL and not view.ticked and not view.forced_reason:
        text = "complet" if width >= 9 else "[ ]"
    else:
        text = tick_of(view) + (" !" if view.forced_reason and width >= 6 else "")
    if cell_len(text) > width:
        text = set_cell_size(text, width)
    pad = (width - cell_len(text)) // 2 if width < 10 else 1
    return set_cell_size(" " * pad + text, width)


def _tiny(view: CellView) -> str:
    state = view.status.state
    if state is DayState.OUTSIDE:
        return "·"
    if state is DayState.CLOSED:
        return "—"
    if state is DayState.HOLIDAY:
        return "V"
    if state is DayState.CLOSURE:
        return "F"
    return TINY[tick_of(view)]


def legend_entries(day_width: int) -> list[tuple[str, str, str]]:
    """The booking grid's legend, with the one-character samples at two columns a day."""
    if day_width > 2:
        return list(LEGEND)
    return [
        (name, TINY_SAMPLES.get(sample, TINY.get(sample, sample)), label)
        for name, sample, label in LEGEND
    ]


def custody_text(label: str, width: int) -> str:
    """`semaine de Mme X` → `Mme X`, within one week's columns."""
    short = label.removeprefix("semaine de ").removeprefix("Semaine de ")
    return fit(" " + clean_control(short), width) if width > 1 else ""


def week_groups(days: Sequence[date]) -> list[list[date]]:
    """The shown days cut at each Monday (a │ before each group)."""
    groups: list[list[date]] = []
    for day in days:
        if not groups or day.isocalendar()[:2] != groups[-1][0].isocalendar()[:2]:
            groups.append([])
        groups[-1].append(day)
    return groups
