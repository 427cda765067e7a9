"""Menus at the counter (issue 15): the day's menu on the booking grid's status line, read
once when the booking opens, and the week of menus from the Foyer (key m) with a child's
allergen flagged. Demo: Jeannot (FAMILLE TEST) has a peanut PAI; peanuts on mardi 15/09."""

from __future__ import annotations

from mairie_tui.services.bookings import opening
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.week_menus import WeekMenusScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import (
    SIZE,
    SMALL,
    open_household,
    open_step1,
    screen_text,
    settle,
    sign_in,
)

PEANUT_MENU = "Menu : Concombre à la crème · Poisson pané et purée · Mousse au chocolat"


@run_async
async def test_the_grid_shows_the_focused_day_s_menu_read_once(
    make_app: AppFactory, monkeypatch
) -> None:
    calls: list[str] = []
    original = opening.menus_of

    def counted(session, sites, start, end):  # type: ignore[no-untyped-def]
        calls.append(f"{start}..{end}")
        return original(session, sites, start, end)

    monkeypatch.setattr(opening, "menus_of", counted)
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SMALL) as pilot:
        await open_step1(pilot)
        text = screen_text(app)
        assert PEANUT_MENU in text  # mardi 15/09, cut with … at 80 columns
        assert "…" in next(line for line in text.splitlines() if "Menu :" in line)
        # Nothing essential pushed off the 80×24 screen.
        assert "mardi 15/09/2020 · Repas" in text
        assert "ALLER À L'ÉTAPE 2 >" in text and "·· hors période" in text
        await pilot.press("right")  # mercredi 16/09: the canteen is closed, no menu said
        await pilot.pause()
        text = screen_text(app)
        assert "Fermé le mercredi" in text and "Menu :" not in text
        await pilot.press("right")  # jeudi 17/09
        await pilot.pause()
        text = screen_text(app)
        assert "Menu : Taboulé · Lasagnes aux légumes · Fromage blanc" in text
        await pilot.press("pagedown", "pagedown")  # mardi 17/11: the demo has September only
        await pilot.pause()
        assert "Menu : non communiqué" in screen_text(app)
        assert len(calls) == 1, calls  # once, when the booking opened — not per key


@run_async
async def test_the_grid_shows_the_whole_menu_and_its_allergens_at_120x40(
    make_app: AppFactory,
) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        await pilot.press("right", "right", "right")  # vendredi 18/09
        await pilot.pause()
        assert (
            "Menu : Potage de légumes · Bœuf bourguignon et pâtes · Kiwi "
            "(allergènes : gluten, œufs, sulfites)"
        ) in screen_text(app)


@run_async
async def test_the_foyer_s_week_of_menus_flags_jeannot_s_peanut_day(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "m Menus" in screen_text(app)  # in the key bar
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, WeekMenusScreen)
        text = screen_text(app)
        assert "Semaine du lundi 14/09/2020 au vendredi 18/09/2020 — 1 alerte allergie" in text
        assert "MARDI 15/09/2020" in text
        assert "allergènes : gluten, œufs, poisson, arachide, lait" in text
        assert "⚠ ALLERGIE Jeannot : arachide (PAI)" in text
        assert "→ Semaine suivante" in text
        await pilot.press("right")
        await settle(pilot)
        text = screen_text(app)
        assert "Semaine du lundi 21/09/2020 au vendredi 25/09/2020" in text
        assert "ALLERGIE" not in text
        await pilot.press("left", "left")
        await settle(pilot)
        assert "Semaine du lundi 07/09/2020" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HouseholdScreen)


@run_async
async def test_the_week_of_menus_scrolls_to_friday_at_80x24(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert "VENDREDI 18/09/2020" not in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        assert "VENDREDI 18/09/2020" in screen_text(app)
        assert "Bœuf bourguignon et pâtes" in screen_text(app)
