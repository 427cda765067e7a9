"""The app on a fixed database and clock, and the key sequences that reach each screen.

Test tooling, outside the `mairie_tui` package: the snapshot tests (tests/tui/test_snapshots*.py)
and `make screenshots` (tools/screenshots.py) drive the same scenes, so that the stored SVGs
and the README's screenshots match. Scenes may open database sessions themselves.
"""

from __future__ import annotations

from tests.tui.scenes import (
    agenda,
    agents,
    base,
    demarches,
    hostile,
    households,
    lists,
    menus,
    news,
    regie,
)

SCENES: dict[str, base.Scene] = {
    **base.BOOKING_SCENES,
    **lists.SCENES,  # issue 5
    **households.SCENES,  # issue 6
    **demarches.SCENES,  # issue 4
    **agents.SCENES,
    **hostile.SCENES,
    **news.SCENES,
    **regie.SCENES,
    **menus.SCENES,  # issue 15: menus and mails at the counter
    **agenda.SCENES,  # the family agenda (Foyer key g)
}
# The scenes that run at another time than base.DEMO_NOW (the régie's, in October).
SCENE_NOW: dict[str, str] = {**regie.NOW, **agenda.NOW}
