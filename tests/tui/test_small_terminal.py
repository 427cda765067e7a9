"""Issue 13: every screen works in an 80×24 terminal (the booking calendar first) and keeps
its texts whole; the key bar never cuts a key."""

from __future__ import annotations

import re
from pathlib import Path

from mairie_tui.tui.screens.booking import BookingScreen
from mairie_tui.tui.widgets.keybar import KeyBar
from mairie_tui.tui.widgets.month_grid import MonthGrid
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import make_app as make_scene_app
from tests.tui.scenes.base import open_step1, screen_text

SMALL = (80, 24)


def grid_of(app: object) -> MonthGrid:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, BookingScreen), type(screen).__name__
    return screen.grid


def key_bar_text(app: object) -> str:
    bar = app.screen.query_one(KeyBar)  # type: ignore[attr-defined]
    return "\n".join(screen_text(app).splitlines()[-bar.size.height :])  # type: ignore[arg-type]


@run_async
async def test_calendar_at_80x24_shows_the_whole_month_status_legend_and_buttons(
    make_app: AppFactory,
) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SMALL) as pilot:
        await open_step1(pilot)
        await pilot.press("down", "down")  # mardi 29/09/2020, week 40
        await pilot.pause()
        text = screen_text(app)
        assert " 40 │ 28/09" in text
        assert "mardi 29/09/2020 · Repas : non réservé" in text
        assert "! forcé" in text and "[ ] libre" in text and "·· hors période" in text
        assert "ALLER À L'ÉTAPE 2 >" in text and "ANNULER LA DÉMARCHE" in text
        # No cut words in the cells: "Repa", "15/09 au".
        assert not re.search(r"Repa(?!s)", text)
        assert "15/09 au" not in text and "15/09 auj" not in text
        # The header keeps the screen's title whole.
        assert "Réservation — étape 1" in text.splitlines()[0]


@run_async
async def test_calendar_scrolls_to_the_focused_week_in_a_short_terminal(
    make_app: AppFactory,
) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SMALL) as pilot:
        await open_step1(pilot)
        # Novembre 2020 has six weeks: the calendar is taller than the screen.
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert grid_of(app).shown_month == (2020, 11)
        await pilot.press("down", "down", "right")  # dimanche 15/11 → lundi 30/11, week 49
        await pilot.pause()
        assert grid_of(app).focus_day.isoformat() == "2020-11-30"
        text = screen_text(app)
        assert " 49 │ 30/11" in text  # the focused week, on screen
        assert "lundi 30/11/2020" in text  # and the status line under the grid
        await pilot.press("up", "up", "up", "up", "up")  # lundi 26/10, week 44
        await pilot.pause()
        text = screen_text(app)
        assert " 44 │ 26/10" in text  # back up: the first week shows again
        assert "Toussain│" not in text and "│ Vac.    │" in text  # holidays never cut


@run_async
async def test_key_bar_keeps_every_key_whole_at_80_columns(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SMALL) as pilot:
        await open_step1(pilot)
        bar = key_bar_text(app)
        for label in (
            "space Cocher",
            "v Semaine/mois",
            "pgup/pgdn Mois",
            "p Périodicité",
            "esc Annuler la démarche",
            "^r Recharger",
            "^p Commandes",
        ):
            assert label in bar, (label, bar)


@run_async
async def test_agents_table_fits_80_columns(demo_url: str, tmp_path: Path) -> None:
    from tests.tui.scenes.agents import SCENES

    app = make_scene_app(demo_url, data_dir=tmp_path / "data")
    async with app.run_test(size=SMALL) as pilot:
        await SCENES["70-agents-compte-verrouille"](pilot)
        text = screen_text(app)
        assert "Essais manqués" in text and "verrouillé  10" in text


@run_async
async def test_requests_to_process_keep_names_whole_at_120_columns(
    demo_url: str, tmp_path: Path
) -> None:
    from tests.tui.scenes.demarches import SCENES

    app = make_scene_app(demo_url, data_dir=tmp_path / "data")
    async with app.run_test(size=(120, 40)) as pilot:
        await SCENES["46-demandes-a-instruire"](pilot)
        assert "Test 1 FAMILLE TEST" in screen_text(app)
