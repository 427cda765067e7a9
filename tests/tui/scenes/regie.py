"""Scenes of the régie (issue 14): the Foyer with its balance, Régler, the receipt, the till.

FAMILLE TEST's three seed meals of September (25, 28 and 29/09/2020) are booked and
invoiced on 01/10/2020 (3 × 3,30 € = 9,90 €), as tests/services/test_regie_payments.py
sets them up; the app's clock is then lundi 05/10/2020 09:00 (`NOW`).

Merged into tests.tui.scenes.SCENES (screenshots) and run by tests/tui/test_snapshots_regie.py.
"""

from __future__ import annotations

from datetime import date

from textual.pilot import Pilot

from tests.tui.scenes import base
from tests.tui.scenes.base import Scene

REGIE_NOW = "2020-10-05T09:00"
SEED_DAYS = (date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29))


def invoice_september(pilot: Pilot[None]) -> None:
    """The seed scenario's bookings, then September invoiced by the régisseur."""
    from mairie_tui.db import read_session
    from mairie_tui.services.bookings import open_booking, validate_booking
    from mairie_tui.services.common import Actor
    from mairie_tui.services.demo import seed_ids
    from mairie_tui.services.regie import generate_month
    from mairie_tui.tui.app import MairieApp
    from tests.helpers import DESK, clock_at

    app = pilot.app
    assert isinstance(app, MairieApp)
    engine = app.engine
    with read_session(engine) as session:
        seed = seed_ids(session)
    booked_on = clock_at("2020-09-15T10:00")
    booking = open_booking(engine, seed.enrolment_id, booked_on, actor=DESK)
    for day in SEED_DAYS:
        booking.draft.toggle(day, booking.units[0].id)
    validate_booking(engine, booking, actor=DESK, clock=booked_on)
    supervisor = Actor(id=None, login="superviseur", name="Dominique Roux", role="supervisor")
    generate_month(engine, 2020, 9, actor=supervisor, clock=clock_at("2020-10-01T08:00"))


async def open_famille_test(pilot: Pilot[None]) -> None:
    invoice_september(pilot)
    await base.sign_in(pilot)
    await base.open_household(pilot)


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(char, char) for char in text])


async def add_cheque(pilot: Pilot[None]) -> None:
    """On Régler (the mode tabs focused): a cheque of 5,00 €."""
    await pilot.press("right", "tab")  # Chèque, then its amount
    await type_text(pilot, "5")
    await pilot.press("tab")
    await type_text(pilot, "0001234")
    await pilot.press("tab")
    await type_text(pilot, "La Banque Postale")
    await pilot.press("tab")
    await type_text(pilot, "Mme Test 1")
    await pilot.press("enter")
    await pilot.pause()


async def add_cash(pilot: Pilot[None]) -> None:
    """Then 4,90 € in cash (the amount left, filled in), 10,00 € tendered."""
    await pilot.press("left", "tab", "tab")  # Espèces, its amount (4,90 already), tendered
    await type_text(pilot, "10")
    await pilot.pause()


async def scene_foyer_balance(pilot: Pilot[None]) -> None:
    await open_famille_test(pilot)


async def scene_payment(pilot: Pilot[None]) -> None:
    await open_famille_test(pilot)
    await pilot.press("p")
    await base.settle(pilot)
    await add_cheque(pilot)
    await add_cash(pilot)


async def scene_receipt(pilot: Pilot[None]) -> None:
    await scene_payment(pilot)
    await pilot.press("enter", "f2")
    await base.settle(pilot)


async def scene_till_closed(pilot: Pilot[None]) -> None:
    await scene_receipt(pilot)
    await pilot.press("escape")
    await base.settle(pilot)
    await pilot.press("ctrl+d")
    await base.settle(pilot)
    await base.sign_in(pilot, "superviseur")
    await pilot.press("f7")
    await base.settle(pilot)
    await pilot.press("tab")
    await type_text(pilot, "4,90")
    await pilot.press("f2")
    await base.settle(pilot)
    await pilot.press("o")
    await base.settle(pilot)


SCENES: dict[str, Scene] = {
    "80-foyer-solde": scene_foyer_balance,
    "81-regler": scene_payment,
    "82-recu": scene_receipt,
    "83-cloture-de-caisse": scene_till_closed,
}
# The clock of these scenes (the others run on base.DEMO_NOW).
NOW = dict.fromkeys(SCENES, REGIE_NOW)
