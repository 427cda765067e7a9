"""Scene of the Agents screen (issues 9 and 11): a supervisor sees a locked account.

Merged into tests.tui.scenes.SCENES (screenshots) and run by
tests/tui/test_snapshots_agents.py.
"""

from __future__ import annotations

from contextlib import suppress

from textual.pilot import Pilot

from tests.tui.scenes import base
from tests.tui.scenes.base import Scene


def lock_by_wrong_passwords(pilot: Pilot[None], login: str) -> None:
    """Ten wrong passwords in a row, as at a desk (without the throttle's waits)."""
    from mairie_tui.services.agents import MAX_FAILED_LOGINS, authenticate
    from mairie_tui.services.errors import AuthenticationError
    from mairie_tui.tui.app import MairieApp

    app = pilot.app
    assert isinstance(app, MairieApp)
    for _attempt in range(MAX_FAILED_LOGINS):
        with suppress(AuthenticationError):
            authenticate(app.engine, login, "mauvais", app.clock, sleep=lambda _s: None)


async def open_agents(pilot: Pilot[None]) -> None:
    """The supervisor opens Agents from the command palette."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"agents")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await base.settle(pilot)


async def scene_agents_locked(pilot: Pilot[None]) -> None:
    lock_by_wrong_passwords(pilot, "cantine")
    await base.sign_in(pilot, "superviseur")
    await open_agents(pilot)


SCENES: dict[str, Scene] = {
    "70-agents-compte-verrouille": scene_agents_locked,
}
