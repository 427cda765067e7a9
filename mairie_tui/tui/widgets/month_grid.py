"""The booking calendar of step 1 (MA DEMANDE), drawn as one widget.

One widget renders the month title, the grid (ISO week numbers, LUNDI …
DIMANCHE, each day its date and one tick per unit), the status line of the
focused day and the legend. A keypress only moves the focus or edits the
in-memory draft: the day cells of the shown month are cached and only
recomputed after an edit or a change of month, and the lines are cached as
strips. After a keypress the lines are rebuilt at once (the component styles
are looked up once, not per cell) and compared with the previous ones: only
the lines that differ are repainted (a tick changes two, a move about five),
so the terminal redraws a few lines of one widget, not the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import DayState, DayStatus, UnitInfo, month_weeks
from mairie_tui.domain.draft import BookingDraft, BookingMark, CellView, ChangeKind, EditResult
from mairie_tui.domain.safe_text import clean_control

WEEK_COLUMN = 5  # " 38 " + border
MIN_DAY_WIDTH = 10
MAX_DAY_WIDTH = 16

# Legend entries: (component class, sample, label), in the order shown.
LEGEND: tuple[tuple[str, str, str], ...] = (
    ("open", "[ ]", "libre"),
    ("booked", "[x]", "réservé"),
    ("added", "[+]", "ajouté ici"),
    ("removed", "[-]", "retiré ici"),
    ("pending", "[?]", "en attente d'instruction"),
    ("holiday", "Vac.", "vacances / férié"),
    ("closed", "—", "fermé"),
    ("locked", "[ ]", "délai dépassé"),
    ("full", "[ ]", "complet"),
    ("outside", "··", "hors période"),
)

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


class MonthGrid(Widget, can_focus=True):
    """A month (or week) of an enrolment's days, with ticks per unit.

    | Key | Action |
    | :- | :- |
    | left / right | Jour précédent / suivant (change de mois au besoin). |
    | up / down | Semaine précédente / suivante. |
    | pageup / pagedown | Mois précédent / suivant. |
    | space | Cocher / décocher le jour (première unité). |
    | 1-9 | Cocher / décocher l'unité N. |
    | v | Vue semaine / mois. |
    | c | Tout cocher (ce qui est affiché). |
    | d | Tout décocher (ce qui est affiché). |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Jour précédent", show=False, id="grid.left"),
        Binding("right", "move(1)", "Jour suivant", show=False, id="grid.right"),
        Binding("up", "move(-7)", "Semaine précédente", show=False, id="grid.up"),
        Binding("down", "move(7)", "Semaine suivante", show=False, id="grid.down"),
        Binding("pageup", "month(-1)", "Mois précédent", show=False, id="grid.pageup"),
        Binding("pagedown", "month(1)", "Mois suivant", show=False, id="grid.pagedown"),
        Binding("space", "tick_unit(1)", "Cocher", id="grid.toggle"),
        *[
            Binding(str(n), f"tick_unit({n})", f"Unité {n}", show=False, id=f"grid.unit{n}")
            for n in range(1, 10)
        ],
        Binding("v", "switch_view", "Semaine/mois", show=False, id="grid.view"),
        Binding("c", "tick_all(True)", "Tout cocher", id="grid.tick_all"),
        Binding("d", "tick_all(False)", "Tout décocher", id="grid.untick_all"),
    ]

    COMPONENT_CLASSES = {
        "month-grid--title",
        "month-grid--header",
        "month-grid--border",
        "month-grid--week",
        "month-grid--date",
        "month-grid--other-month",
        "month-grid--today",
        "month-grid--cursor",
        "month-grid--cursor-blur",
        "month-grid--status",
        "month-grid--open",
        "month-grid--booked",
        "month-grid--added",
        "month-grid--removed",
        "month-grid--pending",
        "month-grid--holiday",
        "month-grid--closed",
        "month-grid--locked",
        "month-grid--full",
        "month-grid--outside",
    }

    DEFAULT_CSS = """
    MonthGrid {
        height: auto;
        width: 1fr;
        padding: 0 1;
    }
    MonthGrid > .month-grid--title { text-style: bold; color: $text; }
    MonthGrid > .month-grid--header { text-style: bold; color: $text-primary; }
    MonthGrid > .month-grid--border { color: $panel-lighten-2; }
    MonthGrid > .month-grid--week { color: $text-muted; }
    MonthGrid > .month-grid--date { color: $text; }
    MonthGrid > .month-grid--other-month { color: $text-disabled; }
    MonthGrid > .month-grid--today { text-style: bold underline; }
    MonthGrid > .month-grid--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    MonthGrid > .month-grid--cursor-blur { background: $block-cursor-background 35%; }
    MonthGrid > .month-grid--status { color: $text; text-style: bold; }
    MonthGrid > .month-grid--open { color: $text; }
    MonthGrid > .month-grid--booked { color: $success; text-style: bold; }
    MonthGrid > .month-grid--added { color: $text; background: $success 40%; text-style: bold; }
    MonthGrid > .month-grid--removed { color: $error; text-style: strike; }
    MonthGrid > .month-grid--pending { color: $warning; text-style: italic; }
    MonthGrid > .month-grid--holiday { color: #6fa8dc; text-style: italic; }
    MonthGrid > .month-grid--closed { color: $text-disabled; }
    MonthGrid > .month-grid--locked { color: $text-muted; text-style: dim italic; }
    MonthGrid > .month-grid--full { color: $error 70%; text-style: italic; }
    MonthGrid > .month-grid--outside { color: $text-disabled; text-style: dim; }
    """

    @dataclass
    class Edited(Message):
        """The draft changed (tick, Tout cocher, périodicité)."""

        grid: MonthGrid
        result: EditResult
        action: str

        @property
        def control(self) -> MonthGrid:
            return self.grid

    @dataclass
    class Refused(Message):
        """A day could not change: the screen says why, or asks a supervisor for a reason."""

        grid: MonthGrid
        day: date
        unit_id: int
        status: DayStatus

        @property
        def control(self) -> MonthGrid:
            return self.grid

    def __init__(
        self,
        draft: BookingDraft,
        units: tuple[UnitInfo, ...],
        *,
        period: tuple[date, date],
        focus_day: date,
        today: date,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.draft = draft
        self.units = units
        self.period = period
        self.today = today
        self.week_view = False
        first = date(period[0].year, period[0].month, 1)
        last = _month_end(period[1])
        self._bounds = (first, last)
        self.focus_day = self._clamp(focus_day)
        self._cells: dict[tuple[date, int], CellView] = {}
        self._cells_key: tuple[int, int] | None = None
        self._lines: list[Strip] | None = None
        self._lines_width = -1
        self._styles: dict[str, Style] = {}
        # The lines of each shown week (by its Monday), reused until that week changes.
        self._week_strips: dict[date, list[Strip]] = {}
        self._frame_strips: dict[str, Any] = {}
        self._frame_key: tuple[object, ...] | None = None

    # ------------------------------------------------------------ data

    @property
    def shown_month(self) -> tuple[int, int]:
        return (self.focus_day.year, self.focus_day.month)

    def visible_weeks(self) -> list[list[date]]:
        if self.week_view:
            monday = self.focus_day - timedelta(days=self.focus_day.weekday())
            return [[monday + timedelta(days=offset) for offset in range(7)]]
        return month_weeks(*self.shown_month)

    def visible_days(self) -> list[date]:
        """The days Tout cocher / Tout décocher work on: the week, or the month's own days."""
        days = [day for week in self.visible_weeks() for day in week]
        if self.week_view:
            return days
        year, month = self.shown_month
        return [day for day in days if day.month == month and day.year == year]

    def cell(self, day: date, unit_id: int) -> CellView:
        self._ensure_cells()
        key = (day, unit_id)
        found = self._cells.get(key)
        if found is None:
            found = self.draft.cell(day, unit_id)
            self._cells[key] = found
        return found

    def _ensure_cells(self) -> None:
        if self._cells_key != self.shown_month:
            self._cells.clear()
            self._cells_key = self.shown_month

    def invalidate(self, *, cells: bool = True) -> None:
        """Forget cached cells (after the draft changed) and repaint."""
        if cells:
            self._cells.clear()
        self._week_strips.clear()
        self._repaint()

    def _forget_week(self, day: date) -> None:
        self._week_strips.pop(day - timedelta(days=day.weekday()), None)

    def _repaint(self) -> None:
        """Rebuild the lines now and repaint only those that changed."""
        width = self.content_size.width
        old = self._lines
        if old is None or self._lines_width != width or width <= 0:
            self._lines = None
            self.refresh()
            return
        new = self._build_lines(width)
        self._lines = new
        if len(new) != len(old):
            self.refresh()
            return
        pairs = enumerate(zip(old, new, strict=True))
        changed = [Region(0, y, width, 1) for y, (before, after) in pairs if before != after]
        if changed:
            self.refresh(*changed)

    def notify_style_update(self) -> None:
        # The theme or the CSS changed: the cached styles and lines are stale.
        self._styles.clear()
        self._week_strips.clear()
        self._frame_key = None
        self._lines = None
        super().notify_style_update()

    def _clamp(self, day: date) -> date:
        first, last = self._bounds
        return min(max(day, first), last)

    # ------------------------------------------------------------ actions

    def set_focus_day(self, day: date) -> None:
        day = self._clamp(day)
        if day == self.focus_day:
            return
        if (day.year, day.month) == self.shown_month:
            self._forget_week(self.focus_day)  # the cursor leaves it
            self._forget_week(day)
        else:
            self._week_strips.clear()
        self.focus_day = day
        self._repaint()

    def action_move(self, days: int) -> None:
        self.set_focus_day(self.focus_day + timedelta(days=days))

    def action_month(self, delta: int) -> None:
        year, month = self.shown_month
        index = year * 12 + (month - 1) + delta
        year, month = divmod(index, 12)
        month += 1
        day = min(self.focus_day.day, _month_end(date(year, month, 1)).day)
        self.set_focus_day(date(year, month, day))

    def action_switch_view(self) -> None:
        self.week_view = not self.week_view
        self._week_strips.clear()
        self._lines = None
        self.refresh(layout=True)

    def action_tick_unit(self, unit_number: int) -> None:
        if unit_number > len(self.units):
            self.notify(f"Pas d'unité n° {unit_number} pour cette activité.", severity="warning")
            return
        unit = self.units[unit_number - 1]
        self.toggle(self.focus_day, unit.id)

    def toggle(self, day: date, unit_id: int, *, force_reason: str | None = None) -> EditResult:
        result = self.draft.toggle(day, unit_id, force_reason=force_reason)
        if result.changed:
            self._cells.pop((day, unit_id), None)
            self._forget_week(day)
            self._repaint()
            self.post_message(self.Edited(self, result, "toggle"))
        else:
            status = self.draft.status(day, unit_id)
            self.post_message(self.Refused(self, day, unit_id, status))
        return result

    def action_tick_all(self, ticked: bool) -> None:
        result = self.draft.set_days(self.visible_days(), ticked)
        self.invalidate()
        self.post_message(self.Edited(self, result, "tick_all" if ticked else "untick_all"))

    def apply(self, result: EditResult, action: str) -> None:
        """The screen edited the draft itself (périodicité): repaint and report."""
        self.invalidate()
        self.post_message(self.Edited(self, result, action))

    # ------------------------------------------------------------ mouse

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset.x, offset.y
        if y == 0:
            width = self.content_size.width
            if x < width // 2 - 8:
                self.action_month(-1)
            elif x > width // 2 + 8:
                self.action_month(1)
            return
        hit = self._day_at(x, y)
        if hit is None:
            return
        day, unit_index = hit
        if day != self.focus_day:
            self.set_focus_day(day)
        elif unit_index is not None:
            self.toggle(day, self.units[unit_index].id)

    def _day_at(self, x: int, y: int) -> tuple[date, int | None] | None:
        layout = self._layout(self.content_size.width)
        row = y - GRID_TOP
        if row < 0 or x < WEEK_COLUMN:
            return None
        block = layout.block
        week_index, line = divmod(row, block)
        weeks = self.visible_weeks()
        if week_index >= len(weeks) or line >= block - 1:
            return None
        column = (x - WEEK_COLUMN) // layout.day_width
        if column > 6:
            return None
        unit_index = line - 1 if 1 <= line <= len(self.units) else None
        return weeks[week_index][column], unit_index

    # ------------------------------------------------------------ rendering

    def _layout(self, width: int) -> _Layout:
        day_width = max(MIN_DAY_WIDTH, min(MAX_DAY_WIDTH, (width - WEEK_COLUMN) // 7))
        return _Layout(day_width=day_width, block=2 + len(self.units))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        weeks = 1 if self.week_view else 6
        return GRID_TOP + weeks * (2 + len(self.units)) + 1 + len(self._legend_lines())

    def on_focus(self) -> None:
        self._forget_week(self.focus_day)  # the cursor's colour
        self._repaint()

    def on_blur(self) -> None:
        self._forget_week(self.focus_day)
        self._repaint()

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if self._lines is None or self._lines_width != width:
            if self._lines_width != width:
                self._week_strips.clear()
            self._lines = self._build_lines(width)
            self._lines_width = width
        if 0 <= y < len(self._lines):
            return self._lines[y]
        return Strip.blank(width, self.rich_style)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"month-grid--{name}", partial=True)
            self._styles[name] = style
        return style

    def _legend_lines(self) -> list[list[tuple[str, str, str]]]:
        # Two lines of five entries fit in 116 columns.
        return [list(LEGEND[:5]), list(LEGEND[5:])]

    def _build_lines(self, width: int) -> list[Strip]:
        base = self.rich_style
        layout = self._layout(width)
        border = base + self._style("border")
        frame = self._frame(width, layout, base, border)
        lines = [frame["title"], frame["header"], frame["rule"]]

        cursor = base + self._style("cursor" if self.has_focus else "cursor-blur")
        weeks = self.visible_weeks()
        for index, week in enumerate(weeks):
            strips = self._week_strips.get(week[0])
            if strips is None:
                rows = self._week_lines(week, layout, base, border, cursor)
                strips = [Strip(row).crop_extend(0, width, base) for row in rows]
                self._week_strips[week[0]] = strips
            lines.extend(strips)
            lines.append(frame["last-rule" if index == len(weeks) - 1 else "rule"])
        if not self.week_view:
            # Always six weeks tall: the widget keeps its size from month to month.
            lines.extend([frame["blank"]] * ((6 - len(weeks)) * layout.block))

        lines.append(Strip(self._status_line(base)).crop_extend(0, width, base))
        lines.extend(frame["legends"])
        return lines

    def _frame(self, width: int, layout: _Layout, base: Style, border: Style) -> dict[str, Any]:
        """The lines that change only with the month, the view or the size (cached)."""
        key = (width, self.shown_month, self.week_view, self.visible_weeks()[0][0])
        if self._frame_key == key:
            return self._frame_strips
        day_width = layout.day_width
        year, month = self.shown_month
        if self.week_view:
            week = self.visible_weeks()[0]
            title = (
                f"◀  Semaine {week[0].isocalendar().week} · du {fr.short_date(week[0])} "
                f"au {fr.short_date(week[-1])}  ▶"
            )
        else:
            title = f"◀  {fr.month_title(year, month)}  ▶"
        view = "Vue : semaine" if self.week_view else "Vue : mois"
        left_pad = max(0, (width - cell_len(title)) // 2)
        title_line = [
            Segment(" " * left_pad, base),
            Segment(title, base + self._style("title")),
        ]
        used = left_pad + cell_len(title)
        title_line.append(Segment(" " * max(0, width - used - cell_len(view)), base))
        title_line.append(Segment(view, base + self._style("week")))

        # Column headers.
        header = base + self._style("header")
        head = [Segment(set_cell_size(" Sem", WEEK_COLUMN - 1), header), Segment("│", border)]
        for name in fr.WEEKDAYS_UPPER:
            head.append(Segment(set_cell_size(f" {name}", day_width - 1), header))
            head.append(Segment("│", border))

        legends = []
        for index, entries in enumerate(self._legend_lines()):
            lead = " Légende : " if index == 0 else " " * 11
            segments: list[Segment] = [Segment(lead, base + self._style("week"))]
            for name, sample, label in entries:
                segments.append(Segment(sample, base + self._style(name)))
                segments.append(Segment(f" {label}   ", base + self._style("week")))
            legends.append(segments)

        def strip(segments: list[Segment]) -> Strip:
            return Strip(segments).crop_extend(0, width, base)

        self._frame_strips = {
            "title": strip(title_line),
            "header": strip(head),
            "rule": strip(self._rule(layout, border, "┼", "┤")),
            "last-rule": strip(self._rule(layout, border, "┴", "┘")),
            "blank": strip([]),
            "legends": [strip(segments) for segments in legends],
        }
        self._frame_key = key
        return self._frame_strips

    def _rule(self, layout: _Layout, border: Style, joint: str, end: str) -> list[Segment]:
        text = "─" * (WEEK_COLUMN - 1) + joint
        for index in range(7):
            text += "─" * (layout.day_width - 1) + (end if index == 6 else joint)
        return [Segment(text, border)]

    def _week_lines(
        self, week: list[date], layout: _Layout, base: Style, border: Style, cursor: Style
    ) -> list[list[Segment]]:
        day_width = layout.day_width
        inner = day_width - 1
        year, month = self.shown_month
        week_style = base + self._style("week")
        rows: list[list[Segment]] = []
        # Line 0: week number and dates.
        first = [Segment(set_cell_size(f" {week[0].isocalendar().week:>2}", WEEK_COLUMN - 1), week_style), Segment("│", border)]
        for day in week:
            in_month = self.week_view or (day.month == month and day.year == year)
            style = base + self._style("date" if in_month else "other-month")
            if day == self.today:
                style += self._style("today")
            states = {self.cell(day, unit.id).status.state for unit in self.units}
            if states <= {DayState.OUTSIDE}:
                style += self._style("outside")
            elif states <= {DayState.CLOSED}:
                style += self._style("closed")
            text = f" {day.strftime('%d/%m')}"
            if day == self.today:
                text += " auj."
            if day == self.focus_day:
                style += cursor
            first.append(Segment(set_cell_size(text, inner), style))
            first.append(Segment("│", border))
        rows.append(first)
        # One line per unit.
        for unit in self.units:
            row = [Segment(" " * (WEEK_COLUMN - 1), base), Segment("│", border)]
            for day in week:
                view = self.cell(day, unit.id)
                style = base + self._style(cell_class(view))
                if not (self.week_view or day.month == month):
                    style += self._style("other-month")
                text = self._unit_text(view, unit, inner)
                if day == self.focus_day:
                    style += cursor
                row.append(Segment(set_cell_size(text, inner), style))
                row.append(Segment("│", border))
            rows.append(row)
        return rows

    def _unit_text(self, view: CellView, unit: UnitInfo, inner: int) -> str:
        state = view.status.state
        if state is DayState.OUTSIDE:
            return " ··"
        if state is DayState.CLOSED:
            return ""
        if state is DayState.HOLIDAY:
            return f" {short_holiday(view.status.reason)}"
        if state is DayState.CLOSURE:
            return " Fermeture"
        text = f" {tick_of(view)} {clean_control(unit.name)}"
        if view.forced_reason:
            text += " !"
        elif state is DayState.FULL and not view.ticked:
            text = " complet"
        return text

    def _status_line(self, base: Style) -> list[Segment]:
        day = self.focus_day
        parts = []
        for unit in self.units:
            view = self.cell(day, unit.id)
            state = view.status.state
            if state in (DayState.OUTSIDE, DayState.CLOSED, DayState.HOLIDAY, DayState.CLOSURE):
                parts.append(view.status.reason)
                break
            parts.append(f"{unit.name} : {describe_cell(view)}")
        text = clean_control(f" {fr.long_date(day)} · " + " · ".join(parts))
        return [Segment(text, base + self._style("status"))]


GRID_TOP = 3  # title, headers, rule


@dataclass(frozen=True)
class _Layout:
    day_width: int
    block: int  # lines per week: date, one per unit, rule


def _month_end(day: date) -> date:
    next_month = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return next_month - timedelta(days=1)
