"""The search screen and the Foyer open with their data already read (issue 16): each is
laid out once, with what it shows, instead of once empty and again per result that lands.

What a screen holds right after its on_mount is what its first frame shows: these tests
look there. Before the change the Foyer was pushed empty (« Chargement du foyer… ») and
read its household in a worker; the search screen read the day's news the same way.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.search import SearchScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import SIZE, screen_text, search, settle, sign_in

PORTAL_NEWS = "Les réservations en ALSH sont ouvertes !"


def _record_after_mount(
    monkeypatch: pytest.MonkeyPatch, screen_class: type[Any], seen: list[dict[str, Any]]
) -> None:
    """After each on_mount of `screen_class`: what the screen holds, and what it says."""
    original = screen_class.on_mount

    def on_mount(self: Any) -> None:
        original(self)
        if screen_class is HouseholdScreen:
            greeting = str(self.query_one("#household-greeting").render())
            seen.append({"household": self.household, "balance": self.balance, "text": greeting})
        else:
            news = self.query_one("#search-news")
            seen.append({"shown": news.has_class("-shown"), "text": str(news.render())})

    monkeypatch.setattr(screen_class, "on_mount", on_mount)


@run_async
async def test_the_foyer_is_mounted_with_its_household_and_balance(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    _record_after_mount(monkeypatch, HouseholdScreen, seen)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await search(pilot)
        await pilot.press("enter", "r")  # r typed at once: it waits for the Foyer
        await settle(pilot)
        (first,) = seen
        assert first["household"] is not None and first["household"].dossier == "F-000001"
        assert first["balance"] is not None
        assert "Bonjour" in first["text"] and "Dossier F-000001" in first["text"]
        assert "Solde" in first["text"]
        # The key typed with enter reached the Foyer: Modifier les réservations is open.
        assert type(app.screen).__name__ == "EnrolmentsScreen"


@run_async
async def test_a_household_that_cannot_be_read_leaves_the_search_and_drops_the_keys(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mairie_tui.tui.screens import household

    release = threading.Event()
    read = household.load_household

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return read(*args, **kwargs)

    monkeypatch.setattr(household, "load_household", slow_read)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        screen.open_household(10**9)  # gone (deleted from another desk, say)
        await pilot.press(*"dupont")  # typed while it is read
        release.set()
        await settle(pilot)
        assert app.screen is screen
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors and all("[" not in message for message in errors)
        # The keys were meant for the Foyer that did not open: not typed into the search.
        assert screen.query_one("#query").value == ""  # type: ignore[attr-defined]


@run_async
async def test_the_search_screen_is_mounted_with_the_days_news(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    _record_after_mount(monkeypatch, SearchScreen, seen)
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        (first,) = seen
        assert first["shown"] and PORTAL_NEWS in first["text"]
        assert PORTAL_NEWS in screen_text(app)
        assert app.focused is not None and app.focused.id == "query"


@run_async
async def test_news_that_cannot_be_read_are_said_and_the_agent_is_signed_in(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("base indisponible")

    monkeypatch.setattr("mairie_tui.services.news.current_news", broken)
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert "Actualités indisponibles" in screen_text(app)
        assert app.focused is not None and app.focused.id == "query"
