"""Pilot tests of « Historique du foyer » (issue 11): a supervisor opens it from the Foyer
with h; a counter agent is not offered the key and cannot open it."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import select

from mairie_tui.db import make_engine, read_session
from mairie_tui.models import Agent, Household
from mairie_tui.services.common import Actor
from mairie_tui.services.household_edit import household_input, update_household
from mairie_tui.tui.screens.history import HouseholdHistoryScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.widgets.keybar import KeyBar
from tests.helpers import DESK, clock_at
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import SIZE, open_household, screen_text, settle, sign_in

HOSTILE = "[bold red]12[/] rue [link=x]des Écoles"


def edit_famille_test(db_url: str) -> None:
    """The supervisor changes the seed family's address to one full of brackets."""
    engine = make_engine(db_url)
    try:
        with read_session(engine) as session:
            agent = session.exec(select(Agent).where(Agent.login == "superviseur")).one()
            household_id = session.exec(
                select(Household.id).where(Household.dossier == "F-000001")
            ).one()
        actor = Actor(id=agent.id, login=agent.login, name=agent.name, role=agent.role)
        data, version = household_input(engine, household_id, actor=DESK)
        update_household(
            engine,
            household_id,
            replace(data, address=HOSTILE),
            expected_version=version,
            actor=actor,
            clock=clock_at("2020-09-15T09:30"),
            allow_duplicates=True,
        )
    finally:
        engine.dispose()


@run_async
async def test_supervisor_opens_the_household_history(make_app: AppFactory, demo_url) -> None:
    edit_famille_test(demo_url)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "superviseur")
        await open_household(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        bar = app.screen.query_one(KeyBar)
        assert "h Historique" in "\n".join(screen_text(app).splitlines()[-bar.size.height :])
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdHistoryScreen)
        text = screen_text(app)
        assert "HISTORIQUE DU FOYER F-000001" in text
        row = next(line for line in text.splitlines() if "Modification du foyer" in line)
        assert "Dominique Roux" in row and "15/09/2020 à 09h30" in row
        # The detail below the table: the address as typed, brackets and all.
        assert f"→ {HOSTILE}" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HouseholdScreen)


@run_async
async def test_a_counter_agent_has_no_household_history(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "guichet")
        await open_household(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "Historique" not in screen_text(app).splitlines()[-1]
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
