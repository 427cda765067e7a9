"""How the booking calendar draws itself: the frame (title, day names, rules, legend),
each week's lines, the status and menu lines of the focused day.

A mixin of `MonthGrid` (widgets/month_grid.py): it reads the grid's state (month, view,
draft, focus, caches) and returns strips; the widget decides when to rebuild them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import DayState, UnitInfo
from mairie_tui.domain.draft import CellView
from mairie_tui.domain.safe_text import clean_control
from mairie_tui.tui.widgets.grid_cells import (
    LEGEND,
    LEGEND_LEAD,
    NARROW_LEGEND,
    SHORT_LABELS,
    WEEK_COLUMN,
    GridLayout,
    cell_class,
    describe_cell,
    legend_lead,
    short_holiday,
    tick_of,
    wrap_words,
)


@dataclass
class DrawnWeek:
    """A shown week: its rows of segments without the cursor, and its lines with it."""

    rows: list[list[Segment]]
    strips: list[Strip] | None = None


def _with_style(segment: Segment, style: Style) -> Segment:
    """`segment` with `style` added last (the cursor over a day's own style)."""
    text, own, _control = segment
    return Segment(text, (own or Style()) + style)


class GridDrawing:
    """The drawing half of MonthGrid (see its docstring for the caches)."""

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"month-grid--{name}", partial=True)
            self._styles[name] = style
        return style

    def _legend_entries(self, width: int, layout: GridLayout) -> list[tuple[str, str, str]]:
        entries = list(LEGEND)
        if width < NARROW_LEGEND:
            entries = [
                (name, sample, SHORT_LABELS.get(label, label)) for name, sample, label in entries
            ]
        if not layout.show_names and len(self.units) > 1:
            # The cells show "[x] 2" for the second unit: the legend names them
            # (one unit is named by the status line).
            names = " · ".join(
                f"{number} {clean_control(unit.name)}"
                for number, unit in enumerate(self.units, start=1)
            )
            entries.insert(0, ("week", "Unités :", names))
        return entries

    def _legend_lines(self, width: int, layout: GridLayout) -> list[list[tuple[str, str, str]]]:
        """The legend's entries, as many a line as the width holds (never cut)."""
        lead, gap = legend_lead(width)
        lines: list[list[tuple[str, str, str]]] = [[]]
        used = lead
        for entry in self._legend_entries(width, layout):
            _name, sample, label = entry
            size = cell_len(sample) + 1 + cell_len(label) + gap
            if lines[-1] and used + size - gap > width:
                lines.append([])
                used = lead
            lines[-1].append(entry)
            used += size
        return lines

    def _base_style(self) -> Style:
        """The widget's own style, under every segment (cached with the component styles)."""
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        return base

    def _cursor_style(self, base: Style) -> Style:
        return base + self._style("cursor" if self.has_focus else "cursor-blur")

    def _week_strips_of(
        self, week: list[date], layout: GridLayout, base: Style, border: Style, width: int
    ) -> list[Strip]:
        """One week's lines (date, one per unit), from the cache or drawn and cached.

        Its cells are drawn once without the cursor (until a tick or a change of
        month forgets them); the cursor is then laid on the focused day's cells only.
        """
        drawn = self._week_strips.get(week[0])
        if drawn is None:
            drawn = DrawnWeek(self._week_lines(week, layout, base, border))
            self._week_strips[week[0]] = drawn
        if drawn.strips is None:
            rows = drawn.rows
            if week[0] <= self.focus_day <= week[-1]:
                cursor = self._cursor_style(base)
                # Each row: the week column, its border, then each day's cell and border.
                index = 2 + 2 * (self.focus_day - week[0]).days
                rows = [
                    [*row[:index], _with_style(row[index], cursor), *row[index + 1 :]]
                    for row in rows
                ]
            drawn.strips = [Strip(row).crop_extend(0, width, base) for row in rows]
        return drawn.strips

    def _build_lines(self, width: int) -> list[Strip]:
        base = self._base_style()
        layout = self._layout(width)
        compact = self.compact
        border = base + self._style("border")
        frame = self._frame(width, layout, base, border)
        lines: list[Strip] = [frame["title"], frame["header"]]
        if not compact:
            lines.append(frame["rule"])

        weeks_key = (width, compact, self.shown_month, self.week_view)
        if self._weeks_key != weeks_key:
            # Other size, month (days of the next month are greyed) or view: redraw all.
            self._week_strips.clear()
            self._weeks_key = weeks_key
        weeks = self.visible_weeks()
        self._week_rows = {}
        for index, week in enumerate(weeks):
            self._week_rows[week[0]] = (len(lines), week)
            lines.extend(self._week_strips_of(week, layout, base, border, width))
            if not compact:
                lines.append(frame["last-rule" if index == len(weeks) - 1 else "rule"])
        if not self.week_view and not compact:
            # Always six weeks tall: the widget keeps its size from month to month.
            lines.extend([frame["blank"]] * ((6 - len(weeks)) * layout.block))

        status = self._status_strips(base, width)
        self._status_rows_at = (len(lines), len(status))
        lines.extend(status)
        lines.extend(frame["legends"])
        self._drawn_key = (*weeks_key, weeks[0][0], len(lines))
        return lines

    def _status_strips(self, base: Style, width: int) -> list[Strip]:
        return [Strip(row).crop_extend(0, width, base) for row in self._status_lines(base, width)]

    def _patch_lines(self, width: int, mondays: Iterable[date]) -> list[int] | None:
        """Redraw in `self._lines` only the lines of the weeks of `mondays` (forgotten
        by the caller) and the status lines; the numbers of the lines that changed.

        None when the lines were drawn for another size, month, view or shown week:
        the caller redraws them all.
        """
        lines = self._lines
        weeks = self.visible_weeks()
        key = (width, self.compact, self.shown_month, self.week_view, weeks[0][0])
        if lines is None or self._drawn_key != (*key, len(lines)) or self._weeks_key != key[:4]:
            return None
        base = self._base_style()
        status_top, status_count = self._status_rows_at
        status = self._status_strips(base, width)
        if len(status) != status_count:
            return None
        layout = self._layout(width)
        border = base + self._style("border")
        changed: list[int] = []

        def put(top: int, strips: list[Strip]) -> None:
            for y, strip in enumerate(strips, start=top):
                if lines[y] != strip:
                    lines[y] = strip
                    changed.append(y)

        for monday in set(mondays):
            row = self._week_rows.get(monday)
            if row is not None:
                top, week = row
                put(top, self._week_strips_of(week, layout, base, border, width))
        put(status_top, status)
        return changed

    def _frame(self, width: int, layout: GridLayout, base: Style, border: Style) -> dict[str, Any]:
        """The lines that change only with the month, the view or the size (cached)."""
        key = (width, self.compact, self.shown_month, self.week_view, self.visible_weeks()[0][0])
        if self._frame_key == key:
            return self._frame_strips
        day_width = layout.day_width
        # Title: < Septembre 2020 >, and the view.
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
        lead_size, gap = legend_lead(width)
        for index, entries in enumerate(self._legend_lines(width, layout)):
            lead = " Légende : " if index == 0 and lead_size == LEGEND_LEAD else " " * lead_size
            segments: list[Segment] = [Segment(lead, base + self._style("week"))]
            for name, sample, label in entries:
                segments.append(Segment(sample, base + self._style(name)))
                segments.append(Segment(f" {label}" + " " * gap, base + self._style("week")))
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

    def _rule(self, layout: GridLayout, border: Style, joint: str, end: str) -> list[Segment]:
        text = "─" * (WEEK_COLUMN - 1) + joint
        for index in range(7):
            text += "─" * (layout.day_width - 1) + (end if index == 6 else joint)
        return [Segment(text, border)]

    def _week_lines(
        self, week: list[date], layout: GridLayout, base: Style, border: Style
    ) -> list[list[Segment]]:
        """A week's rows of segments (date, one per unit), without the cursor."""
        day_width = layout.day_width
        inner = day_width - 1
        year, month = self.shown_month
        week_style = base + self._style("week")
        rows: list[list[Segment]] = []
        # Line 0: week number and dates.
        first = [
            Segment(
                set_cell_size(f" {week[0].isocalendar().week:>2}", WEEK_COLUMN - 1), week_style
            ),
            Segment("│", border),
        ]
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
            if day == self.today and inner >= 11:
                text += " auj."
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
                text = self._unit_text(view, unit, layout)
                row.append(Segment(set_cell_size(text, inner), style))
                row.append(Segment("│", border))
            rows.append(row)
        return rows

    def _unit_text(self, view: CellView, unit: UnitInfo, layout: GridLayout) -> str:
        state = view.status.state
        if state is DayState.OUTSIDE:
            return " ··"
        if state is DayState.CLOSED:
            return ""
        if state is DayState.HOLIDAY:
            name = short_holiday(view.status.reason)
            # "Toussaint" in a 10-column day would read "Toussain": the legend's "Vac.".
            return f" {name}" if cell_len(name) + 1 <= layout.day_width - 1 else " Vac."
        if state is DayState.CLOSURE:
            return " Fermeture"
        if state is DayState.FULL and not view.ticked and not view.forced_reason:
            return " complet"
        if layout.show_names:
            text = f" {tick_of(view)} {clean_control(unit.name)}"
        elif len(self.units) > 1:
            text = f" {tick_of(view)} {self.units.index(unit) + 1}"
        else:
            text = f" {tick_of(view)}"
        if view.forced_reason:
            # The mark stays when the name is cut.
            text = set_cell_size(text, max(4, layout.day_width - 3)).rstrip() + " !"
        return text

    def _status_lines(self, base: Style, width: int) -> list[list[Segment]]:
        """The focused day in words, wrapped on the rows kept for it (cut with … beyond)."""
        day = self.focus_day
        parts = []
        reasons: list[str] = []
        for unit in self.units:
            view = self.cell(day, unit.id)
            state = view.status.state
            if state in (DayState.OUTSIDE, DayState.CLOSED, DayState.HOLIDAY, DayState.CLOSURE):
                parts.append(view.status.reason)
                break
            text = describe_cell(view)
            reason = f" — {view.status.reason}"
            if state is not DayState.OPEN and text.endswith(reason):
                # Said once for the day when the units share it (the deadline).
                text = text[: -len(reason)]
                if view.status.reason not in reasons:
                    reasons.append(view.status.reason)
            parts.append(f"{unit.name} : {text}")
        text = clean_control(
            " · ".join([fr.long_date(day), *parts]) + "".join(f" — {r}" for r in reasons)
        )
        style = base + self._style("status")
        rows = self._status_rows(width) - (1 if self.menus else 0)
        wrapped = wrap_words(text, max(10, width - 2), rows)
        status = [[Segment(f" {line}", style)] for line in wrapped] + [
            [] for _ in range(rows - len(wrapped))
        ]
        if self.menus:
            status.append(self._menu_line(base, width))
        return status

    def _menu_line(self, base: Style, width: int) -> list[Segment]:
        """« Menu : entrée · plat · dessert (allergènes : …) », on one line, cut with … beyond.

        Blank on a day without meals here (closed, holidays, outside the period).
        """
        day = self.focus_day
        states = {self.cell(day, unit.id).status.state for unit in self.units}
        if states <= {DayState.OUTSIDE, DayState.CLOSED, DayState.HOLIDAY, DayState.CLOSURE}:
            return []
        menu = self.menus.get(day)
        if menu is None:
            return [Segment(" Menu : non communiqué", base + self._style("week"))]
        text = menu.dishes or (f"goûter : {menu.snack}" if menu.snack else "non communiqué")
        if menu.allergens:
            text += f" (allergènes : {menu.allergen_names})"
        line = wrap_words(clean_control(text), max(10, width - 9), 1)[0]
        return [
            Segment(" Menu : ", base + self._style("header")),
            Segment(line, base + self._style("date")),
        ]
