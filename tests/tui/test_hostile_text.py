"""Issue 11: names that look like markup or terminal control, through every screen.

The original code raised MarkupError on « Dupont [/] » (the Foyer, the search results, the
booking title…) and wrote ESC sequences stored in names to the terminal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from mairie_tui.db import make_engine
from mairie_tui.domain.safe_text import REPLACEMENT, has_control
from mairie_tui.tui.screens.booking import BookingScreen
from mairie_tui.tui.screens.confirmation import ConfirmationScreen
from mairie_tui.tui.screens.enrolments import EnrolmentsScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.lists import ListsScreen
from mairie_tui.tui.screens.recap import RecapScreen
from tests.helpers import clock_at
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes import SCENES
from tests.tui.scenes.base import SIZE, screen_text, search, settle, sign_in
from tests.tui.scenes.hostile import (
    HOSTILE_CHILD,
    HOSTILE_NAME,
    HOSTILE_SCHOOL,
    HOSTILE_STREET,
    _reindex,
    add_hostile_household,
)


def shown(app: object) -> str:
    """The screen's text; it never holds a control character."""
    text_now = screen_text(app)  # type: ignore[arg-type]
    assert not has_control(text_now.replace("\n", "")), repr(text_now)
    return text_now


@run_async
async def test_acceptance_dupont_from_search_to_lists(make_app: AppFactory, demo_url: str) -> None:
    engine = make_engine(demo_url)
    try:
        _id, dossier = add_hostile_household(engine, clock_at("2020-09-15T10:00"))
    finally:
        engine.dispose()
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await search(pilot, dossier)
        text_now = shown(app)
        assert f"Claire {HOSTILE_NAME}" in text_now
        assert HOSTILE_CHILD[:27] in text_now  # the Enfants column is 28 wide

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        text_now = shown(app)
        assert f"Bonjour Madame {HOSTILE_NAME}." in text_now
        assert HOSTILE_STREET.upper() in text_now
        assert "Jean" + REPLACEMENT + "]0;pwned" + REPLACEMENT * 2 + "[2J" in text_now
        assert f"{HOSTILE_CHILD} ·" in text_now  # INSCRIPTIONS
        members = str(app.screen.query_one("#members").render())
        assert f"{HOSTILE_CHILD} {HOSTILE_NAME}" in members.replace("\n", " ")
        assert HOSTILE_SCHOOL in members.replace("\n", " ")

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, EnrolmentsScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BookingScreen)
        assert HOSTILE_CHILD in shown(app)
        await pilot.press("down", "space")  # mardi 22/09
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecapScreen)
        assert HOSTILE_CHILD in shown(app) and "22/09/2020" in shown(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmationScreen)
        assert HOSTILE_CHILD in shown(app) and "claire.dupont@exemple.fr" in shown(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)

        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ListsScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"restaurant scolaire mons")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("right", "right", "right", "right", "right", "right", "right")
        await settle(pilot)
        text_now = shown(app)
        assert "mardi 22/09/2020" in text_now
        assert f"{HOSTILE_NAME} {HOSTILE_CHILD}"[:24] in text_now  # the column is 25 wide
        await pilot.press("c")
        await settle(pilot)
        assert f"CONTACTS — {HOSTILE_CHILD} {HOSTILE_NAME}" in shown(app)


def make_demo_hostile(url: str) -> None:
    """Every person and address of the demo as an older import could have written them."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE person SET last_name = '[/]' || last_name"))
            conn.execute(
                text("UPDATE person SET first_name = :f WHERE first_name = 'Test 2'"),
                {"f": "[@click=app.quit]Test 2[/] \x1b]0;pwned\x07"},
            )
            conn.execute(
                text(
                    "UPDATE person SET school = :s, school_class = :c WHERE first_name = 'Jeannot'"
                ),
                {"s": "[link=https://evil.example]École[/link] \u202eenilno", "c": "CE2\x00"},
            )
            conn.execute(
                text("UPDATE household SET address = address || :a"), {"a": " [b]\x1b[2J\x9b31m"}
            )
            household = conn.execute(
                text("SELECT id FROM household WHERE dossier = 'F-000001'")
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO person (household_id, role, first_name, last_name, position) "
                    "VALUES (:h, 'authorised', :f, :l, 9)"
                ),
                {"h": household, "f": "[/]" + "x" * 300, "l": "\u202eLONG" * 60},
            )
            conn.execute(text("UPDATE agent SET name = name || ' [/]\x1b[2J'"))
    finally:
        engine.dispose()
    engine = make_engine(url)
    try:
        _reindex(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("scene", list(SCENES))
def test_every_scene_with_hostile_names(
    scene: str, make_app: AppFactory, demo_url: str, tmp_path: Path
) -> None:
    """No crash, no control character on screen, names shown with their brackets."""
    make_demo_hostile(demo_url)

    @run_async
    async def drive() -> None:
        app = make_app("2020-09-15T10:00")
        async with app.run_test(size=SIZE) as pilot:
            try:
                await SCENES[scene](pilot)
            except Exception as exc:  # a scene that expects a refusal (wrong password)
                assert "WorkerFailed" in type(exc).__name__ or "Authentication" in repr(exc), exc
            await pilot.pause()
            text_now = shown(app)
            assert app.is_running
            assert "FAMILLE TEST" not in text_now.replace("[/]FAMILLE TEST", ""), text_now
            if isinstance(app.screen, HouseholdScreen) and "[/]FAMILLE TEST" in text_now:
                co = str(app.screen.query_one("#co-representatives").render()).replace("\n", " ")
                assert "[@click=app.quit]Test 2[/] " + REPLACEMENT + "]0;pwned" in co, co

    drive()


@run_async
async def test_screen_notifications_are_plain_text(make_app: AppFactory) -> None:
    """Screens call Widget.notify, which passes markup=True: the app makes them plain anyway."""
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        app.screen.notify(f"{HOSTILE_NAME} \x1b[2J", title="[b]Inscrit", severity="warning")
        await pilot.pause()
        (notification,) = list(app._notifications)
        assert not notification.markup  # shown as text by the toast
        assert notification.message == f"{HOSTILE_NAME} {REPLACEMENT}[2J"
        assert notification.title == "[b]Inscrit"
