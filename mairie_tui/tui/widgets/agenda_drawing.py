"""How the family agenda draws itself: title, day headers, one strip per line, status, legend.

A mixin of `AgendaGrid` (widgets/agenda_grid.py): it reads the grid's state and caches and
returns strips; the widget decides when to rebuild them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import DayState
from mairie_tui.domain.draft import CellView
from mairie_tui.domain.safe_text import clean_control
from mairie_tui.tui.widgets.agenda_cells import (
    AgendaLayout,
    AgendaLine,
    cell_text,
    custody_text,
    label_text,
    legend_entries,
)
from mairie_tui.tui.widgets.grid_cells import (
    LEGEND_LEAD,
    NARROW_LEGEND,
    SHORT_LABELS,
    WIDE_STATUS,
    cell_class,
    describe_cell,
    legend_lead,
    wrap_words,
)

NO_MEAL = {DayState.OUTSIDE, DayState.CLOSED, DayState.HOLIDAY, DayState.CLOSURE}


class AgendaDrawing:
    """The drawing half of AgendaGrid."""

    _styles: dict[str, Style]
    _status_span: tuple[int, int] = (0, 0)
    _frame: dict[str, list[Strip]]
    _frame_key: tuple[object, ...] | None
    _strips_key: tuple[object, ...] | None
    _top: dict[str, list[Strip]]
    _top_key: tuple[object, ...] | None = None
    _drawn_cells: dict[CellView, Segment]

    def _style(self: Any, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"agenda-grid--{name}", partial=True)
            self._styles[name] = style
        return cast(Style, style)

    # ------------------------------------------------------------ sizes

    def _status_rows(self: Any, width: int) -> int:
        menus = any(row.booking.menus for row in self.rows)
        return (1 if width >= WIDE_STATUS else 2) + (1 if menus else 0)

    def _height(self: Any, width: int) -> int:
        layout = self._layout_for(width)
        rules = 0
        if not self.compact:
            children = sum(1 for line in self.lines if line.first_of_child)
            rules = 1 + max(0, children - 1) + 1  # under the headers, between children, last
        legend = len(self._legend_lines(width, layout.day_width))
        return cast(int, 3 + len(self.lines) + rules + self._status_rows(width) + legend)

    # ------------------------------------------------------------ lines

    def _build_lines(self: Any, width: int) -> list[Strip]:
        base = self.rich_style
        layout, groups = self._geometry(width)
        border = base + self._style("border")
        key = (width, self.compact, self._range_key(), layout)
        if self._strips_key != key:
            self._line_strips.clear()
            self._strips_key = key
        self._columns = self._column_positions(layout, groups)
        self._drawn_cells = {}  # each cell state's segment, for this drawing
        top = self._top_strips(width, layout, groups, base, border)
        out: list[Strip] = list(top["head"])
        rule, last_rule = top["rule"][0], top["rule"][1]
        self._line_y = {}
        for index, line in enumerate(self.lines):
            if line.first_of_child and index > 0 and not self.compact:
                out.append(rule)
            self._line_y[index] = len(out)
            strip = self._line_strips.get(index)
            if strip is None:
                segments = self._grid_line(index, line, layout, groups, base, border)
                strip = Strip(segments).crop_extend(0, width, base)
                self._line_strips[index] = strip
            out.append(strip)
        if not self.compact:
            out.append(last_rule)
        top = len(out)
        out.extend(
            Strip(row).crop_extend(0, width, base) for row in self._status_lines(base, width)
        )
        self._status_span = (top, len(out))
        out.extend(self._legend_strips(width, layout.day_width, base))
        return out

    def _top_strips(
        self: Any,
        width: int,
        layout: AgendaLayout,
        groups: list[list[date]],
        base: Style,
        border: Style,
    ) -> dict[str, list[Strip]]:
        """Title, day headers and rules: kept until the range, the focused day or the size
        changes (a tick reuses them)."""
        key = (width, self.compact, self._range_key(), layout, self.focus_day, self.has_focus)
        if self._top_key == key:
            return self._top
        rule = Strip(self._rule(layout, groups, border, "┼")).crop_extend(0, width, base)
        last = Strip(self._rule(layout, groups, border, "┴")).crop_extend(0, width, base)
        head = [self._title_line(width, base)]
        head.extend(
            Strip(segments).crop_extend(0, width, base)
            for segments in self._header_lines(layout, groups, base, border)
        )
        if not self.compact:
            head.append(rule)
        self._top = {"head": head, "rule": [rule, last]}
        self._top_key = key
        return self._top

    def _column_positions(
        self, layout: AgendaLayout, groups: list[list[date]]
    ) -> list[tuple[int, int, date]]:
        columns = []
        x = layout.label
        for group in groups:
            x += 1  # the week's │
            for day in group:
                columns.append((x, layout.day_width, day))
                x += layout.day_width
        return columns

    def _title_line(self: Any, width: int, base: Style) -> Strip:
        if self.week_view:
            week = self.shown_range()
            title = (
                f"◀  Semaine {week[0].isocalendar().week} · du {fr.short_date(week[0])} "
                f"au {fr.short_date(week[-1])}  ▶"
            )
        else:
            title = f"◀  {fr.month_title(*self.shown_month)}  ▶"
        view = "Vue : semaine" if self.week_view else "Vue : mois"
        pad = max(0, (width - cell_len(title)) // 2)
        used = pad + cell_len(title)
        segments = [
            Segment(" " * pad, base),
            Segment(title, base + self._style("title")),
            Segment(" " * max(1, width - used - cell_len(view)), base),
            Segment(view, base + self._style("week")),
        ]
        return Strip(segments).crop_extend(0, width, base)

    def _header_lines(
        self: Any, layout: AgendaLayout, groups: list[list[date]], base: Style, border: Style
    ) -> list[list[Segment]]:
        """Day names, then dates; the focused day's column marked, today underlined."""
        header = base + self._style("header")
        width = layout.day_width
        title = " Enfant · activité · unité" if layout.label >= 26 else " Enfant · unité"
        names: list[Segment] = [Segment(set_cell_size(title, layout.label), header)]
        dates: list[Segment] = [Segment(" " * layout.label, base)]
        for group in groups:
            names.append(Segment("│", border))
            dates.append(Segment("│", border))
            for day in group:
                weekday = fr.WEEKDAYS_UPPER[day.weekday()]
                name = f" {weekday}" if width >= 10 else weekday[: 3 if width >= 4 else 1]
                text = f" {day:%d/%m}" if width >= 10 else f"{day.day:02d}"
                style = base + self._style("date")
                if day == self.today:
                    style += self._style("today")
                if day == self.focus_day:
                    style += self._style("cursor" if self.has_focus else "cursor-blur")
                names.append(Segment(_centre(name, width), header))
                dates.append(Segment(_centre(text, width), style))
        return [names, dates]

    def _rule(
        self, layout: AgendaLayout, groups: list[list[date]], border: Style, joint: str
    ) -> list[Segment]:
        text = "─" * layout.label
        text += "".join(joint + "─" * (len(group) * layout.day_width) for group in groups)
        return [Segment(text, border)]

    def _grid_line(
        self: Any,
        index: int,
        line: AgendaLine,
        layout: AgendaLayout,
        groups: list[list[date]],
        base: Style,
        border: Style,
    ) -> list[Segment]:
        row = self.rows[line.row]
        label_style = base + self._style("child" if line.first_of_child else "label")
        if line.is_custody:
            label_style = base + self._style("week")
        segments = [Segment(label_text(row, line, layout), label_style)]
        muted = base + self._style("week")
        cursor = base + self._style("cursor" if self.has_focus else "cursor-blur")
        drawn: dict[CellView, Segment] = self._drawn_cells
        for group in groups:
            segments.append(Segment("│", border))
            if line.is_custody:
                label = row.custody.label(group[0]) if row.custody is not None else ""
                segments.append(Segment(custody_text(label, len(group) * layout.day_width), muted))
                continue
            unit = row.booking.units[line.unit]
            for day in group:
                view = self.cell(line.row, day, unit.id)
                if index == self.focus_line and day == self.focus_day:
                    style = base + self._style(cell_class(view)) + cursor
                    segments.append(Segment(cell_text(view, layout.day_width), style))
                    continue
                segment = drawn.get(view)
                if segment is None:
                    style = base + self._style(cell_class(view))
                    segment = Segment(cell_text(view, layout.day_width), style)
                    drawn[view] = segment
                segments.append(segment)
        return segments

    # ------------------------------------------------------------ status and legend

    def _status_lines(self: Any, base: Style, width: int) -> list[list[Segment]]:
        """The focused cell in words (day, child, activity, unit, state, custody), the menu."""
        rows = self._status_rows(width)
        menus = any(row.booking.menus for row in self.rows)
        if not self.lines:
            return [[] for _ in range(rows)]
        line = self.lines[self.focus_line]
        row = self.rows[line.row]
        unit = row.booking.units[line.unit]
        day = self.focus_day
        view = self.cell(line.row, day, unit.id)
        enrolment = row.booking.enrolment
        text = (
            f"{fr.long_date(day)} · {enrolment.child_name} · {enrolment.activity_name} · "
            f"{unit.name} : {describe_cell(view)}"
        )
        if row.custody is not None:
            label = row.custody.label(day)
            if label:
                text += f" · garde : {label}"
        style = base + self._style("status")
        text_rows = rows - (1 if menus else 0)
        wrapped = wrap_words(clean_control(text), max(10, width - 2), text_rows)
        status = [[Segment(f" {part}", style)] for part in wrapped]
        status += [[] for _ in range(text_rows - len(wrapped))]
        if menus:
            status.append(self._menu_line(base, width, row, view.status.state))
        return status

    def _menu_line(self: Any, base: Style, width: int, row: Any, state: DayState) -> list[Segment]:
        if state in NO_MEAL:
            return []
        if not row.booking.menus:
            return []
        menu = row.booking.menus.get(self.focus_day)
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

    def _legend_lines(self, width: int, day_width: int) -> list[list[tuple[str, str, str]]]:
        entries = legend_entries(day_width)
        if width < NARROW_LEGEND:
            entries = [(n, s, SHORT_LABELS.get(label, label)) for n, s, label in entries]
        lead, gap = legend_lead(width)
        lines: list[list[tuple[str, str, str]]] = [[]]
        used = lead
        for entry in entries:
            size = cell_len(entry[1]) + 1 + cell_len(entry[2]) + gap
            if lines[-1] and used + size - gap > width:
                lines.append([])
                used = lead
            lines[-1].append(entry)
            used += size
        return lines

    def _legend_strips(self: Any, width: int, day_width: int, base: Style) -> list[Strip]:
        key = (width, day_width)
        if self._frame_key == key:
            return list(self._frame["legends"])
        lead_size, gap = legend_lead(width)
        strips = []
        for index, entries in enumerate(self._legend_lines(width, day_width)):
            lead = " Légende : " if index == 0 and lead_size == LEGEND_LEAD else " " * lead_size
            segments = [Segment(lead, base + self._style("week"))]
            for name, sample, label in entries:
                segments.append(Segment(sample, base + self._style(name)))
                segments.append(Segment(f" {label}" + " " * gap, base + self._style("week")))
            strips.append(Strip(segments).crop_extend(0, width, base))
        self._frame = {"legends": strips}
        self._frame_key = key
        return list(strips)


def _centre(text: str, width: int) -> str:
    if cell_len(text) >= width:
        return set_cell_size(text, width)
    pad = (width - cell_len(text)) // 2 if width < 10 else 0
    return set_cell_size(" " * pad + text, width)
