"""The app on a fixed database and clock, and the key sequences that reach each screen.

Shared by the snapshot tests (tests/tui) and `make screenshots` (tools/screenshots.py):
both build the demo database once, then drive a fresh copy of it with the
same scenes, so that the stored SVGs and the README's screenshots match.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from mairie_tui.config import load_settings
from mairie_tui.tui.app import MairieApp
from tests.helpers import DESK

DEMO_NOW = "2020-09-15T10:00"
SIZE = (120, 40)
SMALL = (80, 24)  # the smallest terminal every screen must work in (issue 13)
# Every scene is a snapshot at both sizes; `make screenshots` also draws these at 80×24.
SMALL_SCREENSHOTS = (
    "04-foyer",
    "06-etape1-ma-demande",
    "07-etape1-cases-cochees",
    "14-etape2-recapitulatif",
    "80-actualites-recherche",
    "90-menu-grille",
    "91-foyer-menus-semaine",
    "92-foyer-courriels",
    "93-agenda-famille",
    "95-agenda-periodicite",
    "97-agenda-recapitulatif",
)
Scene = Callable[[Pilot[None]], Awaitable[None]]


def build_demo_database(path: Path, *, households: int = 50) -> Path:
    """A migrated demo database (FAMILLE TEST and synthetic households) at `path`."""
    from mairie_tui.db import make_engine, unit_of_work, upgrade
    from mairie_tui.services.demo import build_demo
    from mairie_tui.services.search import find_households, rebuild_index

    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        build_demo(engine, households=households)
        if not find_households(engine, "famille test", actor=DESK):
            # Older demo builders did not index the households they created.
            with unit_of_work(engine) as session:
                rebuild_index(session)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return path


def copy_database(template: Path, target: Path) -> str:
    """Copy a template database file; returns its URL."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def make_app(db_url: str, *, now: str | None = DEMO_NOW, data_dir: Path | None = None) -> MairieApp:
    settings = load_settings(
        db_url=db_url,
        now=now,
        data_dir=str(data_dir) if data_dir is not None else None,
        environ={},
    )
    return MairieApp(settings)


# ---------------------------------------------------------------- driving


def screen_text(app: MairieApp) -> str:
    """What the terminal shows for the current screen, as plain text (for tests)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot: Pilot[None]) -> None:
    """Let timers fire, workers finish and their results land on screen."""
    from textual.worker import WorkerFailed, WorkerState

    await pilot.pause()
    for _ in range(5):
        # A result may start another call (the Foyer reloads after a validation).
        if not any(
            w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers
        ):
            break
        # A refused call (a wrong password) is what the screen shows, not a failure here.
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def fill(pilot: Pilot[None], selector: str, text: str) -> None:
    """Put text in a field at once (scenes only: the flow tests type key by key)."""
    from textual.widgets import Input

    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()


async def sign_in(pilot: Pilot[None], login: str = "guichet", password: str | None = None) -> None:
    await fill(pilot, "#login", login)
    await fill(pilot, "#password", password if password is not None else login)
    await pilot.press("enter")
    await settle(pilot)


async def search(pilot: Pilot[None], query: str = "famille test") -> None:
    await fill(pilot, "#query", query)
    await pilot.pause(0.2)
    await settle(pilot)


async def open_household(pilot: Pilot[None], query: str = "famille test") -> None:
    await search(pilot, query)
    await pilot.press("enter")
    await settle(pilot)


async def open_step1(pilot: Pilot[None], login: str = "guichet") -> None:
    await sign_in(pilot, login)
    await open_household(pilot)
    await pilot.press("r")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


SEED_KEYS = (
    "down",
    "right",
    "right",
    "right",
    "space",
    "right",
    "right",
    "right",
    "space",
    "right",
    "space",
)


async def seed_ticks(pilot: Pilot[None]) -> None:
    """25/09, 28/09 and 29/09 ticked, as in the portal tutorial (SEED_KEYS, without typing)."""
    from mairie_tui.tui.screens.booking import BookingScreen

    await open_step1(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BookingScreen)
    grid = screen.grid
    unit = grid.units[0].id
    for day in (date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29)):
        grid.toggle(day, unit)
    grid.set_focus_day(date(2020, 9, 29))
    await pilot.pause()


# ---------------------------------------------------------------- scenes


async def scene_login(pilot: Pilot[None]) -> None:
    await pilot.press(*"guichet")
    await pilot.pause()


async def scene_login_error(pilot: Pilot[None]) -> None:
    await sign_in(pilot, "guichet", "mauvais")


async def scene_search(pilot: Pilot[None]) -> None:
    await sign_in(pilot)
    await search(pilot, "famille")


async def scene_household(pilot: Pilot[None]) -> None:
    await sign_in(pilot)
    await open_household(pilot)


async def scene_enrolments(pilot: Pilot[None]) -> None:
    await sign_in(pilot)
    await open_household(pilot)
    await pilot.press("r")
    await settle(pilot)


async def scene_step1(pilot: Pilot[None]) -> None:
    await open_step1(pilot)


async def scene_step1_ticked(pilot: Pilot[None]) -> None:
    await seed_ticks(pilot)


async def scene_step1_holidays(pilot: Pilot[None]) -> None:
    await open_step1(pilot)
    await pilot.press("pagedown", "down", "left", "left", "left")  # lundi 19/10/2020
    await pilot.pause()


async def scene_step1_week(pilot: Pilot[None]) -> None:
    await seed_ticks(pilot)
    await pilot.press("v")
    await pilot.pause()


async def scene_step1_tick_all(pilot: Pilot[None]) -> None:
    await open_step1(pilot)
    await pilot.press("pagedown", "c")
    await pilot.pause()


async def scene_step1_locked(pilot: Pilot[None]) -> None:
    await open_step1(pilot)
    await pilot.press("up", "space")  # mardi 08/09: past the deadline
    await pilot.pause()


async def scene_pattern(pilot: Pilot[None]) -> None:
    await open_step1(pilot)
    await pilot.press("p")
    await pilot.pause()


async def scene_escape(pilot: Pilot[None]) -> None:
    await seed_ticks(pilot)
    await pilot.press("escape")
    await pilot.pause()


async def scene_recap(pilot: Pilot[None]) -> None:
    await seed_ticks(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def scene_confirmation(pilot: Pilot[None]) -> None:
    await scene_recap(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def scene_help(pilot: Pilot[None]) -> None:
    await open_step1(pilot)
    await pilot.press("f1")
    await pilot.pause()


async def scene_force(pilot: Pilot[None]) -> None:
    await open_step1(pilot, "superviseur")
    await pilot.press("up", "space")
    await settle(pilot)


async def scene_staff(pilot: Pilot[None]) -> None:
    await sign_in(pilot, "cantine")


BOOKING_SCENES: dict[str, Scene] = {
    "01-connexion": scene_login,
    "02-connexion-erreur": scene_login_error,
    "03-recherche": scene_search,
    "04-foyer": scene_household,
    "05-modifier-les-reservations": scene_enrolments,
    "06-etape1-ma-demande": scene_step1,
    "07-etape1-cases-cochees": scene_step1_ticked,
    "08-etape1-vacances": scene_step1_holidays,
    "09-etape1-vue-semaine": scene_step1_week,
    "10-etape1-tout-cocher": scene_step1_tick_all,
    "11-etape1-delai-depasse": scene_step1_locked,
    "12-periodicite": scene_pattern,
    "13-annuler-la-demarche": scene_escape,
    "14-etape2-recapitulatif": scene_recap,
    "15-confirmation": scene_confirmation,
    "16-aide": scene_help,
    "17-forcer-un-jour": scene_force,
    "18-listes-personnel": scene_staff,
}
