"""Scenes of the news (issue 15): the agent's search screen with the day's news, and the
supervisors' Actualités screen.

Merged into tests.tui.scenes.SCENES (screenshots) and run by tests/tui/test_snapshots_news.py.
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.tui.scenes import base
from tests.tui.scenes.base import Scene


async def open_news(pilot: Pilot[None]) -> None:
    """The supervisor opens Actualités from the command palette."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"actualit")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await base.settle(pilot)


async def scene_search_news(pilot: Pilot[None]) -> None:
    """The agent signs in on the demo's day: the news above the search field."""
    await base.sign_in(pilot)


async def scene_news_screen(pilot: Pilot[None]) -> None:
    await base.sign_in(pilot, "superviseur")
    await open_news(pilot)


SCENES: dict[str, Scene] = {
    "80-actualites-recherche": scene_search_news,
    "81-actualites-superviseur": scene_news_screen,
}
