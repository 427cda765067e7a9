"""The month grid on its own: several units, mouse, cached rendering."""

from __future__ import annotations

from datetime import date, datetime

from textual.app import App, ComposeResult

from mairie_tui.clock import PARIS
from mairie_tui.domain.calendar import CalendarContext, DeadlineRule, UnitInfo
from mairie_tui.domain.draft import BookingDraft, BookingMark, ChangeKind
from mairie_tui.tui.widgets.month_grid import MonthGrid
from tests.tui.helpers import run_async

MORNING = UnitInfo(1, "Matin", frozenset({0, 1, 3, 4}))
EVENING = UnitInfo(2, "Soir", frozenset({0, 1, 3, 4}))


def make_draft() -> BookingDraft:
    ctx = CalendarContext(
        period_start=date(2020, 9, 1),
        period_end=date(2021, 7, 6),
        units=(MORNING, EVENING),
        rule=DeadlineRule(),
        now=datetime(2020, 9, 15, 10, 0, tzinfo=PARIS),
    )
    existing = {
        (date(2020, 9, 24), 2): BookingMark.BOOKED,
        (date(2020, 9, 25), 1): BookingMark.PENDING,
    }
    return BookingDraft(ctx=ctx, existing=existing)


class GridApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.draft = make_draft()
        self.edits: list[MonthGrid.Edited] = []
        self.refusals: list[MonthGrid.Refused] = []

    def compose(self) -> ComposeResult:
        yield MonthGrid(
            self.draft,
            (MORNING, EVENING),
            period=(date(2020, 9, 1), date(2021, 7, 6)),
            focus_day=date(2020, 9, 15),
            today=date(2020, 9, 15),
        )

    def on_mount(self) -> None:
        self.query_one(MonthGrid).focus()

    def on_month_grid_edited(self, event: MonthGrid.Edited) -> None:
        self.edits.append(event)

    def on_month_grid_refused(self, event: MonthGrid.Refused) -> None:
        self.refusals.append(event)


def grid_text(app: GridApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@run_async
async def test_units_by_number_and_states_shown() -> None:
    app = GridApp()
    async with app.run_test(size=(120, 40)) as pilot:
        grid = app.query_one(MonthGrid)
        text = grid_text(app)
        assert "[x] Soir" in text  # 24/09, booked
        assert "[?] Matin" in text  # 25/09, awaiting instruction
        assert "[ ] Matin" in text and "[ ] Soir" in text
        await pilot.press("down", "right", "right", "right", "2")  # 25/09, Soir
        await pilot.press("1")  # 25/09, Matin: pending → cancelled here
        assert app.draft.changes == {
            (date(2020, 9, 25), 2): ChangeKind.ADD,
            (date(2020, 9, 25), 1): ChangeKind.REMOVE,
        }
        await pilot.pause()
        assert "[+] Soir" in grid_text(app) and "[-] Matin" in grid_text(app)
        assert "Matin : retiré ici · Soir : ajouté ici" in grid_text(app)
        await pilot.press("9")  # no ninth unit: nothing changes
        assert len(app.draft.changes) == 2
        await pilot.press("left", "left", "space")  # mercredi 23/09
        await pilot.pause()
        assert app.refusals[-1].status.reason == "Fermé le mercredi"
        assert len(app.edits) == 2
        assert grid.focus_day == date(2020, 9, 23)


@run_async
async def test_click_focuses_then_ticks_and_arrows_change_month() -> None:
    app = GridApp()
    async with app.run_test(size=(120, 40)) as pilot:
        grid = app.query_one(MonthGrid)
        # Week 39 is the fourth row of September; its second line is "Matin".
        row = 3 + 3 * 4 + 1
        column = 5 + 4 * 16 + 3  # vendredi 25/09
        await pilot.click(MonthGrid, offset=(column + 1, row))
        assert grid.focus_day == date(2020, 9, 25)
        assert not app.draft.dirty
        await pilot.click(MonthGrid, offset=(column + 1, row + 1))  # Soir line
        assert app.draft.changes == {(date(2020, 9, 25), 2): ChangeKind.ADD}
        await pilot.press("down")
        await pilot.press("down")
        assert grid.focus_day == date(2020, 10, 9) and grid.shown_month == (2020, 10)


def test_keypress_work_is_small() -> None:
    """Moving the focus reuses the month's cells: only the strips are rebuilt."""
    grid = MonthGrid(
        make_draft(),
        (MORNING, EVENING),
        period=(date(2020, 9, 1), date(2021, 7, 6)),
        focus_day=date(2020, 9, 15),
        today=date(2020, 9, 15),
    )
    grid.cell(date(2020, 9, 15), 1)
    cached = dict(grid._cells)
    grid.action_move(1)
    assert grid._cells == cached  # same month: nothing recomputed
    grid.action_month(1)
    grid.cell(date(2020, 10, 15), 1)
    assert grid.shown_month == (2020, 10) and (date(2020, 9, 15), 1) not in grid._cells
    # Counted, not timed (the CPU per keypress is a benchmark: benchmarks/tui.py,
    # bench_grid): once a month's cells are known, moving inside it computes none.
    computed = []
    draft_cell = grid.draft.cell
    grid.draft.cell = lambda day, unit_id: (
        computed.append((day, unit_id)) or draft_cell(day, unit_id)
    )
    for _ in range(100):
        grid.action_move(1)
        grid.action_move(-1)
        grid.cell(grid.focus_day, 1)
    assert computed == [(date(2020, 10, 16), 1)]
