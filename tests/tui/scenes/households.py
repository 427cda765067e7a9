"""Scenes of the household screens (issue 6): form, errors, duplicates, enrolment.

Merged into tests.tui.scenes.SCENES (screenshots) and run by
tests/tui/test_snapshots_households.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from tests.tui.scenes import base

Scene = Callable[[Pilot[None]], Awaitable[None]]


async def open_new_form(pilot: Pilot[None]) -> None:
    await base.sign_in(pilot)
    await pilot.press("ctrl+n")
    await base.settle(pilot)


async def fill_form(pilot: Pilot[None], values: dict[str, str]) -> None:
    """Values by field path (`representative.first_name`, `commune`, `children.0.birth_date`)."""
    from mairie_tui.tui.screens.household_form import HouseholdFormScreen

    screen = pilot.app.screen
    assert isinstance(screen, HouseholdFormScreen)
    for path, value in values.items():
        target = screen.field_at(path)
        assert target is not None, path
        target.input.value = value
    await pilot.pause()


async def scene_form_empty(pilot: Pilot[None]) -> None:
    await open_new_form(pilot)


async def scene_form_errors(pilot: Pilot[None]) -> None:
    await open_new_form(pilot)
    await pilot.press("f2")
    await base.settle(pilot)
    await fill_form(
        pilot,
        {
            "representative.civility": "Mme",
            "representative.first_name": "Claire",
            "representative.last_name": "Dupont",
            "representative.birth_date": "12/03/1985",
            "representative.phone": "12345",
            "representative.email": "claire@exemple",
            "address": "12 rue des Lilas",
            "children.0.first_name": "Léa",
            "children.0.birth_date": "01/01/1980",
        },
    )
    await pilot.press("ctrl+s")
    await base.settle(pilot)


async def scene_duplicates(pilot: Pilot[None]) -> None:
    await open_new_form(pilot)
    await fill_form(
        pilot,
        {
            "representative.civility": "Mme",
            "representative.first_name": "Hélène",
            "representative.last_name": "Guérin",
            "representative.birth_date": "30/07/1966",
            "address": "8 rue d'Avéjan",
            "commune": "Alès",
        },
    )
    await pilot.press("ctrl+s")
    await base.settle(pilot)


async def scene_enrol(pilot: Pilot[None]) -> None:
    await base.sign_in(pilot)
    await base.open_household(pilot)
    await pilot.press("i")
    await base.settle(pilot)
    await pilot.press("enter")
    await base.fill(pilot, "#enrol-filter", "restauration mons")
    await pilot.press("enter")
    await pilot.pause()


SCENES: dict[str, Scene] = {
    "30-nouveau-foyer": scene_form_empty,
    "31-nouveau-foyer-erreurs": scene_form_errors,
    "32-doublon-possible": scene_duplicates,
    "33-inscrire-un-enfant": scene_enrol,
}
