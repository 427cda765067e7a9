"""Scenes of the menus and the mails at the counter (issue 15): the day's menu on the booking
grid, the Foyer's week of menus with Jeannot's peanut day flagged, and the Courriels du foyer
with one mail « envoyé » and one « échec » with the server's reason.

Merged into tests.tui.scenes.SCENES (screenshots) and run by tests/tui/test_snapshots_menus.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select
from textual.pilot import Pilot

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import OutboxEmail
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.demo import seed_ids
from tests.helpers import DESK
from tests.tui.scenes import base
from tests.tui.scenes.base import Scene

REFUSED = "550 5.1.1 <mairiedemons0517@orange.fr>: adresse inconnue (Recipient address rejected)"


async def scene_grid_menu(pilot: Pilot[None]) -> None:
    """Step 1 on mardi 15/09 (peanuts on the menu), week view: the « Menu : » line."""
    await base.open_step1(pilot)
    await pilot.press("v")
    await pilot.pause()


async def scene_week_menus(pilot: Pilot[None]) -> None:
    """Foyer FAMILLE TEST, key m: the week of the 14/09, Jeannot's peanut PAI flagged."""
    await base.sign_in(pilot)
    await base.open_household(pilot)
    await pilot.press("m")
    await base.settle(pilot)


def two_mails(app: object) -> None:
    """Two validated bookings of Jeannot: the first mail sent, the second refused for good."""
    engine = app.engine  # type: ignore[attr-defined]
    clock = app.clock  # type: ignore[attr-defined]
    with read_session(engine) as session:
        ids = seed_ids(session)
    for day in (date(2020, 9, 25), date(2020, 9, 28)):
        booking = open_booking(engine, ids.enrolment_id, clock, actor=DESK)
        booking.draft.toggle(day, ids.unit_id)
        validate_booking(engine, booking, actor=DESK, clock=clock)
    now = clock.now()
    with unit_of_work(engine) as session:
        sent, failed = session.exec(select(OutboxEmail).order_by(col(OutboxEmail.id))).all()[-2:]
        sent.state, sent.sent_at, sent.attempts = "sent", now - timedelta(minutes=20), 1
        failed.state, failed.attempts, failed.last_error = "failed", 1, REFUSED
        session.add_all([sent, failed])


async def scene_household_mails(pilot: Pilot[None]) -> None:
    """Foyer FAMILLE TEST, key c: « échec » and its reason, « envoyé »."""
    two_mails(pilot.app)
    await base.sign_in(pilot)
    await base.open_household(pilot)
    await pilot.press("c")
    await base.settle(pilot)


SCENES: dict[str, Scene] = {
    "90-menu-grille": scene_grid_menu,
    "91-foyer-menus-semaine": scene_week_menus,
    "92-foyer-courriels": scene_household_mails,
}
