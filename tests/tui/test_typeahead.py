"""Keys typed ahead reach, in order, the widget that will have the focus (tui/typeahead.py).

`pilot.press` waits for the app to be idle after every key, which hides the
problem; `burst` posts the keys to the app at once, as the terminal driver does
when it reads a burst in one write (a fast typist, a password manager, a badge
reader). The tmux tests (test_typeahead_tmux.py) do the same in a real terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from mairie_tui.tui.screens.enrolments import EnrolmentsScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.login import LoginScreen
from mairie_tui.tui.screens.search import SearchScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import open_household, screen_text, settle, sign_in

SIZE = (120, 40)
CHARACTERS = {"tab": "\t", "enter": "\r", "space": " ", "escape": "\x1b"}


def burst(pilot: Pilot[None], *keys: str) -> None:
    """Post `keys` to the app in one go, without waiting between them."""
    for key in keys:
        if key == " ":
            key = "space"
        character = key if len(key) == 1 else CHARACTERS.get(key)
        pilot.app.post_message(events.Key(key, character))


async def until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, screen_text(pilot.app)  # type: ignore[arg-type]
        await pilot.pause(0.05)
    await settle(pilot)


def keys_settled(app: Any) -> bool:
    return getattr(app, "keys_waiting", 0) == 0


@run_async
async def test_login_and_password_in_one_burst_sign_in(make_app: AppFactory) -> None:
    """Before: `guichetguichet` in the login field, the password empty."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, LoginScreen)
        burst(pilot, *"guichet", "tab", *"guichet", "enter")
        await until(pilot, lambda: isinstance(app.screen, SearchScreen))
        assert "Camille Martin" in screen_text(app)


@run_async
async def test_keys_typed_during_the_sign_in_reach_the_search_and_the_household(
    make_app: AppFactory,
) -> None:
    """Before: the first letters went to the password field ("mille testr")."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        burst(pilot, *"guichet", "tab", *"guichet", "enter", *"famille test", "enter", "r")
        await until(pilot, lambda: isinstance(app.screen, EnrolmentsScreen) and keys_settled(app))
        assert "Jeannot" in screen_text(app)


@run_async
async def test_enter_while_the_search_runs_opens_the_household(make_app: AppFactory) -> None:
    """The results of the text in the field are not there yet: enter waits for them."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        burst(pilot, *"famille test", "enter")
        await until(pilot, lambda: isinstance(app.screen, HouseholdScreen))
        assert "FAMILLE TEST" in screen_text(app)


@run_async
async def test_a_failed_sign_in_drops_the_keys_typed_after_it(make_app: AppFactory) -> None:
    """Keys meant for the search must not become a password (nor count as an attempt)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        burst(pilot, *"guichet", "tab", *"mauvais", "enter", *"famille", "enter")
        await until(pilot, lambda: "incorrect" in screen_text(app).lower() and keys_settled(app))
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#password", Input).value == ""
        assert app.screen.query_one("#login", Input).value == "guichet"


@run_async
async def test_a_path_typed_then_ctrl_s_at_once_attaches_the_file(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """Before: « Indiquez le chemin du fichier. », and a second ctrl+s was needed."""
    from mairie_tui.tui.screens.demarche import DemarcheScreen

    pdf = tmp_path / "justificatif.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        household = app.screen
        assert isinstance(household, HouseholdScreen)
        app.push_screen(DemarcheScreen("acte_naissance", household.household_id))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DemarcheScreen)
        burst(pilot, "ctrl+o", *str(pdf), "ctrl+s")
        await until(pilot, lambda: bool(screen.documents) or "Indiquez" in screen_text(app))
        assert "Indiquez le chemin" not in screen_text(app)
        assert app.screen is screen
        assert [d.original_name for d in screen.documents] == ["justificatif.pdf"]
