"""What a day cell of the booking calendar shows: ticks, states, short holiday names,
the legend's entries, and the grid's layout (pure helpers of widgets/month_grid.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.cells import cell_len, set_cell_size

from mairie_tui.domain.calendar import DayState
from mairie_tui.domain.draft import BookingMark, CellView, ChangeKind

WEEK_COLUMN = 5  # " 38 " + border
MIN_DAY_WIDTH = 10
MAX_DAY_WIDTH = 28  # a 200-column terminal gets wide days, not an empty right half
WIDE_STATUS = 110  # from this content width, the status of the focused day takes one line

# Legend entries: (component class, sample, label), in the order shown.
# Under NARROW_LEGEND columns the labels of SHORT_LABELS are used and the legend has no lead.
LEGEND: tuple[tuple[str, str, str], ...] = (
    ("open", "[ ]", "libre"),
    ("booked", "[x]", "réservé"),
    ("added", "[+]", "ajouté ici"),
    ("removed", "[-]", "retiré ici"),
    ("pending", "[?]", "en attente d'instruction"),
    ("booked", "!", "forcé (motif au statut)"),
    ("holiday", "Vac.", "vacances / férié"),
    ("closed", "—", "fermé"),
    ("locked", "[ ]", "délai dépassé"),
    ("full", "[ ]", "complet"),
    ("outside", "··", "hors période"),
)
SHORT_LABELS = {
    "en attente d'instruction": "en attente",
    "forcé (motif au statut)": "forcé",
    "vacances / férié": "vacances",
    "ajouté ici": "ajouté",
    "retiré ici": "retiré",
}
NARROW_LEGEND = 110

STATE_LABELS = {
    DayState.OPEN: "libre",
    DayState.CLOSED: "fermé",
    DayState.HOLIDAY: "vacances",
    DayState.CLOSURE: "fermeture",
    DayState.LOCKED: "délai dépassé",
    DayState.FULL: "complet",
    DayState.OUTSIDE: "hors période",
}


def short_holiday(name: str) -> str:
    """`Vacances de la Toussaint` → `Toussaint`; `Toussaint · Vacances…` → `Toussaint`."""
    first = name.split(" · ")[0]
    for prefix in ("Vacances de la ", "Vacances de l'", "Vacances d'", "Vacances de ", "Vacances "):
        if first.startswith(prefix):
            rest = first[len(prefix) :]
            return rest[:1].upper() + rest[1:]
    return first


def tick_of(cell: CellView) -> str:
    if cell.change is ChangeKind.ADD:
        return "[+]"
    if cell.change is ChangeKind.REMOVE:
        return "[-]"
    if cell.mark is BookingMark.PENDING:
        return "[?]"
    return "[x]" if cell.ticked else "[ ]"


def cell_class(cell: CellView) -> str:
    """The component class that styles one (day, unit) cell."""
    if cell.change is ChangeKind.ADD:
        return "added"
    if cell.change is ChangeKind.REMOVE:
        return "removed"
    state = cell.status.state
    if state is DayState.OPEN:
        if cell.mark is BookingMark.PENDING:
            return "pending"
        return "booked" if cell.ticked else "open"
    if state is DayState.LOCKED or state is DayState.FULL:
        if cell.mark is BookingMark.PENDING:
            return "pending"
        return "booked" if cell.ticked and state is DayState.FULL else state.value
    if state is DayState.CLOSURE:
        return "holiday"
    return state.value


def describe_cell(cell: CellView) -> str:
    """What the status line says about one unit of the focused day."""
    status = cell.status
    if cell.change is ChangeKind.ADD:
        text = "ajouté ici"
    elif cell.change is ChangeKind.REMOVE:
        text = "retiré ici"
    elif cell.mark is BookingMark.PENDING:
        text = "en attente d'instruction"
    elif cell.ticked:
        text = "réservé"
    else:
        text = "non réservé"
    if cell.forced_reason:
        text += f" (forcé : {cell.forced_reason})"
    if status.state is not DayState.OPEN:
        text += f" — {status.reason}"
    return text


LEGEND_LEAD = 11  # " Légende : "


def legend_lead(width: int) -> tuple[int, int]:
    """(lead, gap between entries): narrow legends drop the "Légende :" lead."""
    return (LEGEND_LEAD, 3) if width >= NARROW_LEGEND else (1, 2)


def wrap_words(text: str, width: int, rows: int) -> list[str]:
    """`text` on at most `rows` lines of `width` cells, words kept whole, … when cut."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width or not current:
            current = candidate
            continue
        lines.append(current)
        current = word
    lines.append(current)
    if len(lines) > rows:
        last = " ".join(lines[rows - 1 :])
        lines = lines[: rows - 1] + [set_cell_size(last, width - 1) + "…"]
    return [set_cell_size(line, width) if cell_len(line) > width else line for line in lines]


@dataclass(frozen=True)
class GridLayout:
    day_width: int
    block: int  # lines per week: date, one per unit, rule (none when compact)
    show_names: bool = True  # "[x] Repas" in the cells, or "[x] 1" and the names in the legend


def month_end(day: date) -> date:
    next_month = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return next_month - timedelta(days=1)
