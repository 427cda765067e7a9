"""A tick or a move on the month grid repaints a few lines, not the screen (issue 13, speed).

No timing here (benchmarks/tui.py measures the CPU): these tests count what is
redrawn, which is what the cost follows, and check that the cached lines are
always what a fresh drawing would give.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from textual._compositor import Compositor
from textual.geometry import Region

from mairie_tui.tui.screens.booking import BookingScreen
from mairie_tui.tui.widgets.month_grid import MonthGrid
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import open_step1

SIZE = (120, 40)


@pytest.fixture
def repainted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[Region]]]:
    """The screen regions each partial update of the compositor redraws."""
    frames: list[list[Region]] = []
    original = Compositor.render_partial_update

    def spy(self: Compositor):  # type: ignore[no-untyped-def]
        if self._dirty_regions:
            frames.append(sorted(self._dirty_regions))
        return original(self)

    monkeypatch.setattr(Compositor, "render_partial_update", spy)
    yield frames


def fresh_lines(grid: MonthGrid) -> list[object]:
    """The grid's lines drawn from nothing (no cache)."""
    grid._week_strips.clear()
    grid._frame_key = None
    return list(grid._build_lines(grid.content_size.width))


def screen_lines(frames: list[list[Region]]) -> int:
    return sum(region.height for frame in frames for region in frame)


@run_async
async def test_a_tick_redraws_two_lines_in_one_frame(
    make_app: AppFactory, repainted: list[list[Region]]
) -> None:
    app = make_app("2020-08-20T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        screen = app.screen
        assert isinstance(screen, BookingScreen)
        grid = screen.grid
        await pilot.press("down")  # mardi 08/09, open
        await pilot.pause()
        repainted.clear()
        await pilot.press("space")
        await pilot.pause()
        # The unit's line of that week and the status line; before: the whole grid
        # (45 lines) and then the message line under it, in a second frame.
        assert len(repainted) == 1, repainted
        assert screen_lines(repainted) == 2, repainted
        assert grid.draft.changes
        assert list(grid._lines or []) == fresh_lines(grid)


@run_async
async def test_a_move_redraws_the_cursor_s_lines_only(
    make_app: AppFactory, repainted: list[list[Region]]
) -> None:
    app = make_app("2020-08-20T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        screen = app.screen
        assert isinstance(screen, BookingScreen)
        grid = screen.grid
        await pilot.press("right")
        await pilot.pause()
        repainted.clear()
        await pilot.press("down")
        await pilot.pause()
        # Date and unit lines of the two weeks, the status line and the day's menu line.
        assert screen_lines(repainted) <= 6, repainted
        assert list(grid._lines or []) == fresh_lines(grid)


@run_async
async def test_cached_lines_follow_ticks_moves_months_views_and_focus(
    make_app: AppFactory,
) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        screen = app.screen
        assert isinstance(screen, BookingScreen)
        grid = screen.grid
        for key in [
            "down",
            "right",
            "space",
            "pagedown",
            "space",
            "c",
            "v",
            "right",
            "space",
            "v",
            "pageup",
            "d",
            "left",
            "left",
            "space",
            "tab",
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert list(grid._lines or []) == fresh_lines(grid), key
        assert grid.focus_day == date(2020, 9, 22)
        assert not grid.has_focus  # tab: the cursor is drawn blurred, from fresh lines too


def drawn_lines(grid: MonthGrid) -> list[str]:
    """What the grid shows now, line by line (its cache is used as render_line uses it)."""
    return [grid.render_line(y).text for y in range(grid.content_size.height)]


@run_async
async def test_cached_lines_follow_a_short_terminal_and_its_resizes(
    make_app: AppFactory,
) -> None:
    """Compact at 80×24 (no rules, only the month's weeks): the caches follow ticks, moves
    across weeks and months of 5 and 6 weeks, the week view, and a change of height alone
    (same width, compact or not) both ways."""
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_step1(pilot)
        screen = app.screen
        assert isinstance(screen, BookingScreen)
        grid = screen.grid
        for key in [
            "down",
            "space",
            "down",
            "down",
            "right",
            "space",
            "pagedown",
            "pagedown",
            "down",
            "space",
            "v",
            "right",
            "space",
            "v",
            "pageup",
            "left",
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert grid.compact
            assert list(grid._lines or []) == fresh_lines(grid), key
            assert len(grid._lines or []) == grid.content_size.height, key
        assert not any("┼" in line for line in drawn_lines(grid))  # compact: no rules

        # The same width, taller: not compact any more (rules, six weeks), then back.
        for size, compact in [
            ((80, 40), False),
            ((80, 24), True),
            ((120, 40), False),
            ((80, 24), True),
        ]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            assert grid.compact is compact, size
            shown = drawn_lines(grid)
            assert list(grid._lines or []) == fresh_lines(grid), size
            assert len(shown) == grid.content_size.height, size
            assert any("┼" in line for line in shown) is not compact, size
            await pilot.press("right", "space")
            await pilot.pause()
            assert list(grid._lines or []) == fresh_lines(grid), size


@run_async
async def test_a_tick_after_a_refusal_keeps_the_message_row_and_redraws_few_lines(
    make_app: AppFactory, repainted: list[list[Region]]
) -> None:
    from textual.widgets import Static

    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        screen = app.screen
        assert isinstance(screen, BookingScreen)
        grid = screen.grid
        await pilot.press("up", "space")  # mardi 08/09: past the deadline, refused
        await pilot.pause()
        line = screen.query_one("#booking-message", Static)
        assert line.display and str(line.render()).strip()
        grid_region = grid.region
        grid.set_focus_day(date(2020, 9, 25))
        await pilot.pause()
        repainted.clear()
        await pilot.press("space")
        await pilot.pause()
        # The emptied message keeps its row: no relayout of the screen (before: every
        # widget redrawn, the grid one row taller), only the tick's lines and the message.
        assert line.display and not str(line.render()).strip()
        assert grid.region == grid_region
        assert screen_lines(repainted) <= 4, repainted
        assert grid.draft.changes
