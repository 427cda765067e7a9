"""The booking calendar of step 1 (MA DEMANDE), drawn as one widget.

One widget renders the month title, the grid (ISO week numbers, LUNDI …
DIMANCHE, each day its date and one tick per unit), the status line of the
focused day and the legend. A keypress only moves the focus or edits the
in-memory draft: the day cells of the shown month are cached and only
recomputed after an edit or a change of month. The lines are cached as
strips: each shown week's rows of segments without the cursor (by its Monday)
until a tick in that week, and its lines with the cursor laid on the focused
day until the cursor comes or goes; the frame (title, day names, rules, legend)
until the month, the view, the width or the compactness changes. A move or a
tick redraws only the lines of the week(s) it touches and the status lines
(`_patch_lines`, the component styles looked up once, not per cell) and repaints
those that differ (a tick changes two, a move about four), so the terminal
redraws a few lines of one widget, not the screen; other changes rebuild all
the lines from the caches and repaint those that differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from mairie_tui.domain.calendar import DayStatus, UnitInfo, month_weeks
from mairie_tui.domain.draft import BookingDraft, CellView, EditResult
from mairie_tui.domain.menus import MenuDay
from mairie_tui.domain.safe_text import clean_control
from mairie_tui.tui.breakpoints import SHORT_HEIGHT
from mairie_tui.tui.widgets.grid_cells import (
    MAX_DAY_WIDTH,
    MIN_DAY_WIDTH,
    WEEK_COLUMN,
    WIDE_STATUS,
    GridLayout,
    month_end,
)
from mairie_tui.tui.widgets.grid_drawing import DrawnWeek, GridDrawing


class MonthGrid(GridDrawing, Widget, can_focus=True):
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
        Binding("space", "tick_unit(1)", "Cocher", id="grid.toggle"),
        *[
            Binding(str(n), f"tick_unit({n})", f"Unité {n}", show=False, id=f"grid.unit{n}")
            for n in range(1, 10)
        ],
        Binding("c", "tick_all(True)", "Tout cocher", id="grid.tick_all"),
        Binding("d", "tick_all(False)", "Tout décocher", id="grid.untick_all"),
        Binding("v", "switch_view", "Semaine/mois", id="grid.view"),
        # Same description: the key bar shows `pgup/pgdn Mois`.
        Binding("pageup", "month(-1)", "Mois", id="grid.pageup"),
        Binding("pagedown", "month(1)", "Mois", id="grid.pagedown"),
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
        menus: Mapping[date, MenuDay] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.draft = draft
        self.units = units
        self.period = period
        self.today = today
        # The site's menus by day (canteen, périscolaire): a « Menu : » line under the
        # status when there are any, the same height from day to day.
        self.menus: Mapping[date, MenuDay] = menus or {}
        self.week_view = False
        first = date(period[0].year, period[0].month, 1)
        last = month_end(period[1])
        self._bounds = (first, last)
        self.focus_day = self._clamp(focus_day)
        self._cells: dict[tuple[date, int], CellView] = {}
        self._cells_key: tuple[int, int] | None = None
        self._lines: list[Strip] | None = None
        self._lines_key: tuple[int, bool] | None = None  # (width, compact) of _lines
        self._styles: dict[str, Style] = {}
        self._base: Style | None = None  # rich_style, cached with the component styles
        self._layouts: dict[tuple[int, bool], GridLayout] = {}
        self._weeks: tuple[tuple[object, ...], list[list[date]]] | None = None
        # Each shown week (by its Monday): its cells without the cursor, until a tick there,
        # and its lines with the cursor, until the cursor comes or goes; all of them are
        # dropped when _weeks_key (size, month, view) changes.
        self._week_strips: dict[date, DrawnWeek] = {}
        self._weeks_key: tuple[object, ...] | None = None
        self._frame_strips: dict[str, Any] = {}
        self._frame_key: tuple[object, ...] | None = None
        # Where _build_lines put each shown week (by its Monday) and the status lines, and
        # for what (size, month, view, first week, line count): a move or a tick redraws
        # those lines only (_patch_lines) while this holds.
        self._week_rows: dict[date, tuple[int, list[date]]] = {}
        self._status_rows_at = (0, 0)
        self._drawn_key: tuple[object, ...] | None = None
        self._scrolled: tuple[object, ...] | None = None  # region and body, after a scroll

    # ------------------------------------------------------------ data

    @property
    def shown_month(self) -> tuple[int, int]:
        return (self.focus_day.year, self.focus_day.month)

    def visible_weeks(self) -> list[list[date]]:
        """The weeks shown (one in the week view); the same list until they change."""
        monday = self.focus_day - timedelta(days=self.focus_day.weekday())
        key = (monday, None) if self.week_view else (None, self.shown_month)
        if self._weeks is None or self._weeks[0] != key:
            if self.week_view:
                weeks = [[monday + timedelta(days=offset) for offset in range(7)]]
            else:
                weeks = month_weeks(*self.shown_month)
            self._weeks = (key, weeks)
        return self._weeks[1]

    def visible_days(self) -> list[date]:
        """The days Tout cocher / Tout décocher work on: every day shown, as the help says.

        In the month view that includes the first days of the next month (01/10 and 02/10
        under Septembre 2020) and the last of the previous one, as on the portal, where
        they carry their own boxes; the draft leaves alone those that cannot change.
        """
        return [day for week in self.visible_weeks() for day in week]

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

    def _forget_week(self, day: date, *, cells: bool = False) -> date:
        """Drop the cached lines of `day`'s week (its cells too: `cells`); its Monday."""
        monday = day - timedelta(days=day.weekday())
        if cells:
            self._week_strips.pop(monday, None)
        else:
            drawn = self._week_strips.get(monday)
            if drawn is not None:
                drawn.strips = None  # the cursor came or went, or changed colour
        return monday

    def _size_key(self) -> tuple[int, bool]:
        return (self.content_size.width, self.compact)

    def _repaint(self, weeks: tuple[date, ...] | None = None) -> None:
        """Rebuild the lines now and repaint only those that changed.

        `weeks`: only these weeks (by their Monday, forgotten by the caller) and the
        status lines can have changed (a move, a tick): only they are redrawn.
        """
        old = self._lines
        key = self._size_key()
        width = key[0]
        if old is None or self._lines_key != key or width <= 0:
            self._lines = None
            self.refresh()
            return
        if weeks is not None:
            rows = self._patch_lines(width, weeks)
            if rows is not None:
                if rows:
                    self.refresh(*_line_regions(rows, width))
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
        self._base = None
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
        relayout = self.compact and len(month_weeks(day.year, day.month)) != len(
            month_weeks(*self.shown_month)
        )
        weeks: tuple[date, ...] | None = None
        if (day.year, day.month) == self.shown_month:
            # The cursor leaves one week for another (or the same).
            weeks = (self._forget_week(self.focus_day), self._forget_week(day))
        # (another month: _build_lines drops every week, their days are styled anew)
        self.focus_day = day
        if relayout:
            # Compact: the month's own weeks, and this one has a different count.
            self._lines = None
            self.refresh(layout=True)
        else:
            self._repaint(weeks)
        if self.is_mounted:
            self.call_after_refresh(self.scroll_to_focus)

    def action_move(self, days: int) -> None:
        self.set_focus_day(self.focus_day + timedelta(days=days))

    def action_month(self, delta: int) -> None:
        year, month = self.shown_month
        index = year * 12 + (month - 1) + delta
        year, month = divmod(index, 12)
        month += 1
        day = min(self.focus_day.day, month_end(date(year, month, 1)).day)
        self.set_focus_day(date(year, month, day))

    def action_switch_view(self) -> None:
        self.week_view = not self.week_view
        self._lines = None
        self.refresh(layout=True)
        self.call_after_refresh(self.scroll_to_focus)

    # ------------------------------------------------------------ size

    @property
    def compact(self) -> bool:
        """A short terminal (80×24): no rules between weeks, only the month's own weeks."""
        return self.is_mounted and self.app.size.height < SHORT_HEIGHT

    def _grid_top(self) -> int:
        """Lines above the first week: title, day names (and a rule unless compact)."""
        return 2 if self.compact else 3

    def _week_count(self) -> int:
        if self.week_view:
            return 1
        # Compact: the month's own 4 to 6 weeks; otherwise always six, so that the
        # widget keeps its size from month to month.
        return len(self.visible_weeks()) if self.compact else 6

    def _status_rows(self, width: int) -> int:
        return (1 if width >= WIDE_STATUS else 2) + (1 if self.menus else 0)

    def focus_region(self) -> Region:
        """The focused week's lines (and the status line when both fit), in this widget."""
        layout = self._layout(self.content_size.width)
        weeks = self.visible_weeks()
        index = next((i for i, week in enumerate(weeks) if self.focus_day in week), 0)
        top = self._grid_top() + index * layout.block
        height = 1 + len(self.units)
        gutter = self.styles.gutter
        status_top = self._grid_top() + self._week_count() * layout.block
        status_bottom = status_top + self._status_rows(self.content_size.width)
        parent = self.parent
        viewport = parent.scrollable_content_region.height if isinstance(parent, Widget) else 0
        if status_bottom - top <= viewport:
            height = status_bottom - top
        return Region(0, gutter.top + top, self.outer_size.width, height)

    def scroll_to_focus(self) -> None:
        """Scroll the screen's body so that the focused day (and its status) is in view."""
        parent = self.parent
        if not isinstance(parent, Widget) or not parent.is_scrollable:
            return
        region = self.focus_region().translate(self.virtual_region.offset)
        if self._scrolled == (region, *self._scroll_state(parent)):
            return  # the body has not moved since this region was scrolled into view
        parent.scroll_to_region(region, animate=False, immediate=True)
        self._scrolled = (region, *self._scroll_state(parent))

    @staticmethod
    def _scroll_state(parent: Widget) -> tuple[object, ...]:
        return (parent.scroll_offset, parent.scrollable_content_region, parent.virtual_size)

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
            self._repaint((self._forget_week(day, cells=True),))
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
        row = y - self._grid_top()
        if row < 0 or x < WEEK_COLUMN:
            return None
        block = layout.block
        week_index, line = divmod(row, block)
        weeks = self.visible_weeks()
        if week_index >= len(weeks) or line > len(self.units):
            return None
        column = (x - WEEK_COLUMN) // layout.day_width
        if column > 6:
            return None
        unit_index = line - 1 if 1 <= line <= len(self.units) else None
        return weeks[week_index][column], unit_index

    # ------------------------------------------------------------ rendering

    def _layout(self, width: int) -> GridLayout:
        key = (width, self.compact)
        layout = self._layouts.get(key)
        if layout is None:
            layout = self._layouts[key] = self._new_layout(width)
        return layout

    def _new_layout(self, width: int) -> GridLayout:
        day_width = max(MIN_DAY_WIDTH, min(MAX_DAY_WIDTH, (width - WEEK_COLUMN) // 7))
        rule = 0 if self.compact else 1
        names = max((cell_len(clean_control(unit.name)) for unit in self.units), default=0)
        # " [x] Repas !" must fit in a day; otherwise the cells show the unit's number
        # and the legend names the units.
        show_names = 5 + names <= day_width - 1
        return GridLayout(
            day_width=day_width, block=1 + len(self.units) + rule, show_names=show_names
        )

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        layout = self._layout(width)
        return (
            self._grid_top()
            + self._week_count() * layout.block  # each week ends with its rule unless compact
            + self._status_rows(width)
            + len(self._legend_lines(width, layout))
        )

    def on_focus(self) -> None:
        self._repaint((self._forget_week(self.focus_day),))  # the cursor's colour

    def on_blur(self) -> None:
        self._repaint((self._forget_week(self.focus_day),))

    def render_line(self, y: int) -> Strip:
        key = self._size_key()
        width = key[0]
        if self._lines is None or self._lines_key != key:
            self._lines = self._build_lines(width)
            self._lines_key = key
        if 0 <= y < len(self._lines):
            return self._lines[y]
        return Strip.blank(width, self.rich_style)


def _line_regions(rows: list[int], width: int) -> list[Region]:
    """The regions of these lines, the adjacent ones in one (a week's date and unit lines)."""
    regions: list[Region] = []
    for y in sorted(rows):
        last = regions[-1] if regions else None
        if last is not None and last.bottom == y:
            regions[-1] = Region(0, last.y, width, last.height + 1)
        else:
            regions.append(Region(0, y, width, 1))
    return regions
