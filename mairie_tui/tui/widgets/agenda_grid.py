"""The family agenda: one month (or week) of every child × activity of a household.

One line per unit of each row (child × activity: « Paul  Restauration…  Repas »), the days
of the month in columns, cut into weeks by a rule; the weekdays no row ever opens (the
Wednesdays and weekends of a school canteen) are left out. A custody line under a child in
alternating custody says whose week it is. Under the grid: the status of the focused cell
(the day, the child, the activity, the unit, its state and why), the menu of the day and
the booking grid's legend.

As in the booking grid (widgets/month_grid.py), a keypress only moves the focus or edits
one row's in-memory draft: cells are cached per shown range, each line's strip until that
line changes, and after a keypress the lines are rebuilt from those caches and compared
with the previous ones: a tick repaints its line and the status line, nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from mairie_tui.domain.calendar import DayStatus, UnitInfo
from mairie_tui.domain.draft import CellView, EditResult
from mairie_tui.tui.breakpoints import SHORT_HEIGHT
from mairie_tui.tui.widgets.agenda_cells import (
    AgendaLayout,
    AgendaLine,
    agenda_layout,
    agenda_lines,
    week_groups,
)
from mairie_tui.tui.widgets.agenda_drawing import AgendaDrawing
from mairie_tui.tui.widgets.grid_cells import month_end

if TYPE_CHECKING:
    from mairie_tui.services.agenda import AgendaRow


class AgendaGrid(AgendaDrawing, Widget, can_focus=True):
    """The family's month (or week): one line per child × activity × unit.

    | Key | Action |
    | :- | :- |
    | left / right | Jour précédent / suivant (change de mois au besoin). |
    | up / down | Ligne précédente / suivante (enfant, activité, unité). |
    | pageup / pagedown | Mois précédent / suivant. |
    | space | Cocher / décocher le jour de la ligne. |
    | a | Tout cocher : le mois de l'enfant et de l'activité de la ligne. |
    | d | Tout décocher : le mois de la ligne. |
    | w | Vue semaine / mois. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Jour précédent", show=False, id="agenda.left"),
        Binding("right", "move(1)", "Jour suivant", show=False, id="agenda.right"),
        Binding("up", "line(-1)", "Ligne précédente", show=False, id="agenda.up"),
        Binding("down", "line(1)", "Ligne suivante", show=False, id="agenda.down"),
        Binding("space", "tick", "Cocher", id="agenda.toggle"),
        Binding("a", "tick_all(True)", "Tout cocher", id="agenda.tick_all"),
        # In F1 (the key bar keeps two lines in 80 columns).
        Binding("d", "tick_all(False)", "Tout décocher", show=False, id="agenda.untick_all"),
        Binding("w", "switch_view", "Semaine/mois", id="agenda.view"),
        Binding("pageup", "month(-1)", "Mois", id="agenda.pageup"),
        Binding("pagedown", "month(1)", "Mois", id="agenda.pagedown"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        f"agenda-grid--{name}"
        for name in (
            "title", "header", "border", "week", "label", "child", "date", "today",
            "cursor", "cursor-blur", "column", "status", "open", "booked", "added",
            "removed", "pending", "holiday", "closed", "locked", "full", "outside",
        )
    }  # fmt: skip

    DEFAULT_CSS = """
    AgendaGrid { height: auto; width: 1fr; padding: 0 1; }
    AgendaGrid > .agenda-grid--title { text-style: bold; color: $text; }
    AgendaGrid > .agenda-grid--header { text-style: bold; color: $text-primary; }
    AgendaGrid > .agenda-grid--border { color: $panel-lighten-2; }
    AgendaGrid > .agenda-grid--week { color: $text-muted; }
    AgendaGrid > .agenda-grid--label { color: $text; }
    AgendaGrid > .agenda-grid--child { color: $text; text-style: bold; }
    AgendaGrid > .agenda-grid--date { color: $text; }
    AgendaGrid > .agenda-grid--today { text-style: bold underline; }
    AgendaGrid > .agenda-grid--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    AgendaGrid > .agenda-grid--cursor-blur { background: $block-cursor-background 35%; }
    AgendaGrid > .agenda-grid--column { background: $block-cursor-background 20%; }
    AgendaGrid > .agenda-grid--status { color: $text; text-style: bold; }
    AgendaGrid > .agenda-grid--open { color: $text; }
    AgendaGrid > .agenda-grid--booked { color: $success; text-style: bold; }
    AgendaGrid > .agenda-grid--added { color: $text; background: $success 40%; text-style: bold; }
    AgendaGrid > .agenda-grid--removed { color: $error; text-style: strike; }
    AgendaGrid > .agenda-grid--pending { color: $warning; text-style: italic; }
    AgendaGrid > .agenda-grid--holiday { color: #6fa8dc; text-style: italic; }
    AgendaGrid > .agenda-grid--closed { color: $text-disabled; }
    AgendaGrid > .agenda-grid--locked { color: $text-muted; text-style: dim italic; }
    AgendaGrid > .agenda-grid--full { color: $error 70%; text-style: italic; }
    AgendaGrid > .agenda-grid--outside { color: $text-disabled; text-style: dim; }
    """

    @dataclass
    class Edited(Message):
        """A row's draft changed (tick, Tout cocher)."""

        grid: AgendaGrid
        result: EditResult
        action: str
        row: int

        @property
        def control(self) -> AgendaGrid:
            return self.grid

    @dataclass
    class Refused(Message):
        """A day could not change: the screen says why."""

        grid: AgendaGrid
        row: int
        day: date
        unit_id: int
        status: DayStatus

        @property
        def control(self) -> AgendaGrid:
            return self.grid

    def __init__(
        self,
        rows: Sequence[AgendaRow],
        *,
        focus_day: date,
        today: date,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows = list(rows)
        self.today = today
        self.week_view = False
        self.lines: list[AgendaLine] = agenda_lines(self.rows)
        self.unit_lines = [i for i, line in enumerate(self.lines) if not line.is_custody]
        self.open_weekdays = frozenset(
            weekday for row in self.rows for unit in row.booking.units for weekday in unit.weekdays
        ) or frozenset(range(7))
        starts = [row.booking.enrolment.start for row in self.rows] or [focus_day]
        ends = [row.booking.enrolment.end for row in self.rows] or [focus_day]
        self._bounds = (date(min(starts).year, min(starts).month, 1), month_end(max(ends)))
        self.focus_line = self.unit_lines[0] if self.unit_lines else 0
        self.focus_day = self._open_day(self._clamp(focus_day), 1)
        self._cells: dict[tuple[int, date, int], CellView] = {}
        self._cells_key: tuple[int, int, bool] | None = None
        self._styles: dict[str, Style] = {}
        self._lines: list[Strip] | None = None
        self._lines_key: tuple[int, bool] | None = None
        self._line_strips: dict[int, Strip] = {}
        self._strips_key: tuple[object, ...] | None = None
        self._frame = {}
        self._frame_key = None
        self._top = {}
        self._top_key = None
        self._base_style: Style | None = None  # the widget's own style the strips were drawn with
        self._geometry_key: tuple[object, ...] | None = None
        self._geometry_cache: tuple[AgendaLayout, list[list[date]]]
        self._line_y: dict[int, int] = {}  # agenda line → y in the widget
        self._columns: list[tuple[int, int, date]] = []  # (x, width, day) of each shown day

    # ------------------------------------------------------------ data

    @property
    def shown_month(self) -> tuple[int, int]:
        return (self.focus_day.year, self.focus_day.month)

    def shown_range(self) -> list[date]:
        """Every day of the month (or of the focused week), folded days included."""
        if self.week_view:
            monday = self.focus_day - timedelta(days=self.focus_day.weekday())
            return [monday + timedelta(days=offset) for offset in range(7)]
        first = date(*self.shown_month, 1)
        return [first + timedelta(days=n) for n in range((month_end(first) - first).days + 1)]

    def visible_days(self) -> list[date]:
        """The shown days some unit of some row opens on (no column for the others)."""
        return [day for day in self.shown_range() if day.weekday() in self.open_weekdays]

    def month_days(self) -> list[date]:
        """The days Tout cocher works on: the focused month's (even in the week view)."""
        first = date(*self.shown_month, 1)
        return [first + timedelta(days=n) for n in range((month_end(first) - first).days + 1)]

    @property
    def focused_row(self) -> int:
        return self.lines[self.focus_line].row if self.lines else 0

    @property
    def focused_unit(self) -> UnitInfo:
        line = self.lines[self.focus_line]
        return self.rows[line.row].booking.units[line.unit]

    def cell(self, row: int, day: date, unit_id: int) -> CellView:
        key = (self.focus_day.year, self.focus_day.month, self.week_view)
        if self._cells_key != key:
            # Another month or view: the cells of the shown range are read anew.
            self._cells.clear()
            self._cells_key = key
        found = self._cells.get((row, day, unit_id))
        if found is None:
            found = self.rows[row].booking.draft.cell(day, unit_id)
            self._cells[(row, day, unit_id)] = found
        return found

    def invalidate(self) -> None:
        """Forget the cached cells and lines (the drafts changed) and repaint."""
        self._cells.clear()
        self._line_strips.clear()
        self._repaint()

    def replace_rows(self, rows: Sequence[AgendaRow]) -> None:
        """The agenda was reloaded: fresh drafts (and lines, if an enrolment came or went)."""
        self.rows = list(rows)
        self.lines = agenda_lines(self.rows)
        self.unit_lines = [i for i, line in enumerate(self.lines) if not line.is_custody]
        if self.focus_line not in self.unit_lines:
            self.focus_line = self.unit_lines[0] if self.unit_lines else 0
        self._geometry_key = None
        self._lines = None
        self.invalidate()
        self.refresh(layout=True)

    def _clamp(self, day: date) -> date:
        first, last = self._bounds
        return min(max(day, first), last)

    def _open_day(self, day: date, step: int) -> date:
        """`day`, or the next open weekday in the direction of `step` (within the bounds)."""
        for _ in range(7):
            if day.weekday() in self.open_weekdays:
                return day
            following = self._clamp(day + timedelta(days=step))
            if following == day:
                step = -step
            day = self._clamp(day + timedelta(days=step))
        return day

    # ------------------------------------------------------------ repaint

    @property
    def compact(self) -> bool:
        """A short terminal (80×24): no rules between the children."""
        return self.is_mounted and self.app.size.height < SHORT_HEIGHT

    def _size_key(self) -> tuple[int, bool]:
        return (self.content_size.width, self.compact)

    def _repaint(self) -> None:
        """Rebuild the lines now and repaint only those that changed."""
        old = self._lines
        key = self._size_key()
        width = key[0]
        if old is None or self._lines_key != key or width <= 0:
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
        # Focus and hover restyle the widget without changing its colours: the cached
        # strips are dropped only when a component style really changed.
        old = dict(self._styles)
        self._styles.clear()
        old["(base)"] = self._base_style
        self._base_style = self.rich_style
        self._styles["(base)"] = self._base_style
        if all(self._style(name) == style for name, style in old.items()):
            super().notify_style_update()
            return
        self._styles.clear()
        self._line_strips.clear()
        self._frame_key = None
        self._top_key = None
        self._lines = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        key = self._size_key()
        width = key[0]
        if self._lines is None or self._lines_key != key:
            self._lines = self._build_lines(width)
            self._lines_key = key
        if 0 <= y < len(self._lines):
            return self._lines[y]
        return Strip.blank(width, self.rich_style)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._height(width)

    def on_focus(self) -> None:
        self._line_strips.pop(self.focus_line, None)
        self._repaint()

    def on_blur(self) -> None:
        self._line_strips.pop(self.focus_line, None)
        self._repaint()

    # ------------------------------------------------------------ moves

    def set_focus(self, line: int, day: date) -> None:
        day = self._clamp(day)
        if (line, day) == (self.focus_line, self.focus_day):
            return
        self._line_strips.pop(self.focus_line, None)
        self._line_strips.pop(line, None)
        self.focus_line, self.focus_day = line, day
        self._repaint()
        if self.is_mounted:
            self.call_after_refresh(self.scroll_to_focus)

    def action_move(self, days: int) -> None:
        day = self._clamp(self.focus_day + timedelta(days=days))
        self.set_focus(self.focus_line, self._open_day(day, 1 if days > 0 else -1))

    def action_line(self, delta: int) -> None:
        if not self.unit_lines:
            return
        index = self.unit_lines.index(self.focus_line) + delta
        index = max(0, min(len(self.unit_lines) - 1, index))
        self.set_focus(self.unit_lines[index], self.focus_day)

    def action_month(self, delta: int) -> None:
        year, month = self.shown_month
        year, month = divmod(year * 12 + (month - 1) + delta, 12)
        first = date(year, month + 1, 1)
        day = first.replace(day=min(self.focus_day.day, month_end(first).day))
        self.set_focus(self.focus_line, self._open_day(self._clamp(day), 1))

    def action_switch_view(self) -> None:
        self.week_view = not self.week_view
        self._lines = None
        self.refresh(layout=True)
        self.call_after_refresh(self.scroll_to_focus)

    def focus_region(self) -> Region:
        """The focused line and the status under the grid when both fit in the viewport."""
        top = self._line_y.get(self.focus_line, 0)
        status_top, status_bottom = self._status_span
        parent = self.parent
        viewport = parent.scrollable_content_region.height if isinstance(parent, Widget) else 0
        height = status_bottom - top if status_bottom - top <= viewport else 1
        del status_top
        return Region(0, self.styles.gutter.top + top, self.outer_size.width, height)

    def scroll_to_focus(self) -> None:
        parent = self.parent
        if not isinstance(parent, Widget) or not parent.is_scrollable:
            return
        region = self.focus_region().translate(self.virtual_region.offset)
        parent.scroll_to_region(region, animate=False, immediate=True)

    # ------------------------------------------------------------ edits

    def action_tick(self) -> None:
        if self.lines:
            self.toggle(self.focused_row, self.focus_day, self.focused_unit.id)

    def toggle(self, row: int, day: date, unit_id: int) -> EditResult:
        draft = self.rows[row].booking.draft
        result = draft.toggle(day, unit_id)
        if result.changed:
            self._cells.pop((row, day, unit_id), None)
            self._forget_unit(row, unit_id)
            self._repaint()
            self.post_message(self.Edited(self, result, "toggle", row))
        else:
            self.post_message(self.Refused(self, row, day, unit_id, draft.status(day, unit_id)))
        return result

    def action_tick_all(self, ticked: bool) -> None:
        if not self.lines:
            return
        row = self.focused_row
        result = self.rows[row].booking.draft.set_days(self.month_days(), ticked)
        self.invalidate()
        self.post_message(self.Edited(self, result, "tick_all" if ticked else "untick_all", row))

    def apply(self, result: EditResult, action: str) -> None:
        """The screen edited the drafts itself (périodicité): repaint."""
        del result, action
        self.invalidate()

    def _forget_unit(self, row: int, unit_id: int) -> None:
        """Drop the cached strip of one row's unit line (a tick changed it)."""
        units = self.rows[row].booking.units
        for index, line in enumerate(self.lines):
            if line.row == row and not line.is_custody and units[line.unit].id == unit_id:
                self._line_strips.pop(index, None)

    # ------------------------------------------------------------ mouse

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            middle = self.content_size.width // 2
            if offset.x < middle - 8:
                self.action_month(-1)
            elif offset.x > middle + 8:
                self.action_month(1)
            return
        line = next((i for i, y in self._line_y.items() if y == offset.y), None)
        day = next((d for x, w, d in self._columns if x <= offset.x < x + w), None)
        if line is None or day is None or self.lines[line].is_custody:
            return
        if (line, day) != (self.focus_line, self.focus_day):
            self.set_focus(line, day)
        else:
            self.action_tick()

    # ------------------------------------------------------------ layout

    def _range_key(self) -> tuple[object, ...]:
        if self.week_view:
            return (True, self.focus_day - timedelta(days=self.focus_day.weekday()))
        return (False, self.shown_month)

    def _geometry(self, width: int) -> tuple[AgendaLayout, list[list[date]]]:
        """The layout and the shown days by week, kept until the width or the range changes."""
        key = (width, self._range_key())
        if self._geometry_key != key:
            groups = week_groups(self.visible_days())
            layout = agenda_layout(
                width, sum(map(len, groups)), len(groups), self.rows, week_view=self.week_view
            )
            self._geometry_cache = (layout, groups)
            self._geometry_key = key
        return self._geometry_cache

    def _layout_for(self, width: int) -> AgendaLayout:
        return self._geometry(width)[0]
