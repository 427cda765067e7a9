"""Scenes of the family agenda (Foyer key g): FAMILLE AGENDA's month at 80×24 and 120×40,
the family periodicity dialog, the grouped recap.

Merged into tests.tui.scenes.SCENES (screenshots) and run by tests/tui/test_snapshots_agenda.py.
The agenda opens before the school year (mardi 25/08/2020), when every day is still open.
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.tui.scenes import base
from tests.tui.scenes.base import Scene

AGENDA_NOW = "2020-08-25T10:00"
HOUSEHOLD = "famille agenda"
# In the family periodicity dialog, focus on « lundi »: lundi, mardi, jeudi, vendredi.
MON_TUE_THU_FRI = ("space", "tab", "space", "tab", "space", "tab", "space")


async def open_agenda(pilot: Pilot[None]) -> None:
    await base.sign_in(pilot)
    await base.open_household(pilot, HOUSEHOLD)
    await pilot.press("g")
    await base.settle(pilot)


async def scene_agenda(pilot: Pilot[None]) -> None:
    """Septembre 2020 with a few ticks: Paul's meals on 10 and 11/09, Léa's morning the 14th."""
    await open_agenda(pilot)
    await pilot.press("pagedown", "pageup")  # the same month, through the key
    await pilot.press(*["right"] * 5, "down", "down", "space", "right", "space")
    await pilot.press("down", *["right"] * 1, "space")
    await pilot.pause()


async def scene_agenda_week(pilot: Pilot[None]) -> None:
    await scene_agenda(pilot)
    await pilot.press("w")
    await pilot.pause()


async def scene_family_pattern(pilot: Pilot[None]) -> None:
    await open_agenda(pilot)
    await pilot.press("p")
    await base.settle(pilot)
    await pilot.press(*MON_TUE_THU_FRI)
    await pilot.pause()


async def scene_family_pattern_applied(pilot: Pilot[None]) -> None:
    await scene_family_pattern(pilot)
    await pilot.press("enter")
    await pilot.pause()


async def scene_family_recap(pilot: Pilot[None]) -> None:
    await scene_family_pattern_applied(pilot)
    await pilot.press("v")
    await base.settle(pilot)


SCENES: dict[str, Scene] = {
    "93-agenda-famille": scene_agenda,
    "94-agenda-famille-semaine": scene_agenda_week,
    "95-agenda-periodicite": scene_family_pattern,
    "96-agenda-periodicite-appliquee": scene_family_pattern_applied,
    "97-agenda-recapitulatif": scene_family_recap,
}
NOW: dict[str, str] = dict.fromkeys(SCENES, AGENDA_NOW)
