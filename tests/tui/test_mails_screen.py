"""Courriels du foyer (issue 15), with a real SMTP server (aiosmtpd): the application sends
by itself after sign-in; a mail refused for good shows « échec » and the server's reason
from the Foyer (key c); the agent corrects the address and the mail is delivered."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from sqlmodel import select

from mairie_tui.db import make_engine, read_session
from mairie_tui.models import OutboxEmail
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.demo import seed_ids
from mairie_tui.tui.app import MairieApp
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.mails import AddressModal, HouseholdMailsScreen
from tests.helpers import DESK, clock_at
from tests.services.smtp_servers import MailServer
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import SIZE, open_household, screen_text, settle, sign_in

FAMILY = "mairiedemons0517@orange.fr"
CORRECTED = "famille.test@example.org"


def book_a_day(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with read_session(engine) as session:
            ids = seed_ids(session)
        clock = clock_at("2020-09-15T10:00")
        booking = open_booking(engine, ids.enrolment_id, clock, actor=DESK)
        booking.draft.toggle(date(2020, 9, 25), ids.unit_id)
        validate_booking(engine, booking, actor=DESK, clock=clock)
    finally:
        engine.dispose()


def states(db_url: str) -> list[tuple[str, str]]:
    engine = make_engine(db_url)
    try:
        with read_session(engine) as session:
            return [(mail.state, mail.recipient) for mail in session.exec(select(OutboxEmail))]
    finally:
        engine.dispose()


async def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition jamais remplie"
        await asyncio.sleep(0.05)


@run_async
async def test_a_refused_mail_is_shown_on_the_foyer_and_resent_to_a_corrected_address(
    make_app: AppFactory, demo_url, monkeypatch
) -> None:
    book_a_day(demo_url)
    server = MailServer().start()
    server.refuse = ("orange.fr",)
    make_app()  # MAIRIE_DB_URL, MAIRIE_NOW, MAIRIE_DATA_DIR
    for name, value in {
        "MAIRIE_SMTP_HOST": "127.0.0.1",
        "MAIRIE_SMTP_PORT": str(server.port),
        "MAIRIE_SMTP_POLL": "0.1",
        "MAIRIE_SMTP_RETRY": "0.1",
    }.items():
        monkeypatch.setenv(name, value)
    app = MairieApp()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, "guichet")
            # Nobody runs a command: the application's sender tries, the server refuses.
            await wait_until(lambda: states(demo_url) == [("failed", FAMILY)])
            await open_household(pilot)
            assert isinstance(app.screen, HouseholdScreen)
            await pilot.press("c")
            await settle(pilot)
            assert isinstance(app.screen, HouseholdMailsScreen)
            text = screen_text(app)
            assert "COURRIELS DU FOYER F-000001" in text
            assert "échec" in text
            assert f"Motif : 550 5.1.1 <{FAMILY}>: adresse inconnue" in text
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, AddressModal)
            await pilot.press("ctrl+u")  # clear the field (the current address is filled in)
            await pilot.press(*CORRECTED)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, HouseholdMailsScreen)
            await wait_until(lambda: states(demo_url) == [("sent", CORRECTED)])
            await pilot.press("escape")
            await pilot.press("c")
            await settle(pilot)
            text = screen_text(app)
            assert "envoyé" in text and CORRECTED in text and "Motif" not in text
    finally:
        server.stop()
    assert [message["To"] for message in server.messages] == [CORRECTED]
