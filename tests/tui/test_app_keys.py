"""The app's own keys: French words for Textual's (ctrl+c, the Select's list), logout on ctrl+d."""

from __future__ import annotations

from textual.widgets import Input, Select

from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.lists import ListsScreen
from mairie_tui.tui.screens.login import LoginScreen
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.screens.search import SearchScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import open_household, screen_text, settle, sign_in

SIZE = (120, 40)


def footer(app: object) -> str:
    """The key bar's lines (it wraps onto several lines when the keys need them)."""
    from mairie_tui.tui.widgets.keybar import KeyBar

    bars = app.screen.query(KeyBar)  # type: ignore[attr-defined]
    height = bars.first().size.height if bars else 1
    return "\n".join(screen_text(app).splitlines()[-height:])  # type: ignore[arg-type]


@run_async
async def test_ctrl_c_says_how_to_quit_in_french(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        said = [(n.title, n.message) for n in app._notifications]
        assert said == [("Quitter ?", "Pour quitter l'application : ctrl+q.")]
        assert "quit the app" not in screen_text(app)


@run_async
async def test_an_open_select_says_its_key_in_french(make_app: AppFactory) -> None:
    from mairie_tui.tui.screens.demarche import DemarcheScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        household = app.screen
        assert isinstance(household, HouseholdScreen)
        app.push_screen(DemarcheScreen("acte_naissance", household.household_id))
        await settle(pilot)
        app.screen.query(Select).first().focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "Fermer la liste" in footer(app), footer(app)
        assert "Dismiss" not in screen_text(app)


@run_async
async def test_ctrl_d_signs_out_from_every_screen_and_is_in_the_footer(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "Déconnexion" not in footer(app)  # not before sign-in
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, LoginScreen)

        await sign_in(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert "^d Déconnexion" in footer(app), footer(app)
        # The search field has the focus: its own ctrl+d (delete) does not take it.
        assert isinstance(app.focused, Input)
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.actor is None

        await sign_in(pilot)
        await open_household(pilot)
        assert "^d Déconnexion" in footer(app), footer(app)
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert len(app.screen_stack) == 2  # the default screen and the sign-in


@run_async
async def test_ctrl_d_asks_first_when_a_booking_is_in_progress(make_app: AppFactory) -> None:
    from tests.tui.scenes.base import seed_ticks

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await seed_ticks(pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Déconnexion" not in footer(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.actor is not None


@run_async
async def test_ctrl_d_for_school_staff_on_the_lists(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "cantine")
        assert isinstance(app.screen, ListsScreen)
        assert footer(app).count("Déconnexion") == 1, footer(app)
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
