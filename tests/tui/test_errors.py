"""Failures of services reach the agent as French sentences, where they concern."""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import OperationalError

from mairie_tui.db import make_engine, unit_of_work
from mairie_tui.models import Closure
from mairie_tui.services.errors import NotFoundError, RuleViolation, ServiceError
from mairie_tui.tui.errors import french_message
from mairie_tui.tui.screens.booking import BookingScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.recap import RecapScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import screen_text, seed_ticks, settle, sign_in


def test_french_message() -> None:
    assert french_message(NotFoundError("Foyer introuvable (n° 9).")) == "Foyer introuvable (n° 9)."
    assert (
        french_message(
            RuleViolation(
                "Réservation refusée.", problems=["vendredi 25/09/2020 : Fermeture : grève"]
            )
        )
        == "Réservation refusée.\n• vendredi 25/09/2020 : Fermeture : grève"
    )
    # A problem the message already says is not repeated.
    assert (
        french_message(
            RuleViolation(
                "Refusé : lundi 28/09/2020 : grève", problems=["lundi 28/09/2020 : grève"]
            )
        )
        == "Refusé : lundi 28/09/2020 : grève"
    )
    assert "indisponible" in french_message(OperationalError("SELECT 1", {}, Exception("down")))

    # The error's class decides the text, not an attribute that happens to be there.
    class Worded(ServiceError):
        def french_message(self) -> str:
            return f"{self.message} (reformulé)"

    assert french_message(Worded("Refusé.")) == "Refusé. (reformulé)"
    loose = ServiceError("Refusé.")
    loose.problems = ["ne doit pas apparaître"]  # type: ignore[attr-defined]
    assert french_message(loose) == "Refusé."
    unexpected = french_message(KeyError("x"))
    assert unexpected.startswith("Erreur inattendue (KeyError)")
    assert "Traceback" not in unexpected


@run_async
async def test_missing_household_says_so_on_the_screen(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        app.push_screen(HouseholdScreen(999_999))
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "Foyer introuvable (n° 999999)." in screen_text(app)


@run_async
async def test_rule_broken_meanwhile_returns_to_step1_with_the_reason(
    make_app: AppFactory, demo_url: str
) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=(120, 40)) as pilot:
        await seed_ticks(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecapScreen)
        # A closure is entered at another desk for one of the days.
        engine = make_engine(demo_url)
        try:
            with unit_of_work(engine) as session:
                session.add(Closure(activity_id=None, day=date(2020, 9, 28), reason="grève"))
        finally:
            engine.dispose()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BookingScreen)
        text = screen_text(app)
        assert "28/09/2020" in text and "grève" in text and "ctrl+r" in text
        assert len(app.screen.booking.draft.changes) == 3
