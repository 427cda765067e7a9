"""Issue 13: every screen works in an 80×24 terminal (the booking calendar first) and keeps
its texts whole; the key bar never cuts a key."""

from __future__ import annotations

import re
from pathlib import Path

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable

from mairie_tui.tui.app import MairieApp
from mairie_tui.tui.screens.booking import BookingScreen
from mairie_tui.tui.widgets.keybar import KeyBar
from mairie_tui.tui.widgets.month_grid import MonthGrid
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import copy_database, open_step1, screen_text
from tests.tui.scenes.base import make_app as make_scene_app

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


# ---------------------------------------------------------------- every other screen (issue 13)


def inside_screen(app: object, widget: Widget) -> bool:
    """The widget's region lies within the terminal (not cut at the right or the bottom)."""
    region = widget.region
    size = app.size  # type: ignore[attr-defined]
    return (
        region.width > 0
        and region.height > 0
        and region.right <= size.width
        and region.bottom <= size.height
    )


def fresh_app(demo_url: str, tmp_path: Path, name: str) -> MairieApp:
    """An app on its own copy of the demo database (several scenes in one test)."""
    folder = tmp_path / name
    folder.mkdir()
    url = copy_database(Path(demo_url.removeprefix("sqlite:///")), folder / "mairie.db")
    return make_scene_app(url, data_dir=folder / "data")


async def run_scene(pilot: Pilot[None], name: str) -> str:
    from tests.tui.scenes import SCENES

    await SCENES[name](pilot)
    await pilot.pause()
    return screen_text(pilot.app)  # type: ignore[arg-type]


@run_async
async def test_foyer_at_80x24_keeps_words_whole_and_scrolls_to_the_focused_menu(
    demo_url: str, tmp_path: Path
) -> None:
    app = make_scene_app(demo_url, data_dir=tmp_path / "data")
    async with app.run_test(size=SMALL) as pilot:
        text = await run_scene(pilot, "04-foyer")
        # Two columns of 38 rather than three of 24: "mairiedemons0517@o" / "range.fr" before.
        assert "mairiedemons0517@orange.fr" in text
        assert "Modifier les réservations" in text and "Valider une pré-inscription (v)" in text
        await pilot.press("tab")  # DÉMARCHES
        await pilot.press(*["down"] * 5)  # TOUTES LES DÉMARCHES, under the bottom of the screen
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "demarches"
        assert "TOUTES LES DÉMARCHES" in screen_text(app)
        await pilot.press("tab")  # the enrolments, under the two columns
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "household-right"
        text = screen_text(app)
        assert "INSCRIPTIONS" in text and "Restaurant scolaire Mons Elementaire" in text


@run_async
async def test_request_page_moves_are_whole_at_80_and_120_columns(
    demo_url: str, tmp_path: Path
) -> None:
    for size in (SMALL, (120, 40)):
        app = fresh_app(demo_url, tmp_path, f"size{size[0]}")
        async with app.run_test(size=size) as pilot:
            text = await run_scene(pilot, "47-demande")
            assert "4 Annuler (à la demande de la famille)" in text, size
            buttons = list(app.screen.query("#request-buttons Button"))
            assert len(buttons) == 4
            assert all(inside_screen(app, button) for button in buttons), size


@run_async
async def test_requests_to_process_fit_80_columns_without_scrolling_sideways(
    demo_url: str, tmp_path: Path
) -> None:
    app = make_scene_app(demo_url, data_dir=tmp_path / "data")
    async with app.run_test(size=SMALL) as pilot:
        text = await run_scene(pilot, "46-demandes-a-instruire")
        for words in (
            "2020-000002",
            "02/09/2020",
            "Demander un acte de naissance",
            "En cours d'instruction · 13 j",
            "Test 1 FAMILLE TEST",
            "F-000001",
            "a Âge :  tout âge",
        ):
            assert words in text, words
        table = app.screen.query_one("#inbox-table", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        # Back to 120 columns: the seven columns again.
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert len(table.columns) == 7
        assert "Déposée le" in screen_text(app)


@run_async
async def test_dialogs_and_confirmations_fit_80x24(demo_url: str, tmp_path: Path) -> None:
    for scene, box, last_words in (
        ("16-aide", "#help-box", "échap ou f1 : fermer"),
        ("15-confirmation", "#confirmation-box", "RETOUR AU FOYER"),
        ("44-demarche-confirmation", "#filed-box", "DEMANDE ENREGISTRÉE"),
        ("12-periodicite", "#pattern-box", "dimanche"),
        ("32-doublon-possible", "#duplicates-box", "Enregistrer quand même (ctrl+s)"),
    ):
        app = fresh_app(demo_url, tmp_path, scene)
        async with app.run_test(size=SMALL) as pilot:
            text = await run_scene(pilot, scene)
            assert inside_screen(app, app.screen.query_one(box)), scene
            assert last_words in text, scene


@run_async
async def test_demarche_steps_and_buttons_whole_at_80_columns(
    demo_url: str, tmp_path: Path
) -> None:
    app = make_scene_app(demo_url, data_dir=tmp_path / "data")
    async with app.run_test(size=SMALL) as pilot:
        text = await run_scene(pilot, "41-demarche-mes-informations")
        assert "4 - LE RÉCAPITULATIF" in text  # never "4 - LE" / "RÉCAPITULATIF"
        assert "ÉTAPE SUIVANTE >" in text and "< ÉTAPE PRÉCÉDENTE" in text
        buttons = [b for b in app.screen.query("#demarche-buttons Button") if b.display]
        assert buttons and all(inside_screen(app, button) for button in buttons)


@run_async
async def test_tables_show_every_column_at_80_columns(demo_url: str, tmp_path: Path) -> None:
    cases = (
        ("03-recherche", ("Téléphone", "04 66 83 10 74", "Mons", "Jeannot")),
        ("05-modifier-les-reservations", ("Elementaire", "06/07/2021")),
        ("61-listes-pointage", ("mardi 15/09/2020", "06 98 49 78 94 (+1)", "Téléphone")),
        ("68-effectifs-mois-tous-sites", ("Total", "S40")),
        ("30-nouveau-foyer", ("Commune *", "Code postal")),
    )
    for scene, words in cases:
        app = fresh_app(demo_url, tmp_path, scene)
        async with app.run_test(size=SMALL) as pilot:
            text = await run_scene(pilot, scene)
            for word in words:
                assert word in text, (scene, word)
            for table in app.screen.query(DataTable):
                assert table.virtual_size.width <= table.scrollable_content_region.width, scene


@run_async
async def test_long_names_whole_in_the_lists_at_120_columns(demo_url: str, tmp_path: Path) -> None:
    import sqlite3

    for size, shown in (((120, 40), "Schneider-Deleuze Valentine"), (SMALL, "Schneider-D…")):
        # 80 columns: too long, an ellipsis (never cut bare); the name is whole under c Contacts.
        database = tmp_path / f"long{size[0]}.db"
        url = copy_database(Path(demo_url.removeprefix("sqlite:///")), database)
        with sqlite3.connect(database) as conn:
            conn.execute(
                "UPDATE person SET first_name = 'Valentine', last_name = 'Schneider-Deleuze'"
                " WHERE first_name = 'Mathilde' AND last_name = 'Guérin'"
            )
        conn.close()
        app = make_scene_app(url, data_dir=tmp_path / f"data{size[0]}")
        async with app.run_test(size=size) as pilot:
            text = await run_scene(pilot, "61-listes-pointage")
            assert shown in text, size
            assert "06 98 49 78 94 (+1)" in text


def test_fit_widths_shrinks_to_the_minimums_and_grows_the_names() -> None:
    from mairie_tui.tui.widgets.columns import Width, fit_widths

    columns = (Width(9, 8), Width(30, 16, True), Width(15, 14))
    assert fit_widths(columns, 54) == [9, 30, 15]
    assert fit_widths(columns, 52) == [8, 30, 14]  # the others give first, the name last
    assert fit_widths(columns, 45) == [8, 23, 14]
    assert fit_widths(columns, 30) == [8, 16, 14]  # never under the minimums
    assert fit_widths(columns, 70) == [9, 46, 15]
    assert fit_widths(columns, 200) == [9, 60, 15]  # twice what it asks, no wider
