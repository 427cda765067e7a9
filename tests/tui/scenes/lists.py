"""Scenes of the Listes screens (issue 5): pointage, site menu, contacts, closing, headcounts.

Merged into tests.tui.scenes.SCENES (screenshots) and run by
tests/tui/test_snapshots_lists.py. The clock is mardi 15/09/2020 10:00: four
children are booked at « Restaurant scolaire Alès Jean Macé » that day.
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.tui.scenes import base
from tests.tui.scenes.base import Scene

SITE_WORDS = "jean mac"


async def open_list(pilot: Pilot[None], login: str = "cantine", words: str = SITE_WORDS) -> None:
    """Sign in (staff land on Listes, others press f6), then pick the site from its menu."""
    await base.sign_in(pilot, login)
    if login != "cantine":
        await pilot.press("f6")
        await base.settle(pilot)
    await pilot.press("s")
    await pilot.pause()
    await pilot.press(*words)
    await pilot.pause()
    await pilot.press("enter")
    await base.settle(pilot)


async def wait_writes(pilot: Pilot[None]) -> None:
    screen = pilot.app.screen
    for _ in range(50):
        await base.settle(pilot)
        if not getattr(screen, "_pending", None) and not getattr(screen, "_writing", False):
            return
        await pilot.pause(0.02)


async def scene_lists_empty(pilot: Pilot[None]) -> None:
    await base.sign_in(pilot, "cantine")
    await pilot.press("s")
    await pilot.pause()
    await pilot.press(*"restaurant")
    await pilot.pause()


async def scene_pointage(pilot: Pilot[None]) -> None:
    await open_list(pilot)
    await pilot.press("p", "p", "a")
    await wait_writes(pilot)


async def scene_contacts(pilot: Pilot[None]) -> None:
    await open_list(pilot)
    await pilot.press("down", "c")
    await pilot.pause()


async def scene_unexpected(pilot: Pilot[None]) -> None:
    await open_list(pilot, words="mons elem")
    # Jeannot FAMILLE TEST comes after the three FAMILLE AGENDA children.
    await pilot.press("down", "down", "down", "i")
    await wait_writes(pilot)


async def scene_close_day(pilot: Pilot[None]) -> None:
    await open_list(pilot, "superviseur")
    await pilot.press("p", "p", "a")
    await wait_writes(pilot)
    await pilot.press("k")
    await pilot.pause()


async def scene_closed_day(pilot: Pilot[None]) -> None:
    await scene_close_day(pilot)
    await pilot.press("o")
    await base.settle(pilot)
    await pilot.press("p")
    await pilot.pause()


async def scene_headcounts_day(pilot: Pilot[None]) -> None:
    await open_list(pilot)
    await pilot.press("e")
    await base.settle(pilot)


async def scene_headcounts_week(pilot: Pilot[None]) -> None:
    await scene_headcounts_day(pilot)
    await pilot.press("s")
    await base.settle(pilot)


async def scene_headcounts_month_all(pilot: Pilot[None]) -> None:
    await scene_headcounts_day(pilot)
    await pilot.press("m", "t")
    await base.settle(pilot)


async def scene_allergy_flags(pilot: Pilot[None]) -> None:
    """Mardi 15/09/2020: peanuts on the menu; Jeannot FAMILLE TEST (peanut PAI) is flagged."""
    await open_list(pilot, words="mons elem")


async def scene_allergy_contacts(pilot: Pilot[None]) -> None:
    await scene_allergy_flags(pilot)
    await pilot.press("down", "down", "down", "c")
    await pilot.pause()


SCENES: dict[str, Scene] = {
    "60-listes-choix-du-site": scene_lists_empty,
    "61-listes-pointage": scene_pointage,
    "62-listes-contacts": scene_contacts,
    "63-listes-presence-imprevue": scene_unexpected,
    "64-listes-cloturer": scene_close_day,
    "65-listes-journee-cloturee": scene_closed_day,
    "66-effectifs-jour": scene_headcounts_day,
    "67-effectifs-semaine": scene_headcounts_week,
    "68-effectifs-mois-tous-sites": scene_headcounts_month_all,
    "69-listes-allergies-au-menu": scene_allergy_flags,  # issue 15
    "69b-listes-allergies-contacts": scene_allergy_contacts,
}
